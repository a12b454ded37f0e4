package org.fedmsg.reliable;

/**
 * A reference replay request that produced no messages: the server's error frame (its text, e.g.
 * {@code error: 'There was no match for the given query'}), no answer in time, or a bad URL.
 */
public final class ReferenceReplayException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean answered;

  /** No answer: what went wrong (connecting, sending, waiting). */
  public ReferenceReplayException(String message) {
    this(message, false);
  }

  /**
   * @param message the server's error frame as text, or what went wrong
   * @param answered whether the server answered (with an error frame), as opposed to not at all
   */
  public ReferenceReplayException(String message, boolean answered) {
    super(message);
    this.answered = answered;
  }

  /** Whether the server answered with an error (it does not hold what was asked), not that it was unreachable. */
  public boolean answered() {
    return answered;
  }
}
