package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.LogText;
import org.fedmsg.crypto.Z85;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.reliable.ReferenceReplayClient;
import org.fedmsg.reliable.ReferenceReplayException;
import org.fedmsg.wire.Fedmsg1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gap detection for fedmsg/1 publishers that serve the reference replay protocol: the
 * reference's {@code check_for_replay} where it is sound, with these deviations (see {@code
 * docs/reliability.md}, "The reference replay protocol"):
 *
 * <ul>
 *   <li>A publisher is known by its verified signer: the certificate name {@code certnames} gives
 *       a service that has a {@code replay_endpoints} entry (the reference goes by the endpoint a
 *       message came in on; one SUB socket here serves many endpoints). A certificate named for
 *       two such services is ambiguous and not followed.
 *   <li>A gap ({@code seq_id} more than one above the last) is fetched with {@code seq_ids}, the
 *       missing numbers only (at most {@value #MAX_GAP}): the reference asks {@code seq_id_range},
 *       which its own server always answers with an error.
 *   <li>Every fetched message goes through the receiver's full verification (signature, policy,
 *       replay window, duplicate {@code msg_id}) and is delivered in {@code seq_id} order before
 *       the message that revealed the gap, once each; the reference keeps only the first message
 *       of its list. What could not be fetched or did not verify is counted and written to the
 *       audit log with the publisher and the exact {@code seq_id}s.
 *   <li>A {@code seq_id} at or below the last is delivered (it passed the duplicate {@code msg_id}
 *       check, so it is new: the publisher restarted its numbering) and restarts the count; the
 *       reference drops it. A {@code seq_id} may be unsigned (reference publishers), so it only
 *       ever causes a bounded fetch, never a drop.
 * </ul>
 *
 * <p>Runs in the ordered delivery stage, one message at a time; a fetch blocks that stage for at
 * most {@link #TIMEOUT}.
 */
final class ReferenceGapFill implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceGapFill.class);
  /** The most {@code seq_id}s asked for per gap; the rest of a larger gap is reported lost. */
  static final int MAX_GAP = 1000;
  /** How long one fetch may block delivery. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /**
   * A publisher followed: its service name, replay URL and, with CURVE, the replay endpoint's
   * server key (the publish socket's: a process serves replay with the same key).
   */
  record Source(String name, String url, String serverKeyZ85) {
    boolean plain() {
      return serverKeyZ85.isEmpty();
    }
  }

  private final Map<String, Source> bySigner;
  private final Receiver receiver;
  private final ReferenceReplayClient client;
  /** This subscriber's CURVE key pair; null when CURVE is off. */
  private final CurveKeyPair curveKey;
  /** Signer to the last {@code seq_id} seen; touched by the delivery stage only. */
  private final Map<String, Long> last = new HashMap<>();
  private final LongAdder filled = new LongAdder();
  private final LongAdder lost = new LongAdder();

  ReferenceGapFill(Map<String, Source> bySigner, Receiver receiver, Duration timeout, CurveKeyPair curveKey) {
    this.curveKey = curveKey;
    this.bySigner = Map.copyOf(bySigner);
    this.receiver = receiver;
    this.client = new ReferenceReplayClient(timeout);
  }

  /**
   * The gap fill for a subscriber, or null when no publisher can be followed: {@code
   * replay_endpoints} and {@code certnames} name no common service.
   */
  static ReferenceGapFill create(BusOptions options, Receiver receiver) {
    if (options.config == null) {
      return null;
    }
    Map<String, String> replay = options.config.replayEndpoints();
    Map<String, String> certnames = options.config.certnames();
    Map<String, Source> bySigner = new HashMap<>();
    Map<String, String> ambiguous = new HashMap<>();
    replay.forEach((name, url) -> {
      String cert = certnames.get(name);
      if (cert == null || (options.name != null && options.name.equals(name))) {
        return;
      }
      String key = serverKey(options, name, url);
      if (key == null) {
        return;
      }
      Source before = bySigner.putIfAbsent(cert, new Source(name, url, key));
      if (before != null) {
        ambiguous.merge(cert, before.name() + ", " + name, (names, more) -> names + ", " + name);
      }
    });
    ambiguous.forEach((cert, names) -> {
      bySigner.remove(cert);
      LOG.warn("reference replay: certificate {} signs for several services with replay_endpoints ({}): "
          + "their seq_ids are not followed", LogText.escape(cert), LogText.escape(names));
    });
    return bySigner.isEmpty() ? null : new ReferenceGapFill(bySigner, receiver, TIMEOUT,
        options.curve.enabled() ? options.curve.clientKeyPair() : null);
  }

  private static final String PLAIN = "";

  /**
   * The CURVE server key of a service's replay endpoint: the one given for its URL, else the one
   * of its publish endpoints ({@code endpoints}); {@link #PLAIN} without CURVE or for an
   * endpoint marked plain; null (logged) when CURVE is on and no key is known.
   */
  private static String serverKey(BusOptions options, String name, String url) {
    CurveOptions curve = options.curve;
    if (!curve.enabled() || curve.plainEndpoints().contains(url)) {
      return PLAIN;
    }
    String z85 = curve.serverKeys().get(url);
    for (String publish : options.endpoints.getOrDefault(name, List.of())) {
      z85 = z85 != null ? z85 : curve.serverKeys().get(publish);
    }
    if (z85 == null || Z85.decodeKey(z85).isEmpty()) {
      LOG.warn("reference replay: CURVE is on and no server key is known for {} ('{}'): its seq_ids are not followed",
          LogText.escape(url), LogText.escape(name));
      return null;
    }
    return z85;
  }

  /** Delivers {@code m}, after the messages of a gap before it that could be fetched. */
  void deliver(Message m, Consumer<Message> downstream) {
    String signer = m.signer().orElse(null);
    Source source = signer == null || m.format() != WireFormat.FEDMSG1 ? null : bySigner.get(signer);
    OptionalLong seq = source == null ? OptionalLong.empty() : Fedmsg1.seqId(m.bodyTree());
    if (seq.isEmpty()) {
      downstream.accept(m);
      return;
    }
    long cur = seq.getAsLong();
    Long prev = last.put(signer, cur);
    if (prev != null && cur > prev + 1) {
      try {
        fill(source, signer, prev + 1, cur - 1, downstream);
      } catch (RuntimeException e) {
        // a bug or a closing context must not cost the live message too
        LOG.warn("reference replay: filling seq_id {} to {} of '{}' failed", prev + 1, cur - 1,
            LogText.escape(source.name()), e);
        report(source, signer, prev + 1, cur - 1, "failed: " + e);
      }
    }
    downstream.accept(m);
  }

  private void fill(Source source, String signer, long from, long to, Consumer<Message> downstream) {
    long end = to - from >= MAX_GAP ? from + MAX_GAP - 1 : to;
    if (end < to) {
      report(source, signer, end + 1, to, "more than " + MAX_GAP + " missing at once");
    }
    ObjectNode query = Json.object();
    ArrayNode ids = query.putArray("seq_ids");
    for (long s = from; s <= end; s++) {
      ids.add(s);
    }
    List<byte[]> frames;
    try {
      frames = source.plain() ? client.query(source.url(), query)
          : client.query(source.url(), query, curveKey, Z85.decodeKey(source.serverKeyZ85()).orElseThrow());
    } catch (ReferenceReplayException e) {
      report(source, signer, from, end, e.getMessage());
      return;
    }
    // one message per wanted seq_id, in order; anything else in the reply is ignored
    TreeMap<Long, byte[]> wanted = new TreeMap<>();
    for (byte[] frame : frames) {
      JsonNode body = CanonicalJson.parse(frame);
      OptionalLong s = Fedmsg1.seqId(body);
      if (s.isPresent() && s.getAsLong() >= from && s.getAsLong() <= end) {
        wanted.putIfAbsent(s.getAsLong(), frame);
      }
    }
    java.util.BitSet got = new java.util.BitSet();
    for (Map.Entry<Long, byte[]> e : wanted.entrySet()) {
      Message fetched = verify(source, e.getValue());
      if (fetched == null) {
        continue;   // the receiver counted and audited the rejection
      }
      // a verified message is never dropped, even one of another signer (then it fills nothing)
      downstream.accept(fetched);
      if (signer.equals(fetched.signer().orElse(null))) {
        got.set((int) (e.getKey() - from));
        filled.increment();
      }
    }
    int count = (int) (end - from + 1);
    for (int i = got.nextClearBit(0); i < count; i = got.nextClearBit(i)) {
      int j = Math.min(got.nextSetBit(i) < 0 ? count : got.nextSetBit(i), count);
      report(source, signer, from + i, from + j - 1, "not in the reply, or refused");
      i = j;
    }
  }

  /** The receiver's full check of a fetched body, as a message from the replay endpoint. */
  private Message verify(Source source, byte[] body) {
    JsonNode topic = CanonicalJson.parse(body).get("topic");
    // the reply has no topic frame: the signed topic stands in for it
    byte[] topicFrame = topic != null && topic.isTextual() ? topic.textValue().getBytes(StandardCharsets.UTF_8)
        : new byte[0];
    Message[] out = new Message[1];
    // not List.of: the receiver asks whether the frames hold a null, which List.of refuses to answer
    List<byte[]> frames = java.util.Arrays.asList(topicFrame, body);
    ZmqSubscriber.asPeer("reference replay " + source.url(), () -> out[0] = receiver.accept(frames));
    return out[0];
  }

  private void report(Source source, String signer, long from, long to, String why) {
    lost.add(to - from + 1);
    org.fedmsg.RejectionLog.AUDIT.warn("reference replay: {} message(s) of '{}' signing as {} (seq_id {} to {}) could"
        + " not be fetched from {}: {}", to - from + 1, LogText.escape(source.name()), LogText.escape(signer), from, to,
        LogText.escape(source.url()), LogText.escape(why));
  }

  /** Messages of gaps delivered from a replay endpoint. */
  long filled() {
    return filled.sum();
  }

  /** Messages of gaps that could not be fetched or did not verify. */
  long lost() {
    return lost.sum();
  }

  @Override
  public void close() {
    client.close();
  }
}
