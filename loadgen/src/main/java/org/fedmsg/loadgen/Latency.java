package org.fedmsg.loadgen;

import org.HdrHistogram.Histogram;

/**
 * Send-to-delivery latency percentiles in microseconds, from the signed send time in each
 * message to the moment the subscriber's handler saw it (both on this machine's clock, so
 * publishers and subscribers must share a clock: one host, or hosts kept in sync).
 *
 * @param count messages measured
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param max the largest
 */
public record Latency(long count, long p50, long p90, long p99, long max) {
  /** No measurement (a publisher, or a subscriber that received nothing). */
  public static final Latency NONE = new Latency(0, 0, 0, 0, 0);

  static Latency of(Histogram h) {
    if (h.getTotalCount() == 0) {
      return NONE;
    }
    return new Latency(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
        h.getValueAtPercentile(99), h.getMaxValue());
  }

  /** A histogram for microsecond latencies up to an hour, three significant digits. */
  static Histogram histogram() {
    return new Histogram(3_600_000_000L, 3);
  }

  @Override
  public String toString() {
    return count == 0 ? "no latency measured"
        : "latency p50 " + BenchReport.micros(p50) + ", p90 " + BenchReport.micros(p90) + ", p99 "
            + BenchReport.micros(p99) + ", max " + BenchReport.micros(max);
  }
}
