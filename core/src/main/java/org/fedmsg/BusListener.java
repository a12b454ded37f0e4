package org.fedmsg;

/**
 * Receives the bus's asynchronous events. Every method has a no-op default, so implement only
 * what you need. Methods run on the bus's receiving thread: return quickly.
 */
public interface BusListener {
  /**
   * A received message passed every check (decoding, signature, certificate, policy, replay) and
   * goes on to delivery or forwarding; {@code checkNanos} is the time those checks took. For
   * meters: runs on the receiving thread of buses and relays alike.
   */
  default void messageAccepted(Message message, long checkNanos) {}

  /** A received message was dropped; it has already been counted and logged. */
  default void messageRejected(Rejection rejection) {}

  /** A handler threw while processing {@code message}; the bus logged it and carries on. */
  default void handlerFailed(Message message, Throwable error) {}
}
