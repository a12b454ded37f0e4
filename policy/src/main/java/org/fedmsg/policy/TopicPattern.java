package org.fedmsg.policy;

import java.util.Objects;

/**
 * One topic pattern in the policy's glob grammar ({@code *} any run of characters, dots included;
 * {@code ?} one character), for components that select topics the way the policy does: a
 * gateway's subscriptions and topic restrictions, for example.
 *
 * <p>A pattern without the topic prefix is relative to {@code <topic_prefix>.<environment>.},
 * exactly as in a policy file, so {@code bodhi.*} means every topic bodhi emits. Immutable and
 * thread-safe.
 */
public final class TopicPattern {
  private final String text;
  private final Glob glob;

  private TopicPattern(String text, Glob glob) {
    this.text = text;
    this.glob = glob;
  }

  /**
   * Compiles {@code pattern}, resolved against {@code namespace}.
   *
   * @throws IllegalArgumentException if the pattern is blank or contains whitespace or control
   *     characters
   */
  public static TopicPattern compile(String pattern, TopicNamespace namespace) {
    Objects.requireNonNull(pattern, "pattern");
    if (pattern.isBlank()) {
      throw new IllegalArgumentException("topic pattern must not be blank");
    }
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException("topic pattern must not contain whitespace or control characters: '"
            + pattern.strip() + "'");
      }
    }
    String absolute = pattern.equals("*") ? "*" : namespace.absolute(pattern);
    return new TopicPattern(absolute, Glob.compile(absolute));
  }

  /** Whether {@code topic} (a full topic) matches this pattern as a whole. */
  public boolean matches(String topic) {
    return glob.matches(topic);
  }

  /**
   * Whether every topic {@code narrower} matches is also matched by this pattern. Sound but not
   * complete: true means the inclusion holds; a few exotic inclusions are missed, which only makes
   * a caller that refuses uncovered patterns stricter.
   */
  public boolean covers(TopicPattern narrower) {
    return Glob.covers(glob, narrower.glob);
  }

  /** The absolute pattern, as matched. */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopicPattern p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
