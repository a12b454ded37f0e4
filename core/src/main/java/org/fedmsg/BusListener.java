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

  /**
   * Critical bus: messages of a publisher's epoch that were missed and could not be fetched from
   * a replay endpoint are lost; already counted ({@link BusStats#lost()}) and audited. Runs on a
   * gap-fill thread or the receiving thread (fedmsg/1: the ordered delivery stage).
   *
   * <p>Also called for a fedmsg/1 publisher followed by the reference replay protocol ({@code
   * seq_id}, see {@code docs/reliability.md}): then {@code epoch} is empty (fedmsg/1 has none; a
   * fedmsg/2 epoch never is) and {@code range} counts {@code seq_id}s.
   *
   * @param signer the publisher's certificate common name
   * @param fingerprint SHA-256 of the publisher's certificate (hex), as replay requests name it;
   *     for fedmsg/1, that of the message that revealed the gap, or null when it was not verified
   * @param epoch the publisher's epoch; empty for fedmsg/1
   * @param range the sequence numbers lost, inclusive
   * @param reason why: {@code missing} (the endpoint no longer holds them), {@code unreachable}
   *     (no endpoint answered within {@code gap_fill.max_wait}; fedmsg/1: within {@code
   *     gap_fill.reference_timeout}), {@code no-endpoint} (discovery knows no replay endpoint for
   *     the publisher), {@code refused} (fetched but failed verification) or {@code overflow} (too
   *     many messages held; fedmsg/1: beyond the 1,000 asked for per gap)
   */
  default void onLoss(String signer, String fingerprint, String epoch, org.fedmsg.reliable.SeqRange range,
      String reason) {}
}
