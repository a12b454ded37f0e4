package org.fedmsg.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reader of durations as written in configuration files, used by schema validation and by the code
 * that acts on the values alike, so a value that passes validation is the value that runs.
 *
 * <p>Accepted: a number with a unit ({@code 250ms}, {@code 30s}, {@code 1.5s}, {@code 5m}, {@code 1h},
 * {@code 2d}; the unit is case-insensitive and may follow a blank), a plain number of seconds ({@code 30},
 * {@code 0.5}, as text or as a YAML number) or ISO-8601 ({@code PT30S}, {@code P1D}). Never negative; zero is
 * read as zero, and {@link #parse(String, JsonNode, Duration)} is for the settings where only a positive
 * duration makes sense.
 *
 * <p>Stateless and thread-safe.
 */
public final class Durations {

  private static final Pattern NUMBER_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");
  private static final String EXPECTED = "expected e.g. 250ms, 30s, 1.5s, 5m, 1h, 2d, PT30S or a number of seconds";

  private Durations() {}

  /**
   * Parses a duration written as text.
   *
   * @param text e.g. {@code "30s"} or {@code "PT30S"}; surrounding blanks are ignored
   * @return a non-negative duration
   * @throws IllegalArgumentException if {@code text} is not a duration, is negative or too large
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.strip().toLowerCase(Locale.ROOT);
    Matcher m = NUMBER_UNIT.matcher(s);
    if (m.matches()) {
      String unit = m.group(2) == null ? "s" : m.group(2);
      return scaled(new BigDecimal(m.group(1)), nanosPer(unit), text);
    }
    if (s.startsWith("p")) {
      Duration d;
      try {
        d = Duration.parse(s.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not a duration: '" + text + "' (" + EXPECTED + ")", e);
      }
      if (d.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative: '" + text + "'");
      }
      return d;
    }
    if (s.startsWith("-")) {
      throw new IllegalArgumentException("duration must not be negative: '" + text + "'");
    }
    throw new IllegalArgumentException("not a duration: '" + text + "' (" + EXPECTED + ")");
  }

  /**
   * Parses a configuration value: a number of seconds or a text as read by {@link #parse(String)}.
   *
   * @throws IllegalArgumentException if the value is neither, is negative or too large
   */
  public static Duration parse(JsonNode value) {
    Objects.requireNonNull(value, "value");
    if (value.isNumber()) {
      BigDecimal seconds = value.decimalValue();
      if (seconds.signum() < 0) {
        throw new IllegalArgumentException("duration must not be negative: " + value);
      }
      return scaled(seconds, nanosPer("s"), value.toString());
    }
    if (value.isTextual()) {
      return parse(value.textValue());
    }
    throw new IllegalArgumentException("not a duration: " + value + " (" + EXPECTED + ")");
  }

  /**
   * Parses an optional configuration value that must be positive (a timeout, a refresh period, a lifetime).
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
    try {
      d = parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
    if (d.isZero()) {
      throw new IllegalArgumentException(key + ": duration must be positive, got " + value);
    }
    return d;
  }

  /** The shortest config spelling of {@code d} that {@link #parse(String)} reads back exactly. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (d.toNanosPart() % 1_000_000 != 0) {
      return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString() + "s";
    }
    if (ms % 86_400_000L == 0 && ms != 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms % 3_600_000L == 0 && ms != 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0 && ms != 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static long nanosPer(String unit) {
    switch (unit) {
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        return 86_400_000_000_000L;
    }
  }

  private static Duration scaled(BigDecimal amount, long nanosPerUnit, String original) {
    try {
      BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit));
      return Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration too large: '" + original + "'", e);
    }
  }
}
