package org.fedmsg;

/**
 * Base of the unchecked exceptions the bus throws for configuration, I/O and transport
 * problems. A message that fails verification is not an exception: it is a
 * {@code VerificationResult.Invalid}, counted and logged.
 */
public abstract class BusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BusException(String message) {
    super(message);
  }

  BusException(String message, Throwable cause) {
    super(message, cause);
  }
}
