package org.fedmsg.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.fedmsg.reliable.ReplayStats;

/**
 * The meters of a replay endpoint ({@code docs/reliability.md}, "Replay endpoint"):
 * {@code fedmsg_replay_requests_total{component,result}}, {@code
 * fedmsg_replay_messages_served_total{component}} and {@code fedmsg_replay_bytes_served_total{component}}.
 * Registered whether or not the component serves one (then they stay at zero).
 */
public final class ReplayMeters {
  private static final Map<String, ToLongFunction<ReplayStats>> RESULTS = Map.of(
      "ok", ReplayStats::ok,
      "bad-request", ReplayStats::badRequest,
      "range-too-large", ReplayStats::rangeTooLarge,
      "rate-limited", ReplayStats::rateLimited,
      "unknown-signer", ReplayStats::unknownSigner,
      "refused", ReplayStats::refused,
      "reference", ReplayStats::reference);

  private ReplayMeters() {}

  /**
   * Registers the replay meters of {@code component}, read from {@code stats} at scrape time.
   * The registry holds {@code stats} weakly: the caller keeps it (and what it reads) alive.
   */
  public static void bind(MeterRegistry registry, String component, Supplier<ReplayStats> stats) {
    RESULTS.forEach((result, value) -> FunctionCounter.builder("fedmsg.replay.requests", stats,
        s -> value.applyAsLong(s.get())).description("replay requests, by result").tag("component", component)
        .tag("result", result).register(registry));
    FunctionCounter.builder("fedmsg.replay.messages.served", stats, s -> s.get().messagesServed())
        .description("messages sent again by the replay endpoint").tag("component", component).register(registry);
    FunctionCounter.builder("fedmsg.replay.bytes.served", stats, s -> s.get().bytesServed())
        .description("bytes of message frames sent again by the replay endpoint").tag("component", component)
        .register(registry);
  }
}
