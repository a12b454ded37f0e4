package org.fedmsg.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as written in configuration files: a number of seconds ({@code 30}), a number with a unit
 * ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}) or ISO-8601 ({@code PT30S}).
 *
 * <p>Stateless and thread-safe.
 */
public final class Durations {

  private static final Pattern WITH_UNIT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses a configuration value.
   *
   * @param key the configuration key, for the error message
   * @param value a number or a string; missing or null gives {@code fallback}
   * @param fallback the value when absent
   * @return the duration, positive
   * @throws IllegalArgumentException if the value cannot be read or is not positive (the message names the
   *     key and value)
   */
  public static Duration parse(String key, JsonNode value, Duration fallback) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return fallback;
    }
    Duration d;
    if (value.isNumber()) {
      d = Duration.ofMillis(Math.round(value.asDouble() * 1000));
    } else if (value.isTextual()) {
      d = parseText(key, value.asText().trim());
    } else {
      throw new IllegalArgumentException(key + ": expected a duration such as 30s, got " + value);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + ": duration must be positive, got " + value);
    }
    return d;
  }

  private static Duration parseText(String key, String text) {
    Matcher m = WITH_UNIT.matcher(text.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(key + ": expected a duration such as 30s, got '" + text + "'", e);
    }
  }
}
