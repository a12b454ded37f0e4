package org.fedmsg;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.fedmsg.reliable.ReplayBatch;
import org.fedmsg.reliable.ReplayClient;
import org.fedmsg.reliable.ReplayException;
import org.fedmsg.reliable.SeqRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a gap from the replay endpoints this process knows ({@code replay_endpoints}, and what
 * the builder was given): the endpoint that answered for the signer before is asked first, then
 * the others in order; the first answer that is not {@code unknown-signer} wins. When every
 * endpoint says {@code unknown-signer}, nobody serves that publisher ({@code no-endpoint}); when
 * none answers, the fetch fails as {@code unreachable} and is retried until {@code
 * gap_fill.max_wait}.
 */
final class GapFillFetcher implements GapFill.Fetcher {
  private static final Logger LOG = LoggerFactory.getLogger(GapFillFetcher.class);
  /** The bound of one request (it pages itself through the server's cap). */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final List<String> fixed;
  private final java.util.function.Supplier<List<org.fedmsg.discovery.Endpoint>> discovered;
  private final CurveOptions curve;
  /** Signer fingerprint -> the endpoint that last answered for it. */
  private final Map<String, String> answered = new ConcurrentHashMap<>();

  /**
   * @param fixed endpoints given by the builder or the configuration (CURVE key looked up by URL)
   * @param discovered the replay endpoints of the publishers the subscriber is connected to, with
   *     their CURVE keys (asked first)
   */
  GapFillFetcher(List<String> fixed, java.util.function.Supplier<List<org.fedmsg.discovery.Endpoint>> discovered,
      CurveOptions curve) {
    this.fixed = List.copyOf(new LinkedHashSet<>(fixed));
    this.discovered = discovered;
    this.curve = curve;
  }

  /**
   * The endpoints discovery knows for the publishers this bus is connected to, then those of the
   * builder and of {@code replay_endpoints}, except this process's own (its {@code name}'s entry,
   * and {@code relay_outbound}'s for a relay): its own outbox never holds what it missed, and its
   * answer ("missing") would hide the endpoint that does.
   */
  static GapFill.Fetcher of(BusOptions options, java.util.function.Supplier<List<org.fedmsg.discovery.Endpoint>>
      discovered, String... ownNames) {
    List<String> urls = new ArrayList<>(options.replayEndpoints);
    if (options.config != null) {
      Map<String, String> configured = new java.util.LinkedHashMap<>(options.config.replayEndpoints());
      if (options.name != null) {
        configured.remove(options.name);
      }
      for (String own : ownNames) {
        configured.remove(own);
      }
      urls.addAll(configured.values());
    }
    return new GapFillFetcher(urls, discovered, options.curve);
  }

  /** URL -> CURVE server key (null: look it up by URL, or plain), discovered ones first. */
  private Map<String, String> candidates() {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (org.fedmsg.discovery.Endpoint e : discovered.get()) {
      out.putIfAbsent(e.url(), e.curveServerKey().orElse(null));
    }
    for (String url : fixed) {
      out.putIfAbsent(url, null);
    }
    return out;
  }

  @Override
  public boolean available() {
    return !candidates().isEmpty();
  }

  @Override
  public GapFill.Batch fetch(String fingerprint, String epoch, long from, long to) throws GapFill.FetchFailure {
    Map<String, String> candidates = candidates();
    List<String> order = new ArrayList<>(candidates.keySet());
    String before = answered.get(fingerprint);
    if (before != null && order.remove(before)) {
      order.add(0, before);
    }
    boolean anyAnswered = false;
    String lastProblem = "no replay endpoint is known";
    for (int i = 0; i < order.size(); i++) {
      String url = order.get(i);
      try {
        GapFill.Batch batch = fetchAll(url, candidates.get(url), fingerprint, epoch, from, to);
        answered.put(fingerprint, url);
        return batch.missing().isEmpty() ? batch
            : askOthers(batch, order.subList(i + 1, order.size()), candidates, fingerprint, epoch);
      } catch (ReplayException e) {
        if (e.reason() == ReplayException.Reason.UNKNOWN_SIGNER) {
          anyAnswered = true;
          continue;
        }
        lastProblem = url + ": " + e.getMessage();
        LOG.debug("replay endpoint {} did not serve {} {}..{}: {}", url, epoch, from, to, e.getMessage());
      }
    }
    if (anyAnswered && lastProblem.startsWith("no replay")) {
      throw new GapFill.FetchFailure("no-endpoint", "every replay endpoint answered unknown-signer");
    }
    throw new GapFill.FetchFailure("unreachable", lastProblem);
  }

  /**
   * What an endpoint answered {@code missing} is asked of the other endpoints, in order: a relay
   * restarted, or one whose outbox evicted it, says {@code missing} for a range the publisher's
   * own replay endpoint (in {@code replay_endpoints}) may still hold.
   */
  private GapFill.Batch askOthers(GapFill.Batch first, List<String> others, Map<String, String> candidates,
      String fingerprint, String epoch) {
    List<List<byte[]>> messages = new ArrayList<>(first.messages());
    List<SeqRange> statistical = new ArrayList<>(first.statistical());
    List<SeqRange> missing = new ArrayList<>(first.missing());
    for (String url : others) {
      List<SeqRange> stillMissing = new ArrayList<>();
      for (SeqRange m : missing) {
        try {
          GapFill.Batch more = fetchAll(url, candidates.get(url), fingerprint, epoch, m.from(), m.to());
          messages.addAll(more.messages());
          statistical.addAll(more.statistical());
          stillMissing.addAll(more.missing());
        } catch (ReplayException e) {
          stillMissing.add(m);  // unknown-signer, or down: the range stays missing
        }
      }
      missing = stillMissing;
      if (missing.isEmpty()) {
        break;
      }
    }
    return new GapFill.Batch(messages, missing, statistical);
  }

  /** One endpoint, asked again from where its answer stopped until the range is covered. */
  private GapFill.Batch fetchAll(String url, String serverKey, String fingerprint, String epoch, long from, long to) {
    List<List<byte[]>> messages = new ArrayList<>();
    List<SeqRange> missing = new ArrayList<>();
    List<SeqRange> statistical = new ArrayList<>();
    long next = from;
    while (next <= to) {
      ReplayBatch b = serverKey != null
          ? ReplayClient.fetch(url, curve, serverKey, fingerprint, epoch, next, to, REQUEST_TIMEOUT)
          : ReplayClient.fetch(url, curve, fingerprint, epoch, next, to, REQUEST_TIMEOUT);
      for (byte[][] m : b.messages()) {
        messages.add(Arrays.asList(m));
      }
      missing.addAll(b.missing());
      statistical.addAll(b.statistical());
      if (b.truncatedAt().isEmpty() || b.truncatedAt().getAsLong() <= next) {
        break;
      }
      next = b.truncatedAt().getAsLong();
    }
    return new GapFill.Batch(messages, missing, statistical);
  }
}
