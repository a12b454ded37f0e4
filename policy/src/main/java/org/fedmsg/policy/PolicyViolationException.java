package org.fedmsg.policy;

import java.util.Objects;

/**
 * Thrown by {@link Decision#requireAllowed()} and {@link TopicPolicy#requireAllowed} when a
 * publisher's own topic is not authorized for its certificate: it fails fast before sending
 * instead of having every receiver drop the message. The message names the topic, the signer and
 * the rule or default that decided.
 */
public final class PolicyViolationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The decision; transient because decisions are not serializable. */
  private final transient Decision decision;

  /**
   * @param decision a denying decision; not null
   * @throws IllegalArgumentException if the decision allows
   */
  public PolicyViolationException(Decision decision) {
    super("not authorized by the topic policy: " + Objects.requireNonNull(decision, "decision").explanation());
    if (decision.allowed()) {
      throw new IllegalArgumentException("decision allows: " + decision);
    }
    this.decision = decision;
  }

  /** The denying decision (null only after Java deserialization). */
  public Decision decision() {
    return decision;
  }
}
