package org.fedmsg.reliable;

/**
 * A reference replay request that produced no messages: the server's error frame (its text, e.g.
 * {@code error: 'There was no match for the given query'}), no answer in time, or a bad URL.
 */
public final class ReferenceReplayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message the server's error frame as text, or what went wrong */
  public ReferenceReplayException(String message) {
    super(message);
  }
}
