package org.fedmsg.loadgen;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.fedmsg.Bus;
import org.fedmsg.Message;
import org.fedmsg.MessageHandler;

/**
 * Receives a run's messages on one bus: records latency from each message's signed send time,
 * and which sequence numbers of which publisher arrived. The handler runs on the bus's one
 * receiving thread, so the histogram and the ledger need no lock; other threads read only the
 * volatile counters until the bus is closed.
 */
final class LoadSubscriber implements MessageHandler {
  private final String name;
  private final Bus bus;
  private final BenchSpec spec;
  private final Histogram latencies = Latency.histogram();
  private final SequenceLedger ledger = new SequenceLedger();
  private volatile long received;
  private volatile long startNanos;
  private volatile long lastNanos;

  LoadSubscriber(String name, Bus bus, BenchSpec spec) {
    this.name = name;
    this.bus = bus;
    this.spec = spec;
  }

  Bus bus() {
    return bus;
  }

  long received() {
    return received;
  }

  @Override
  public void onMessage(Message message) {
    BenchPayload p = BenchPayload.parse(message.msg());
    if (p == null) {
      return;
    }
    long now = System.nanoTime();
    long latency = BenchPayload.nowMicros() - p.sentMicros();
    if (!ledger.record(p.publisher(), p.seq(), p.planned())) {
      return;
    }
    // A clock step backwards can make a latency negative: it counts as 0, not as an error.
    latencies.recordValue(Math.min(Math.max(0, latency), latencies.getHighestTrackableValue()));
    if (received == 0) {
      startNanos = now;
    }
    lastNanos = now;
    received = received + 1;
  }

  /**
   * Waits until {@code expected} distinct messages arrived ({@code expected < 0}: no count to
   * reach), or nothing arrived for {@code idle} after the first message, or nothing arrived at all
   * within {@code first}.
   */
  void await(long expected, Duration idle, Duration first) throws InterruptedException {
    long began = System.nanoTime();
    while (expected < 0 || received < expected) {
      long now = System.nanoTime();
      long n = received;
      if (n == 0 ? now - began > first.toNanos() : now - lastNanos > idle.toNanos()) {
        return;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      // A load generator, not a test: polling every few milliseconds costs nothing measurable.
      LockSupport.parkNanos(5_000_000L);
    }
  }

  /** The report, once the bus is closed (no more handler calls). */
  ClientReport report(Map<String, Long> sent) {
    long n = received;
    return new ClientReport(name, n, n * spec.size(), startNanos, n == 0 ? startNanos : lastNanos, ledger.lost(sent),
        ledger.duplicates(), bus.stats().rejected(), Latency.of(latencies));
  }

  Histogram latencies() {
    return latencies;
  }
}
