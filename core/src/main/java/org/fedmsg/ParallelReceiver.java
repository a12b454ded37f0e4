package org.fedmsg;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies received messages on several threads and delivers them in arrival order.
 *
 * <p>A message's expensive checks (decoding, certificate chain, signature, policy) depend on the
 * message alone, so {@link Receiver#prepare} runs them on a pool of workers, in any order. The
 * checks that depend on the messages before it (replay window, duplicate ids, fedmsg/2 sequence
 * numbers) and the delivery then run one message at a time in the order the messages arrived:
 * whichever worker finishes the message at the head of the line drains every finished message
 * behind it. So every publisher's messages reach the handlers in the order they were received (in
 * fact all messages do), one at a time, while verification uses every worker.
 *
 * <p>With one thread nothing changes: the receiving thread checks and delivers each message
 * itself, as before. Memory is bounded, in one of two ways; beyond the bound the receiving thread
 * waits, and the socket's high-water mark applies as it would with a slow single thread:
 * <ul>
 *   <li>by count, {@value #IN_FLIGHT_PER_THREAD} messages per worker: the relay's inbound side,
 *       whose slowness must reach the connecting publishers quickly (they wait for it);
 *   <li>by bytes, {@link #SUBSCRIBER_BUFFER_BYTES}: a subscriber reads its socket ahead of its
 *       verification and handlers, so that a burst it handles more slowly than a bound publisher
 *       sends waits in its own memory instead of overflowing the publisher's per-subscriber queue
 *       (ZeroMQ's high-water mark, 1,000 messages), where it would be dropped.
 * </ul>
 */
final class ParallelReceiver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ParallelReceiver.class);
  static final int IN_FLIGHT_PER_THREAD = 256;
  /**
   * What a subscriber holds between its socket and its handlers: 32 MiB, some 30,000 fedmsg/2
   * messages of ~0.5 KiB (docs/reliability.md, "Backpressure").
   */
  static final int SUBSCRIBER_BUFFER_BYTES = 32 << 20;
  /** Counted per message on top of its frames: the slot, the task and the frame arrays' headers. */
  static final int SLOT_OVERHEAD_BYTES = 512;

  /** What happens to an accepted message, on one thread at a time, in arrival order. */
  @FunctionalInterface
  interface Delivery {
    void deliver(List<byte[]> frames, Message message);
  }

  private static final class Slot {
    final List<byte[]> frames;
    final String peer;
    final int cost;
    volatile Inbound.Pending pending;

    Slot(List<byte[]> frames, String peer, int cost) {
      this.frames = frames;
      this.peer = peer;
      this.cost = cost;
    }
  }

  private final Receiver receiver;
  /** Where an accepted message goes: the gap fill when there is one, else {@link #sink}. */
  private final GapFill.Sink sink;
  private volatile GapFill gapFill;
  private final java.util.function.Consumer<Message> probeSink;
  private final ExecutorService workers;
  private final Semaphore room;
  /** Whether {@link #room} counts bytes (a subscriber) or messages (the relay). */
  private final boolean byBytes;
  private final ConcurrentLinkedQueue<Slot> line = new ConcurrentLinkedQueue<>();
  private final ReentrantLock draining = new ReentrantLock();
  private volatile boolean closed;

  /** A pipeline bounded by count (the relay's inbound side). */
  ParallelReceiver(Receiver receiver, int threads, Delivery delivery, java.util.function.Consumer<Message> probeSink,
      String name) {
    this(receiver, threads, (GapFill.Sink) (frames, accepted) -> delivery.deliver(frames, accepted.message()), probeSink,
        name, false);
  }

  /**
   * @param threads verifying threads; 1 checks and delivers on the receiving thread
   * @param sink receives each accepted message with its place in its publisher's sequence
   * @param probeSink receives probe answers; may be null
   * @param byBytes bounded by {@link #SUBSCRIBER_BUFFER_BYTES} rather than by count
   */
  ParallelReceiver(Receiver receiver, int threads, GapFill.Sink sink, java.util.function.Consumer<Message> probeSink,
      String name, boolean byBytes) {
    if (threads < 1) {
      throw new IllegalArgumentException("verify threads must be at least 1, not " + threads);
    }
    this.receiver = receiver;
    this.sink = sink;
    this.probeSink = probeSink;
    this.byBytes = byBytes;
    if (threads == 1) {
      this.workers = null;
      this.room = null;
    } else {
      AtomicInteger n = new AtomicInteger();
      this.workers = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "fedmsg-" + name + "-verify-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      this.room = new Semaphore(byBytes ? SUBSCRIBER_BUFFER_BYTES : threads * IN_FLIGHT_PER_THREAD);
    }
  }

  /** Called by the receiving thread for every multipart message, in arrival order. */
  void submit(List<byte[]> frames) {
    if (workers == null) {
      // the lock only matters with gap fill, whose fetched messages join the ordered stage
      draining.lock();
      try {
        Receiver.Accepted a = receiver.completeAccepted(receiver.prepare(frames), probeSink, false);
        if (a != null) {
          pass(frames, a);
        }
      } finally {
        draining.unlock();
      }
      return;
    }
    int cost = cost(frames);
    try {
      while (!room.tryAcquire(cost, 100, TimeUnit.MILLISECONDS)) {
        if (closed) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Slot slot = new Slot(frames, ZmqSubscriber.deliveringPeer(), cost);
    line.add(slot);
    try {
      workers.execute(() -> {
        slot.pending = receiver.prepare(frames);
        drain();
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile: the message is dropped with the bus
      line.remove(slot);
      room.release(cost);
    }
  }

  /**
   * Completes and delivers every prepared message at the head of the line. One thread drains at
   * a time; a worker that finds another draining leaves its message to it, and the drainer looks
   * at the head again after letting go of the lock, so no finished message is left behind.
   */
  private void drain() {
    while (true) {
      if (!draining.tryLock()) {
        return;
      }
      try {
        Slot head;
        while ((head = line.peek()) != null && head.pending != null) {
          line.poll();
          room.release(head.cost);
          finish(head);
        }
      } finally {
        draining.unlock();
      }
      Slot head = line.peek();
      if (head == null || head.pending == null) {
        return;
      }
    }
  }

  /** What a message takes of {@link #room}: 1, or its bytes (never more than the whole budget). */
  private int cost(List<byte[]> frames) {
    if (!byBytes) {
      return 1;
    }
    long bytes = SLOT_OVERHEAD_BYTES;
    for (byte[] f : frames) {
      // null: the marker ZmqSubscriber puts after the frames it kept of an overlong message
      bytes += f == null ? 0 : f.length;
    }
    return (int) Math.min(bytes, SUBSCRIBER_BUFFER_BYTES);
  }

  private void finish(Slot slot) {
    try {
      ZmqSubscriber.asPeer(slot.peer, () -> {
        Receiver.Accepted a = receiver.completeAccepted(slot.pending, probeSink, false);
        if (a != null && !closed) {
          pass(slot.frames, a);
        }
      });
    } catch (RuntimeException e) {
      // Delivery guards handlers itself; anything else must not stop the line.
      LOG.warn("delivering a verified message failed: {}", e.toString());
    }
  }

  private void pass(List<byte[]> frames, Receiver.Accepted a) {
    GapFill g = gapFill;
    if (g != null) {
      g.offer(frames, a);
    } else {
      sink.deliver(frames, a);
    }
  }

  /** Puts a gap fill between the ordered stage and the sink; call before the first message. */
  void gapFill(GapFill g) {
    this.gapFill = g;
  }

  /**
   * Runs {@code task} in the ordered stage: one at a time with the completion and delivery of
   * received messages (gap fill's fetched messages and timers enter the line here).
   */
  void runOrdered(Runnable task) {
    if (closed) {
      return;
    }
    draining.lock();
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.warn("gap fill step failed: {}", e.toString());
    } finally {
      draining.unlock();
    }
    if (workers != null) {
      drain();  // a worker that found the lock taken left its finished message to us
    }
  }

  /** Stops the workers; messages still in flight are dropped. Idempotent. */
  @Override
  public void close() {
    closed = true;
    if (workers != null) {
      workers.shutdown();
      try {
        workers.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
