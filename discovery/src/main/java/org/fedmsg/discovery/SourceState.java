package org.fedmsg.discovery;

import java.util.Objects;
import java.util.Optional;

/**
 * The state of one source in a {@link Snapshot}: its latest attempt and the answer actually used.
 *
 * <p>Immutable.
 *
 * @param attempt the latest resolution, with its problems
 * @param lastKnownGood the latest resolution that did not fail, from this run or reloaded from the state
 *     directory; empty when there has been none
 */
public record SourceState(Resolution attempt, Optional<Resolution> lastKnownGood) {

  /**
   * Validates the fields.
   *
   * @throws NullPointerException if an argument is null
   */
  public SourceState {
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(lastKnownGood, "lastKnownGood");
  }

  /**
   * The label of the source.
   *
   * @return the label
   */
  public String source() {
    return attempt.source();
  }

  /**
   * Whether the latest attempt failed and an older answer is used instead.
   *
   * @return true when the effective answer is the last known good one
   */
  public boolean stale() {
    return attempt.failed() && lastKnownGood.isPresent();
  }

  /**
   * The answer whose endpoints are used: the last known good one when the attempt failed and there is one,
   * otherwise the attempt (whose endpoints may be partial or empty).
   *
   * @return the effective resolution
   */
  public Resolution effective() {
    return stale() ? lastKnownGood.get() : attempt;
  }
}
