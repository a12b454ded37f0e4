package org.fedmsg.web;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fedmsg.policy.TopicPattern;

/**
 * One browser (or program) connected to the gateway: its subscriptions and its bounded queue of
 * encoded messages. The bus thread only ever {@link #offer}s, which never blocks: when the queue
 * is full the client is dropped (its reader is too slow), so one slow client can neither grow
 * memory nor hold up the others. Subclasses drain the queue to their transport.
 */
abstract class Client {
  /** The close reason a slow client is given (and the reason tag of the drop counter). */
  static final String SLOW = "slow";

  final String id;
  final boolean frames;
  /** Empty: every topic the gateway serves. */
  final List<TopicPattern> subscriptions = new CopyOnWriteArrayList<>();
  final ArrayBlockingQueue<String> queue;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final DropListener onDrop;

  /** Told once when a client is dropped by the gateway, with the reason and the messages discarded. */
  interface DropListener {
    void dropped(Client client, String reason, int discarded);
  }

  Client(String id, boolean frames, int capacity, DropListener onDrop) {
    this.id = id;
    this.frames = frames;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.onDrop = onDrop;
  }

  /** Whether {@code topic} matches one of the client's subscriptions (no subscription: all). */
  boolean wants(String topic) {
    if (subscriptions.isEmpty()) {
      return true;
    }
    for (TopicPattern p : subscriptions) {
      if (p.matches(topic)) {
        return true;
      }
    }
    return false;
  }

  /** Queues {@code json} for sending; drops the client when its queue is full. Never blocks. */
  final void offer(String json) {
    if (closed.get()) {
      return;
    }
    if (!queue.offer(json)) {
      drop(SLOW, "slow client: more than " + (queue.size() + queue.remainingCapacity())
          + " messages waiting, disconnected");
      return;
    }
    pump();
  }

  /** Drops the client: discards its queue, counts it and closes the transport with {@code message}. */
  final void drop(String reason, String message) {
    if (closed.compareAndSet(false, true)) {
      int discarded = queue.size();
      queue.clear();
      onDrop.dropped(this, reason, discarded);
      closeTransport(message);
    }
  }

  /** Marks the client gone (the peer closed); nothing more is queued. */
  final void closed() {
    closed.set(true);
    queue.clear();
  }

  final boolean isClosed() {
    return closed.get();
  }

  /** Starts sending what is queued, if the transport is idle. */
  abstract void pump();

  /** Closes the transport, telling the peer {@code message} where the transport can. */
  abstract void closeTransport(String message);

  /** {@code websocket} or {@code sse}, the transport tag of the meters. */
  abstract String transport();
}
