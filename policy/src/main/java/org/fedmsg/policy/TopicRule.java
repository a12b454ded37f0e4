package org.fedmsg.policy;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One rule of a {@link CompiledPolicy}: the topics it mentions, the certificate common names it
 * applies to, and its effect.
 *
 * <p>Patterns are kept as written; the policy resolves relative topic patterns against its
 * {@link TopicNamespace} when it compiles them. For {@link Origin#RULES} both topic and signer
 * patterns are globs ({@code *} any run of characters including dots, {@code ?} one character).
 * A rule of {@link Origin#ROUTING_POLICY} is one entry of the reference {@code routing_policy}: its
 * single topic and its signers are compared as exact strings, as the reference does.
 *
 * @param topics topic patterns, at least one; copied
 * @param signers signer (certificate CN) patterns; at least one for {@link Origin#RULES}, possibly
 *     none for a {@code routing_policy} entry (nobody may emit that topic); copied
 * @param effect what the rule does; {@link Effect#UNKNOWN} acts as {@link Effect#DENY}
 * @param origin where the rule came from, which also decides how its patterns match
 */
public record TopicRule(List<String> topics, List<String> signers, Effect effect, Origin origin) {

  /** Where a rule came from. */
  public enum Origin {
    /** An entry of the policy's {@code rules} list: glob patterns. */
    RULES,
    /** An entry of the reference {@code routing_policy} map: exact strings, effect allow. */
    ROUTING_POLICY
  }

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if any argument or list element is null
   * @throws IllegalArgumentException if {@code topics} is empty, a glob pattern is empty or
   *     contains whitespace or a control character, a rule has no signers, or a
   *     {@code routing_policy} entry has more than one topic or is not an allow
   */
  public TopicRule {
    Objects.requireNonNull(effect, "effect");
    Objects.requireNonNull(origin, "origin");
    topics = List.copyOf(topics);
    signers = List.copyOf(signers);
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("a rule needs at least one topic pattern");
    }
    if (origin == Origin.ROUTING_POLICY) {
      if (topics.size() != 1 || effect != Effect.ALLOW) {
        throw new IllegalArgumentException("a routing_policy entry is one topic with effect allow");
      }
    } else {
      if (signers.isEmpty()) {
        throw new IllegalArgumentException("a rule needs at least one signer pattern");
      }
      topics.forEach(t -> checkGlob("topic", t));
      signers.forEach(s -> checkGlob("signer", s));
    }
  }

  /** A rule of the {@code rules} list. See the record parameters for the checks. */
  public static TopicRule of(Effect effect, List<String> topics, List<String> signers) {
    return new TopicRule(topics, signers, effect, Origin.RULES);
  }

  /** An allow rule of the {@code rules} list. */
  public static TopicRule allow(List<String> topics, List<String> signers) {
    return of(Effect.ALLOW, topics, signers);
  }

  /** A deny rule of the {@code rules} list. */
  public static TopicRule deny(List<String> topics, List<String> signers) {
    return of(Effect.DENY, topics, signers);
  }

  /** The reference {@code routing_policy} entry {@code topic: [signers...]} (exact strings). */
  public static TopicRule routingEntry(String topic, List<String> signers) {
    return new TopicRule(List.of(topic), signers, Effect.ALLOW, Origin.ROUTING_POLICY);
  }

  private static void checkGlob(String what, String pattern) {
    if (pattern.isEmpty()) {
      throw new IllegalArgumentException("empty " + what + " pattern");
    }
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            what + " pattern '" + pattern + "' contains whitespace or a control character");
      }
    }
  }

  /**
   * The rule as one line of YAML flow style, e.g.
   * {@code {topics: [pkgdb.*], signers: [pkgdb-app0*.phx2.fedoraproject.org], effect: allow}}, or
   * for a {@code routing_policy} entry {@code "org.fedoraproject.prod.x.y": [a, b]}.
   */
  public String text() {
    if (origin == Origin.ROUTING_POLICY) {
      return '"' + topics.get(0) + "\": " + list(signers);
    }
    String eff = effect == Effect.UNKNOWN ? "unknown (acts as deny)" : effect.fileName();
    return "{topics: " + list(topics) + ", signers: " + list(signers) + ", effect: " + eff + "}";
  }

  private static String list(List<String> items) {
    return items.stream().collect(Collectors.joining(", ", "[", "]"));
  }
}
