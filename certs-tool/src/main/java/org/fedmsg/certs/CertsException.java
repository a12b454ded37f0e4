package org.fedmsg.certs;

import java.util.Objects;

/**
 * A {@code fedmsg-certs} operation that was refused or failed. The message is written for an
 * operator (it names the file, the certname or the option to change); {@link #reason()} lets
 * callers and tests tell the refusals apart without parsing text.
 *
 * <p>Whenever this is thrown, the operation has left no new or partial file behind.
 */
public final class CertsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why an operation was refused. */
  public enum Reason {
    /** A CA, certificate or key already exists and {@code --force} was not given. */
    ALREADY_EXISTS,
    /** No CA has been initialised in the directory. */
    NO_CA,
    /** The certname is not known to the state file. */
    UNKNOWN_CERTNAME,
    /** The CA key is encrypted and the passphrase is missing or wrong. */
    WRONG_PASSPHRASE,
    /** The key type is not one this command supports (for this use). */
    UNSUPPORTED_KEY_TYPE,
    /** A file or directory cannot be read or written. */
    UNREADABLE,
    /** A file does not hold what it should (not a certificate, a key that does not match...). */
    INVALID_FILE,
    /** A command-line value is malformed (service, host, SAN, days...). */
    INVALID_ARGUMENT,
    /** The state file is damaged or was written by a newer version. */
    BAD_STATE,
    /** Another run holds the directory's lock for too long. */
    LOCKED,
    /** The operation does not apply (renewing a revoked certificate without a new key...). */
    NOT_ALLOWED
  }

  private final Reason reason;

  /**
   * @param reason why the operation was refused, not null
   * @param message operator-facing explanation, not null
   */
  public CertsException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * @param reason why the operation was refused, not null
   * @param message operator-facing explanation, not null
   * @param cause the underlying error, may be null
   */
  public CertsException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Why the operation was refused; never null. */
  public Reason reason() {
    return reason;
  }
}
