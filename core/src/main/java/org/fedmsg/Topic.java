package org.fedmsg;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Topic names: {@code <topic_prefix>.<environment>.<service>.<object>[.<subobject>].<event>},
 * e.g. {@code org.fedoraproject.prod.pkgdb.package.owner.update}.
 *
 * <p>{@link #build} assembles a full topic exactly as the reference {@code publish()} does;
 * {@link #lint} reports where a topic breaks the naming rules of the original proposal.
 */
public final class Topic {
  private static final Pattern TOKEN = Pattern.compile("[a-z0-9_-]+");

  private Topic() {}

  /**
   * Builds the full topic as the reference does: {@code modname + "." + topic}, then, unless
   * that string already starts with {@code topicPrefix}, prefixes
   * {@code topicPrefix + "." + environment + "."}.
   *
   * <p>A null or empty {@code topic} becomes {@code "unspecified"}, as in the reference.
   *
   * @throws IllegalArgumentException if {@code modname}, {@code topicPrefix} or {@code environment} is empty
   */
  public static String build(String topicPrefix, String environment, String modname, String topic) {
    requireNonEmpty(topicPrefix, "topic prefix");
    requireNonEmpty(environment, "environment");
    requireNonEmpty(modname, "modname");
    String event = topic == null || topic.isEmpty() ? "unspecified" : topic;
    String joined = modname + "." + event;
    // The reference compares raw string prefixes, not dotted tokens; keep that.
    if (joined.startsWith(topicPrefix)) {
      return joined;
    }
    return topicPrefix + "." + environment + "." + joined;
  }

  /**
   * The service token of a full topic ({@code pkgdb} in
   * {@code org.fedoraproject.prod.pkgdb.package.update}), or the empty string when the topic does
   * not start with {@code topicPrefix.<environment>.}.
   */
  public static String service(String topicPrefix, String fullTopic) {
    Objects.requireNonNull(fullTopic, "fullTopic");
    if (!fullTopic.startsWith(topicPrefix + ".")) {
      return "";
    }
    String[] rest = fullTopic.substring(topicPrefix.length() + 1).split("\\.", -1);
    return rest.length >= 2 ? rest[1] : "";
  }

  /**
   * The service a topic is counted under in statistics and meters: the token after {@code base}
   * ({@code <topic_prefix>.<environment>.}), else the fourth dotted token (a topic of another
   * environment or prefix), else the whole topic.
   */
  public static String statisticsService(String base, String topic) {
    String rest;
    if (topic.startsWith(base)) {
      rest = topic.substring(base.length());
    } else {
      String[] tokens = topic.split("\\.", 5);
      rest = tokens.length >= 4 ? tokens[3] : topic;
    }
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  /**
   * Checks a full topic against the proposal's naming rules and returns the problems found, empty
   * when there are none. Errors: empty tokens, upper case, characters outside {@code [a-z0-9_-]},
   * a topic not under {@code topicPrefix}. Warnings (prefixed {@code "warning: "}): fewer than
   * an object and an event after the service.
   */
  public static List<String> lint(String topicPrefix, String fullTopic) {
    List<String> problems = new ArrayList<>();
    if (fullTopic == null || fullTopic.isEmpty()) {
      problems.add("topic is empty");
      return problems;
    }
    if (!fullTopic.startsWith(topicPrefix + ".")) {
      problems.add("topic does not start with the topic prefix '" + topicPrefix + ".'");
    }
    String[] tokens = fullTopic.split("\\.", -1);
    for (int i = 0; i < tokens.length; i++) {
      String token = tokens[i];
      if (token.isEmpty()) {
        problems.add("empty token at position " + (i + 1));
      } else if (!token.equals(token.toLowerCase(java.util.Locale.ROOT))) {
        problems.add("token '" + token + "' is not lower case");
      } else if (!TOKEN.matcher(token).matches()) {
        problems.add("token '" + token + "' has characters outside [a-z0-9_-]");
      }
    }
    int prefixTokens = topicPrefix.split("\\.", -1).length;
    int afterService = tokens.length - prefixTokens - 2;
    if (problems.isEmpty() && afterService < 2) {
      problems.add("warning: expected <service>.<object>[.<subobject>].<event> after the environment");
    }
    return problems;
  }

  private static void requireNonEmpty(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }
}
