package org.fedmsg.loadgen;

import java.util.Objects;

/**
 * What one publisher or subscriber did in a run.
 *
 * @param name e.g. {@code pub-1}, {@code sub-2}
 * @param messages messages published, or distinct messages received
 * @param payloadBytes payload bytes of those messages
 * @param startNanos {@link System#nanoTime()} of the first message
 * @param endNanos {@link System#nanoTime()} of the last message
 * @param lost messages a subscriber should have received and did not (0 for publishers)
 * @param duplicates messages a subscriber received more than once
 * @param rejected messages a subscriber's bus rejected (signature, policy, replay, ...)
 * @param latency a subscriber's latencies ({@link Latency#NONE} for publishers)
 */
public record ClientReport(String name, long messages, long payloadBytes, long startNanos, long endNanos, long lost,
    long duplicates, long rejected, Latency latency) {

  public ClientReport {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(latency, "latency");
  }

  /** Seconds between the first and the last message (0 with fewer than two). */
  public double seconds() {
    return Math.max(0, endNanos - startNanos) / 1e9;
  }

  /** Messages per second (0 when the run was too short to measure). */
  public double messagesPerSecond() {
    return BenchReport.rate(messages, seconds());
  }

  /** Payload megabytes (10^6 bytes) per second. */
  public double megabytesPerSecond() {
    return BenchReport.rate(payloadBytes, seconds()) / 1e6;
  }
}
