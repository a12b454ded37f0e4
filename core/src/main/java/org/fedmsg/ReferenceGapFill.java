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
import org.fedmsg.reliable.LostRange;
import org.fedmsg.reliable.ReferenceReplayClient;
import org.fedmsg.reliable.ReferenceReplayException;
import org.fedmsg.reliable.SeqRange;
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
 *       of its list. What could not be fetched or did not verify is counted, written to the
 *       audit log with the publisher and the exact {@code seq_id}s, reported to {@link
 *       BusListener#onLoss} and kept for {@link Bus#lostRanges()}, as the critical bus's losses
 *       are. fedmsg/1 has no epoch: such a loss has the epoch {@value #NO_EPOCH} (empty), and its
 *       range counts {@code seq_id}s.
 *   <li>A {@code seq_id} at or below the last is delivered (it passed the duplicate {@code msg_id}
 *       check, so it is new: the publisher restarted its numbering) and restarts the count; the
 *       reference drops it. A {@code seq_id} may be unsigned (reference publishers), so it only
 *       ever causes a bounded fetch, never a drop.
 * </ul>
 *
 * <p>Runs in the ordered delivery stage, one message at a time; a fetch blocks that stage for at
 * most {@code gap_fill.reference_timeout} (default {@link #TIMEOUT}).
 */
final class ReferenceGapFill implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceGapFill.class);
  /** The most {@code seq_id}s asked for per gap; the rest of a larger gap is reported lost. */
  static final int MAX_GAP = 1000;
  /** How long one fetch may block delivery, by default ({@code gap_fill.reference_timeout}). */
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  /**
   * The epoch of a fedmsg/1 loss in {@link BusListener#onLoss} and {@link
   * org.fedmsg.reliable.LostRange}: fedmsg/1 has none, and a fedmsg/2 epoch is never empty.
   */
  static final String NO_EPOCH = "";

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
  private final BusListener listener;
  private final RecentLosses recent;
  private final Duration timeout;

  ReferenceGapFill(Map<String, Source> bySigner, Receiver receiver, Duration timeout, CurveKeyPair curveKey,
      BusListener listener, RecentLosses recent) {
    this.curveKey = curveKey;
    this.bySigner = Map.copyOf(bySigner);
    this.receiver = receiver;
    this.timeout = timeout;
    this.client = new ReferenceReplayClient(timeout);
    this.listener = listener;
    this.recent = recent;
  }

  /**
   * The gap fill for a subscriber, or null when no publisher can be followed: {@code
   * replay_endpoints} and {@code certnames} name no common service.
   */
  static ReferenceGapFill create(BusOptions options, Receiver receiver) {
    return create(options, receiver, new RecentLosses());
  }

  /** @param recent where losses are kept for {@link Bus#lostRanges()} (shared with the pipeline's {@link GapFill}) */
  static ReferenceGapFill create(BusOptions options, Receiver receiver, RecentLosses recent) {
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
    return bySigner.isEmpty() ? null : new ReferenceGapFill(bySigner, receiver, options.referenceReplayTimeout,
        options.curve.enabled() ? options.curve.clientKeyPair() : null, options.listener, recent);
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

  /**
   * Delivers {@code m}, after the messages of a gap before it that could be fetched.
   *
   * @param fingerprint SHA-256 of {@code m}'s certificate (hex), named in a loss; null if unknown
   */
  void deliver(Message m, String fingerprint, Consumer<Message> downstream) {
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
      Gap gap = new Gap(source, signer, fingerprint);
      try {
        fill(gap, prev + 1, cur - 1, downstream);
      } catch (RuntimeException e) {
        // a bug or a closing context must not cost the live message too
        LOG.warn("reference replay: filling seq_id {} to {} of '{}' failed", prev + 1, cur - 1,
            LogText.escape(source.name()), e);
        gap.report(prev + 1, cur - 1, UNREACHABLE, "failed: " + e);
      }
    }
    downstream.accept(m);
  }

  /**
   * One gap's publisher, for its reports; the fingerprint is the live message's that revealed it
   * (the reference's {@code seq_id} has no other tie to a certificate).
   */
  private final class Gap {
    final Source source;
    final String signer;
    final String fingerprint;

    Gap(Source source, String signer, String fingerprint) {
      this.source = source;
      this.signer = signer;
      this.fingerprint = fingerprint;
    }

    void report(long from, long to, String reason, String why) {
      ReferenceGapFill.this.report(this, from, to, reason, why);
    }
  }

  // BusListener#onLoss reasons, as GapFill names them
  private static final String MISSING = "missing";
  private static final String UNREACHABLE = "unreachable";
  private static final String REFUSED = "refused";
  private static final String OVERFLOW = "overflow";

  private void fill(Gap gap, long from, long to, Consumer<Message> downstream) {
    Source source = gap.source;
    String signer = gap.signer;
    long end = to - from >= MAX_GAP ? from + MAX_GAP - 1 : to;
    if (end < to) {
      gap.report(end + 1, to, OVERFLOW, "more than " + MAX_GAP + " missing at once");
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
      // the server's own error frame (e.g. no match) means it does not hold them; else it did not answer
      gap.report(from, end, e.answered() ? MISSING : UNREACHABLE, e.getMessage());
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
    java.util.BitSet refused = new java.util.BitSet();
    for (Map.Entry<Long, byte[]> e : wanted.entrySet()) {
      Message fetched = verify(source, e.getValue());
      if (fetched == null) {
        refused.set((int) (e.getKey() - from));
        continue;   // the receiver counted and audited the rejection
      }
      // a verified message is never dropped, even one of another signer (then it fills nothing)
      downstream.accept(fetched);
      if (signer.equals(fetched.signer().orElse(null))) {
        got.set((int) (e.getKey() - from));
        filled.increment();
      }
    }
    // each run of seq_ids not filled is one loss, split where its reason changes
    int count = (int) (end - from + 1);
    int i = got.nextClearBit(0);
    while (i < count) {
      boolean wasRefused = refused.get(i);
      int j = i + 1;
      while (j < count && !got.get(j) && refused.get(j) == wasRefused) {
        j++;
      }
      gap.report(from + i, from + j - 1, wasRefused ? REFUSED : MISSING,
          wasRefused ? "refused by verification" : "not in the reply");
      i = got.nextClearBit(j);
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

  private void report(Gap gap, long from, long to, String reason, String why) {
    lost.add(to - from + 1);
    org.fedmsg.RejectionLog.AUDIT.warn("reference replay: {} message(s) of '{}' signing as {} (seq_id {} to {}) could"
        + " not be fetched from {}: {}", to - from + 1, LogText.escape(gap.source.name()), LogText.escape(gap.signer),
        from, to, LogText.escape(gap.source.url()), LogText.escape(why));
    recent.report(new LostRange(gap.signer, gap.fingerprint, NO_EPOCH, new SeqRange(from, to), reason), listener);
  }

  /** How long one fetch may take ({@code gap_fill.reference_timeout}). */
  Duration timeout() {
    return timeout;
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
