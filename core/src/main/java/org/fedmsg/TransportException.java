package org.fedmsg;

/** A ZeroMQ socket could not be bound, connected or used. */
public final class TransportException extends BusException {
  private static final long serialVersionUID = 1L;

  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
