package org.fedmsg.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.fedmsg.BusStats;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * Registers a bus's counters ({@link BusStats}) as Prometheus counters, each tagged with the
 * component that owns the bus ({@code relay}, {@code hub}, ...).
 *
 * <p>The counters read the bus's own totals at scrape time, so they never drift from what
 * {@code fedmsg status} reports. Meter names (as scraped):
 * <ul>
 *   <li>{@code fedmsg_messages_published_total}, {@code fedmsg_publish_failures_total}
 *   <li>{@code fedmsg_messages_received_total}, {@code fedmsg_messages_delivered_total}
 *   <li>{@code fedmsg_messages_rejected_total{reason=...}} (every reason, 0 when never seen)
 *   <li>{@code fedmsg_gap_filled_total}, {@code fedmsg_lost_total} (critical bus: gaps filled by replay, and not)
 *   <li>{@code fedmsg_handler_errors_total}, {@code fedmsg_gaps_total}
 *   <li>{@code fedmsg_curve_handshake_failures_total}, {@code fedmsg_curve_refusals_total}
 *   <li>{@code fedmsg_peer_disconnects_total} (connections of receiving sockets that ended)
 *   <li>{@code fedmsg_handshake_nudges_total} (stalled ZMTP greetings whose I/O threads were nudged)
 *   <li>{@code fedmsg_signature_frames_sent_total{form=full|compact}} (fedmsg/2, {@code wire_compact})
 *   <li>{@code fedmsg_compact_frames_received_total{chain=known|waited|unknown}}
 * </ul>
 */
public final class BusMeters {

  /**
   * Micrometer holds a function counter's state object weakly; the suppliers handed to
   * {@link #bind} are usually lambdas that nothing else references, so they are kept here for as
   * long as their registry lives.
   */
  private static final Map<MeterRegistry, List<Supplier<BusStats>>> SOURCES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private BusMeters() {}

  /** Registers the counters of the bus whose snapshots {@code stats} returns. */
  public static void bind(MeterRegistry registry, String component, Supplier<BusStats> stats) {
    Objects.requireNonNull(stats, "stats");
    SOURCES.computeIfAbsent(registry, r -> new CopyOnWriteArrayList<>()).add(stats);
    Tags tags = Tags.of("component", component);
    counter(registry, "fedmsg.messages.published", "messages handed to the publishing socket", tags, stats,
        BusStats::published);
    counter(registry, "fedmsg.publish.failures", "messages the publishing socket refused to queue", tags, stats,
        BusStats::publishFailures);
    counter(registry, "fedmsg.messages.received", "messages read from subscribing sockets, good or bad", tags,
        stats, BusStats::received);
    counter(registry, "fedmsg.messages.delivered", "messages that passed every check and were delivered", tags,
        stats, BusStats::delivered);
    counter(registry, "fedmsg.handler.errors", "exceptions thrown by message handlers", tags, stats,
        BusStats::handlerErrors);
    counter(registry, "fedmsg.gaps", "fedmsg/2 messages known lost on the way here", tags, stats, BusStats::gaps);
    counter(registry, "fedmsg.gap.filled", "critical messages missed on the way and fetched from a replay endpoint",
        tags, stats, BusStats::gapsFilled);
    counter(registry, "fedmsg.lost", "critical messages missed and not fetched (reported with their range)", tags,
        stats, BusStats::lost);
    counter(registry, "fedmsg.curve.handshake.failures", "failed CURVE handshakes of subscribing sockets", tags,
        stats, BusStats::curveHandshakeFailures);
    counter(registry, "fedmsg.curve.refusals", "CURVE clients refused by the ZAP handler", tags, stats,
        BusStats::curveRefusals);
    counter(registry, "fedmsg.peer.disconnects",
        "connections of receiving sockets that ended (peer left, broke the protocol or sent a frame over "
            + "max_message_size)", tags, stats, BusStats::peerDisconnects);
    counter(registry, "fedmsg.handshake.nudges",
        "times a connecting socket's ZMTP greeting stalled and the I/O threads were nudged to recover it", tags,
        stats, BusStats::handshakeNudges);
    String sent = "fedmsg/2 signature frames sent, by form (full: with the certificate chain; compact: its digest)";
    counter(registry, "fedmsg.signature.frames.sent", sent, tags.and("form", "full"), stats, BusStats::signaturesFull);
    counter(registry, "fedmsg.signature.frames.sent", sent, tags.and("form", "compact"), stats,
        BusStats::signaturesCompact);
    String received = "compact fedmsg/2 frames received, by how their chain was found (known at once, waited for "
        + "a full frame verified on another thread, unknown: refused)";
    counter(registry, "fedmsg.compact.frames.received", received, tags.and("chain", "known"), stats,
        BusStats::compactChainKnown);
    counter(registry, "fedmsg.compact.frames.received", received, tags.and("chain", "waited"), stats,
        BusStats::compactChainWaited);
    counter(registry, "fedmsg.compact.frames.received", received, tags.and("chain", "unknown"), stats,
        BusStats::compactChainUnknown);
    for (Reason reason : Reason.values()) {
      counter(registry, "fedmsg.messages.rejected", "messages rejected, by reason",
          tags.and("reason", reason.name()), stats, s -> s.rejected(reason));
    }
  }

  private static void counter(MeterRegistry registry, String name, String help, Tags tags,
      Supplier<BusStats> stats, ToDoubleFunction<BusStats> value) {
    FunctionCounter.builder(name, stats, s -> value.applyAsDouble(s.get()))
        .description(help)
        .tags(tags)
        .register(registry);
  }
}
