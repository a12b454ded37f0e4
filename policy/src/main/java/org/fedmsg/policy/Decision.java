package org.fedmsg.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link TopicPolicy#decide}: whether {@code signer} may emit {@code topic}, and
 * what decided it. Core puts {@link #explanation()} into {@code NOT_AUTHORIZED} rejections.
 *
 * <p>Decisions are immutable and may be cached and shared between threads.
 *
 * @param allowed whether the signer may emit the topic
 * @param topic the full topic asked about, or {@code null} for a message without a topic
 * @param signer the signer's certificate common name; not null
 * @param basis the kind of thing that decided
 * @param ruleIndex the index of the deciding rule in {@link CompiledPolicy#rules()}, or {@code -1}
 *     when the default decided
 * @param rule the deciding rule, or {@code null} when the default decided
 * @param decidedBy a short label of what decided: {@code rules[3]},
 *     {@code routing_policy["org.fedoraproject.prod.x"]}, {@code default: deny},
 *     {@code routing_nitpicky: true}; not null
 */
public record Decision(
    boolean allowed,
    String topic,
    String signer,
    Basis basis,
    int ruleIndex,
    TopicRule rule,
    String decidedBy) {

  /** The kind of thing that decided. */
  public enum Basis {
    /** An allow rule matched the topic and the signer, and no deny rule did. */
    ALLOW_RULE,
    /** A deny rule (or a rule with an unknown effect) matched the topic and the signer. */
    DENY_RULE,
    /** Rules mention the topic, but none of them allows this signer; {@code rule} is the first. */
    NOT_ALLOWED_FOR_TOPIC,
    /** No rule mentions the topic: the policy's default decided. */
    DEFAULT
  }

  /**
   * Checks consistency.
   *
   * @throws NullPointerException if {@code signer}, {@code basis} or {@code decidedBy} is null
   * @throws IllegalArgumentException if a rule-based decision lacks its rule or a default one has one
   */
  public Decision {
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(basis, "basis");
    Objects.requireNonNull(decidedBy, "decidedBy");
    if ((basis == Basis.DEFAULT) != (rule == null) || (rule == null) != (ruleIndex < 0)) {
      throw new IllegalArgumentException("a rule decision names its rule; a default decision none");
    }
    if ((basis == Basis.ALLOW_RULE) != (allowed && basis != Basis.DEFAULT)) {
      throw new IllegalArgumentException("only an allow rule or the default can allow");
    }
  }

  /** The deciding rule, empty when the default decided. */
  public Optional<TopicRule> matchedRule() {
    return Optional.ofNullable(rule);
  }

  /**
   * One sentence naming the topic, the signer, the outcome and what decided, e.g.
   * {@code signer bodhi-app01.phx2.fedoraproject.org may not emit
   * org.fedoraproject.prod.pkgdb.package.create: rules[0] {topics: [pkgdb.*], ...} mentions the
   * topic and does not allow this signer}.
   */
  public String explanation() {
    String what = (allowed ? "may emit " : "may not emit ") + (topic == null ? "a message without a topic" : topic);
    String why;
    switch (basis) {
      case ALLOW_RULE:
        why = decidedBy + " " + rule.text() + " allows it";
        break;
      case DENY_RULE:
        why = decidedBy + " " + rule.text() + " denies it";
        break;
      case NOT_ALLOWED_FOR_TOPIC:
        why = decidedBy + " " + rule.text() + " mentions the topic and no rule allows this signer";
        break;
      case DEFAULT:
      default:
        why = "no rule mentions the topic, so " + decidedBy + " applies";
        break;
    }
    return "signer " + signer + " " + what + ": " + why;
  }

  /**
   * Returns this decision if it allows, else throws; publishers call this on their own topics
   * before sending.
   *
   * @return this decision
   * @throws PolicyViolationException naming the topic, the signer and the deciding rule or default
   */
  public Decision requireAllowed() {
    if (!allowed) {
      throw new PolicyViolationException(this);
    }
    return this;
  }

  @Override
  public String toString() {
    return (allowed ? "ALLOW" : "DENY") + " (" + explanation() + ")";
  }
}
