package org.fedmsg.policy;

import java.util.Objects;

/**
 * The {@code topic_prefix} and {@code environment} that relative topic patterns are resolved
 * against: {@code pkgdb.*} means {@code <topicPrefix>.<environment>.pkgdb.*}.
 *
 * @param topicPrefix the configured {@code topic_prefix}, e.g. {@code org.fedoraproject}; not blank,
 *     no leading or trailing dot, no wildcard
 * @param environment the configured {@code environment}, e.g. {@code dev}, {@code stg},
 *     {@code prod}; not blank, no dot, no wildcard
 */
public record TopicNamespace(String topicPrefix, String environment) {
  /** The reference defaults: {@code topic_prefix="org.fedoraproject"}, {@code environment="dev"}. */
  public static final TopicNamespace DEFAULT = new TopicNamespace("org.fedoraproject", "dev");

  /**
   * Validates both parts.
   *
   * @throws NullPointerException if either is null
   * @throws IllegalArgumentException if either is blank, contains a wildcard or whitespace, or
   *     has a misplaced dot
   */
  public TopicNamespace {
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    Objects.requireNonNull(environment, "environment");
    check("topic_prefix", topicPrefix);
    check("environment", environment);
    if (topicPrefix.startsWith(".") || topicPrefix.endsWith(".") || topicPrefix.contains("..")) {
      throw new IllegalArgumentException("topic_prefix has an empty token: '" + topicPrefix + "'");
    }
    if (environment.contains(".")) {
      throw new IllegalArgumentException("environment must not contain a dot: '" + environment + "'");
    }
  }

  private static void check(String what, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '*' || c == '?' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(what + " must not contain '" + c + "': '" + value + "'");
      }
    }
  }

  /** {@code <topicPrefix>.<environment>.}, the text prepended to relative patterns. */
  public String relativeBase() {
    return topicPrefix + "." + environment + ".";
  }

  /**
   * Whether {@code pattern} is absolute: it starts with {@code <topicPrefix>.} or equals the prefix.
   * Every other pattern is relative to {@link #relativeBase()}.
   */
  public boolean isAbsolute(String pattern) {
    return pattern.equals(topicPrefix) || pattern.startsWith(topicPrefix + ".");
  }

  /** The absolute form of a topic pattern: unchanged if absolute, else prefixed by {@link #relativeBase()}. */
  public String absolute(String pattern) {
    return isAbsolute(pattern) ? pattern : relativeBase() + pattern;
  }
}
