package org.fedmsg;

import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * Recovers the connections that JeroMQ 0.5.4's poller leaves out of its selector ({@code
 * docs/architecture.md}, "JeroMQ's stalled handshake") without cutting slow handshakes.
 *
 * <p>The monitor of a connecting socket reports {@code CONNECTED} when TCP is up and {@code
 * HANDSHAKE_PROTOCOL} once the ZMTP greetings have been exchanged, which proves the connection's
 * engine is polled. A stalled engine never gets there; a slow one (its I/O thread busy with
 * hundreds of other handshakes) gets there late. The two cannot be told apart from outside, but
 * the cure is harmless to the slow one: binding and closing a throw-away loopback listener on each
 * I/O thread of the context changes that thread's poll set, and the poller's next re-scan then
 * registers the stalled channel (the handshake completes at once), while a slow handshake simply
 * goes on. So once a connection has waited {@link #STALL_NANOS} between the two events, the
 * context's I/O threads are nudged, again every {@link #STALL_NANOS} (per context) while one still
 * waits. {@code ZMQ_HANDSHAKE_IVL} stays a long backstop ({@link SocketOptions#HANDSHAKE_IVL_MILLIS})
 * against peers that accept and never speak.
 *
 * <p>One instance per connecting socket, used by the thread that reads its monitor.
 */
final class HandshakeWatch {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeWatch.class);
  /** The monitor events a watched socket must report. */
  static final int EVENTS = ZMQ.EVENT_CONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED
      | ZMQ.EVENT_CLOSED;
  /** How long a connection may wait for its greeting before the I/O threads are nudged: far longer than a handshake takes on an idle host. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Past this a waiting connection is the handshake limit's to cut, not ours to nudge for. */
  private static final long GIVE_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(SocketOptions.HANDSHAKE_IVL_MILLIS) * 2;
  /** When each context was last nudged: at most one nudge per {@link #STALL_NANOS} per context, however many sockets wait. */
  private static final Map<ZContext, Long> LAST_NUDGE = Collections.synchronizedMap(new WeakHashMap<>());

  private final ZContext context;
  /** Endpoint to when it reported CONNECTED without a greeting since (System.nanoTime). */
  private final Map<String, Long> waiting = new HashMap<>();
  private long nudges;

  HandshakeWatch(ZContext context) {
    this.context = context;
  }

  /** Takes one event of the watched socket's monitor. */
  void event(ZMQ.Event event, long now) {
    switch (event.getEvent()) {
      case ZMQ.EVENT_CONNECTED:
        waiting.put(event.getAddress(), now);
        break;
      case ZMQ.EVENT_HANDSHAKE_PROTOCOL:
      case ZMQ.EVENT_DISCONNECTED:
      case ZMQ.EVENT_CLOSED:
        waiting.remove(event.getAddress());
        break;
      default:
        break;
    }
  }

  /** Forgets a connection the owner closed. */
  void forget(String endpoint) {
    waiting.remove(endpoint);
  }

  /** Connections waiting for their greeting now. */
  int waiting() {
    return waiting.size();
  }

  /** Nudges performed for this socket so far. */
  long nudges() {
    return nudges;
  }

  /**
   * Nudges the context's I/O threads when a connection has waited for its greeting longer than
   * {@link #STALL_NANOS} and the context was not nudged within that time; call it at least every
   * few hundred milliseconds.
   *
   * @return whether it nudged
   */
  boolean check(long now) {
    boolean overdue = false;
    for (Iterator<Long> it = waiting.values().iterator(); it.hasNext(); ) {
      long since = now - it.next();
      if (since > GIVE_UP_NANOS) {
        it.remove();  // the handshake limit has cut it long ago; a new CONNECTED will come
      } else if (since > STALL_NANOS) {
        overdue = true;
      }
    }
    if (!overdue || !claimNudge(context, now)) {
      return false;
    }
    nudges++;
    LOG.debug("{} connection(s) waiting over {} ms for their ZMTP greeting: nudging the I/O threads", waiting.size(),
        TimeUnit.NANOSECONDS.toMillis(STALL_NANOS));
    nudge(context);
    return true;
  }

  private static boolean claimNudge(ZContext context, long now) {
    synchronized (LAST_NUDGE) {
      Long last = LAST_NUDGE.get(context);
      if (last != null && now - last < STALL_NANOS) {
        return false;
      }
      LAST_NUDGE.put(context, now);
      return true;
    }
  }

  /**
   * Changes the poll set of every I/O thread of {@code context}: a listener bound on loopback
   * (ZMQ_AFFINITY picks the thread) adds a handle to it and closing it removes the handle, and
   * either change makes the poller re-scan its handles.
   */
  static void nudge(ZContext context) {
    int threads = Math.min(Math.max(1, context.getIoThreads()), Long.SIZE - 1);
    for (int i = 0; i < threads; i++) {
      ZMQ.Socket listener = context.createSocket(SocketType.PULL);
      try {
        listener.setLinger(0);
        listener.setAffinity(1L << i);
        listener.bind("tcp://127.0.0.1:*");
      } catch (ZMQException e) {
        LOG.debug("cannot bind a loopback listener to nudge I/O thread {}: {}", i, e.toString());
      } finally {
        context.destroySocket(listener);
      }
    }
  }
}
