package org.fedmsg.policy;

import java.util.List;
import java.util.Objects;

/**
 * Several policies that must all allow a message: what a {@code fedmsg.d} configuration that sets
 * {@code policy_file} and also {@code policy:} or {@code routing_policy}/{@code routing_nitpicky}
 * means. Neither setting is ever dropped in favour of the other; the decision is the first denial,
 * or, when every part allows, the first part's allowing decision. Thread-safe when the parts are.
 */
public final class CombinedPolicy implements TopicPolicy {
  private final List<TopicPolicy> parts;

  private CombinedPolicy(List<TopicPolicy> parts) {
    this.parts = parts;
  }

  /**
   * A policy that allows what every one of {@code parts} allows.
   *
   * @throws IllegalArgumentException if there is no part
   */
  public static TopicPolicy allOf(List<? extends TopicPolicy> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("no policy to combine");
    }
    List<TopicPolicy> copy = List.copyOf(parts);
    return copy.size() == 1 ? copy.get(0) : new CombinedPolicy(copy);
  }

  /** The combined policies, in the order they are asked. */
  public List<TopicPolicy> parts() {
    return parts;
  }

  @Override
  public Decision decide(String topic, String signerCommonName) {
    Objects.requireNonNull(signerCommonName, "signerCommonName");
    Decision first = null;
    for (TopicPolicy p : parts) {
      Decision d = p.decide(topic, signerCommonName);
      if (!d.allowed()) {
        return d;
      }
      if (first == null) {
        first = d;
      }
    }
    return first;
  }

  @Override
  public String toString() {
    return "CombinedPolicy" + parts;
  }
}
