package org.fedmsg.loadgen;

import java.util.concurrent.locks.LockSupport;
import org.fedmsg.Bus;

/**
 * Publishes a run's messages on one bus from one thread, paced when the spec has a rate. The
 * counters are written by that thread only and read by others for progress.
 */
final class LoadPublisher implements Runnable {
  static final String MODNAME = "bench";
  static final String TOPIC = "load";

  private final String name;
  private final String id;
  private final Bus bus;
  private final BenchSpec spec;
  private volatile long sent;
  private volatile long startNanos;
  private volatile long endNanos;
  private volatile Throwable failure;

  LoadPublisher(String name, String runId, Bus bus, BenchSpec spec) {
    this.name = name;
    this.id = runId + "-" + name;
    this.bus = bus;
    this.spec = spec;
  }

  /** The id subscribers see in the payload. */
  String id() {
    return id;
  }

  long sent() {
    return sent;
  }

  /** What made the publisher stop early, or null. */
  Throwable failure() {
    return failure;
  }

  @Override
  public void run() {
    long planned = spec.timed() ? 0 : spec.messages();
    String pad = BenchPayload.padding(id, planned, spec.size());
    long start = System.nanoTime();
    long deadline = start + spec.duration().toNanos();
    double interval = spec.rate() > 0 ? 1e9 / spec.rate() : 0;
    startNanos = start;
    try {
      for (long seq = 1; spec.timed() || seq <= planned; seq++) {
        long now = System.nanoTime();
        if (spec.timed() && now - deadline >= 0) {
          break;
        }
        if (interval > 0) {
          // Paced from the start, not from the previous message, so that a late message does not
          // push every later one back (the rate is kept on average).
          long due = start + (long) ((seq - 1) * interval);
          if (due - now > 0) {
            LockSupport.parkNanos(due - now);
          }
        }
        bus.publish(MODNAME, TOPIC, new BenchPayload(id, seq, planned, BenchPayload.nowMicros()).toMap(pad));
        sent = seq;
        endNanos = System.nanoTime();
      }
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  ClientReport report() {
    long n = sent;
    return new ClientReport(name, n, n * spec.size(), startNanos, n == 0 ? startNanos : endNanos, 0, 0, 0,
        Latency.NONE);
  }
}
