package org.fedmsg.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A set of topic patterns in the policy's grammar, outside a policy: {@code *} matches any run of
 * characters (dots included), {@code ?} one character, and a pattern without the topic prefix is
 * relative to {@code <topic_prefix>.<environment>.} ({@code pkgdb.*} is every topic of pkgdb).
 * Used for {@code critical_topics}. Immutable and thread-safe.
 */
public final class TopicPatterns {
  private static final TopicPatterns NONE = new TopicPatterns(List.of(), List.of());

  private final List<String> patterns;
  private final List<Glob> globs;

  private TopicPatterns(List<String> patterns, List<Glob> globs) {
    this.patterns = patterns;
    this.globs = globs;
  }

  /** No pattern: matches nothing. */
  public static TopicPatterns none() {
    return NONE;
  }

  /**
   * Compiles {@code patterns}, made absolute in {@code namespace}.
   *
   * @throws IllegalArgumentException when a pattern is empty
   */
  public static TopicPatterns of(List<String> patterns, TopicNamespace namespace) {
    Objects.requireNonNull(namespace, "namespace");
    List<String> absolute = new ArrayList<>();
    List<Glob> globs = new ArrayList<>();
    for (String p : patterns) {
      if (p == null || p.isBlank()) {
        throw new IllegalArgumentException("a topic pattern must not be empty");
      }
      String a = namespace.absolute(p.strip());
      absolute.add(a);
      globs.add(Glob.compile(a));
    }
    return absolute.isEmpty() ? NONE : new TopicPatterns(List.copyOf(absolute), List.copyOf(globs));
  }

  /** Whether any pattern matches the full topic. */
  public boolean matches(String topic) {
    for (Glob g : globs) {
      if (g.matches(topic)) {
        return true;
      }
    }
    return false;
  }

  /** Whether there is no pattern. */
  public boolean isEmpty() {
    return globs.isEmpty();
  }

  /** The patterns, absolute. */
  public List<String> patterns() {
    return patterns;
  }

  @Override
  public String toString() {
    return String.join(", ", patterns);
  }
}
