package org.fedmsg.discovery;

import java.util.Objects;

/**
 * Something that went wrong while a resolver looked for endpoints. Problems are values, not exceptions: a
 * resolver reports them in its {@link Resolution} and logs them; they never escape as exceptions.
 *
 * @param source the label of the resolver, e.g. {@code dns-srv}
 * @param kind what went wrong
 * @param subject what was being looked up: a service name, a DNS name, a directory replica URL
 * @param detail a human explanation for the local log (never sent to peers)
 */
public record Problem(String source, Kind kind, String subject, String detail) {

  /** What went wrong; {@link #sourceDown()} tells whether the source could not be consulted at all. */
  public enum Kind {
    /** A configuration entry (an {@code endpoints} value, a resolver option) is malformed and was skipped. */
    MALFORMED_ENTRY(false),
    /** The DNS name does not exist. */
    NXDOMAIN(false),
    /** The DNS name exists but has no record of the queried type. */
    NO_ANSWER(false),
    /** An SRV record has the target {@code .} ("service decidedly not available", RFC 2782). */
    NO_TARGET(false),
    /** A CURVE key is unusable: a record not Z85, several different keys, or live directory registrations giving one URL different keys. */
    BAD_CURVE_KEY(false),
    /** A directory registration failed verification (signature, chain, policy, expiry) and was dropped. */
    REJECTED_REGISTRATION(false),
    /** A directory replica did not answer, but another one did: the answer is complete enough. */
    REPLICA_DOWN(false),
    /** No reply in time (DNS server or directory replica). */
    TIMEOUT(true),
    /** The DNS server answered SERVFAIL. */
    SERVFAIL(true),
    /** The DNS server refused the query or answered with another error code. */
    DNS_ERROR(true),
    /** A network or protocol error talking to the source (including a malformed reply). */
    UNREACHABLE(true);

    private final boolean sourceDown;

    Kind(boolean sourceDown) {
      this.sourceDown = sourceDown;
    }

    /**
     * Whether this kind means the source could not give an answer (as opposed to giving an empty or partly
     * unusable one). A resolution with such a problem is {@linkplain Resolution#failed() failed}.
     *
     * @return true for timeouts, SERVFAIL, other DNS errors and unreachable sources
     */
    public boolean sourceDown() {
      return sourceDown;
    }
  }

  /**
   * Validates the fields.
   *
   * @throws NullPointerException if any argument is null
   */
  public Problem {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return source + ": " + kind + " for " + subject + ": " + detail;
  }
}
