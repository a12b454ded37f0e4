package org.fedmsg.hub;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.HandlerPositions;
import org.fedmsg.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's bounded queue and worker thread. {@link #offer} runs on the bus's receiving
 * thread and never blocks: a full queue drops the message for this consumer, counted.
 */
final class ConsumerRunner {
  private static final Logger LOG = LoggerFactory.getLogger(Hub.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Consumer consumer;
  private final List<String> topics;
  private final BlockingQueue<Item> queue;
  /** This consumer's durable positions; null when the hub's bus has no durable name. */
  private final HandlerPositions positions;
  private final int capacity;
  private final Thread worker;
  private final LongAdder received = new LongAdder();
  private final LongAdder consumed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final RateLimit dropLog = new RateLimit();
  private final RateLimit failLog = new RateLimit();
  private volatile boolean stopping;
  private volatile boolean abort;

  /** A queued message with its place in its publisher's sequence (null when it has none). */
  private record Item(Message message, HandlerPositions.Mark mark) {}

  ConsumerRunner(Consumer consumer, List<String> topics, int capacity, HandlerPositions positions) {
    this.consumer = consumer;
    this.positions = positions;
    this.topics = List.copyOf(topics);
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.worker = new Thread(this::run, "fedmsg-hub-" + consumer.name());
    this.worker.setDaemon(true);
  }

  String name() {
    return consumer.name();
  }

  List<String> topics() {
    return topics;
  }

  void start() {
    worker.start();
  }

  /** Called on the bus's receiving thread for every matching message. */
  void offer(Message message) {
    HandlerPositions.Mark mark = null;
    if (positions != null) {
      mark = HandlerPositions.current();
      if (positions.seen(message, mark)) {
        // handled before a restart; fetched again because a slower consumer had not handled it
        return;
      }
      positions.accepted(mark);
    }
    received.increment();
    if (stopping || !queue.offer(new Item(message, mark))) {
      dropped.increment();
      long quiet = dropLog.tryLog();
      if (quiet >= 0) {
        LOG.warn("consumer {}: queue full ({} messages), dropped {}{}", consumer.name(), capacity, message,
            quiet > 0 ? " (" + quiet + " more dropped since the last report)" : "");
      }
    }
  }

  private void run() {
    while (!abort) {
      Item item;
      try {
        item = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // Interrupted when a drain timed out: stop at once, what is left is counted as dropped.
        break;
      }
      if (item == null) {
        if (stopping) {
          break;
        }
        continue;
      }
      Message message = item.message();
      boolean threw = false;
      try {
        consumer.consume(message);
        consumed.increment();
      } catch (Exception | LinkageError | AssertionError e) {
        threw = true;
        failed.increment();
        long quiet = failLog.tryLog();
        if (quiet >= 0) {
          LOG.warn("consumer {} failed on {}: {}{}", consumer.name(), message, e.toString(),
              quiet > 0 ? " (" + quiet + " more failures since the last report)" : "", e);
        }
      }
      if (positions != null && !(threw && abort)) {
        // after consume returned, or threw (a failing message is not retried, as without positions);
        // not when it threw because the hub gave up on it at shutdown: that one is asked for again
        positions.handled(item.mark(), message);
      }
    }
  }

  /**
   * Stops taking messages, lets the worker finish the queue within {@code timeout}, then calls
   * {@link Consumer#stop()}. After the timeout the worker is interrupted and takes no further
   * message; what is still queued is counted as dropped. A consumer that ignores the interrupt
   * may still be inside {@link Consumer#consume} when its {@code stop()} is called.
   *
   * @return true when the queue was drained in time
   */
  boolean stop(Duration timeout) throws InterruptedException {
    stopping = true;
    boolean drained = true;
    if (worker.isAlive()) {
      worker.join(Math.max(1, timeout.toMillis()));
      if (worker.isAlive()) {
        drained = false;
        abort = true;
        worker.interrupt();
        worker.join(1000);
      }
    }
    int left = queue.size();
    if (left > 0) {
      queue.clear();
      dropped.add(left);
      LOG.warn("consumer {}: {} queued message(s) abandoned at shutdown (drain timeout {} ms)", consumer.name(),
          left, timeout.toMillis());
    }
    try {
      consumer.stop();
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("consumer {}: stop() failed: {}", consumer.name(), e.toString());
    }
    return drained && left == 0;
  }

  ConsumerStats stats() {
    return new ConsumerStats(consumer.name(), topics, received.sum(), consumed.sum(), failed.sum(), dropped.sum(),
        queue.size(), capacity);
  }

  /** Allows one log line per interval and counts what it suppressed in between. */
  static final class RateLimit {
    private final AtomicLong last = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    /** @return the number suppressed since the last line when this call may log, else -1 */
    long tryLog() {
      long now = System.nanoTime();
      long previous = last.get();
      if (now - previous >= LOG_INTERVAL_NANOS && last.compareAndSet(previous, now)) {
        return suppressed.getAndSet(0);
      }
      suppressed.incrementAndGet();
      return -1;
    }
  }
}
