package org.fedmsg.reliable;

import java.util.Objects;

/**
 * A replay request that got no messages: the endpoint refused it (with one of the protocol's
 * reasons), did not answer in time, or answered something that is not the protocol.
 *
 * <p>The {@linkplain #detail() detail} is the server's text or the local cause: for logs, never to
 * be trusted for decisions (decide on {@link #reason()}).
 */
public final class ReplayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request failed. The first five are the server's reasons on the wire. */
  public enum Reason {
    /** The request was malformed (the server's {@code bad-request}). */
    BAD_REQUEST("bad-request"),
    /** {@code to - from + 1} is over the server's {@code replay.max_range}. */
    RANGE_TOO_LARGE("range-too-large"),
    /** The client asked more often than the server's {@code replay.requests_per_second}. */
    RATE_LIMITED("rate-limited"),
    /** The endpoint holds no outbox for that signer: ask another endpoint. */
    UNKNOWN_SIGNER("unknown-signer"),
    /** The server declines to serve (its outbox is not available). */
    REFUSED("refused"),
    /** No answer within the timeout (also what a client refused by ZAP or CURVE sees). */
    TIMEOUT("timeout"),
    /** The answer is not the protocol (a reply this client cannot read). */
    BAD_REPLY("bad-reply");

    private final String wire;

    Reason(String wire) {
      this.wire = wire;
    }

    /** The reason as the protocol writes it, e.g. {@code unknown-signer}. */
    public String wireName() {
      return wire;
    }

    /** The reason of a wire name, or {@link #BAD_REPLY} for a name this client does not know. */
    public static Reason fromWire(String name) {
      for (Reason r : values()) {
        if (r.wire.equals(name)) {
          return r;
        }
      }
      return BAD_REPLY;
    }
  }

  private final Reason reason;
  private final String detail;

  /**
   * @param reason why the request failed
   * @param detail the server's or the local explanation
   */
  public ReplayException(Reason reason, String detail) {
    super(reason.wireName() + ": " + detail);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /** Why the request failed. */
  public Reason reason() {
    return reason;
  }

  /** The explanation, for logs. */
  public String detail() {
    return detail;
  }
}
