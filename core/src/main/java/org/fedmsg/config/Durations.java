package org.fedmsg.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Durations as written in configuration files: a number with a unit ({@code 250ms}, {@code 30s},
 * {@code 5m}, {@code 1h}, {@code 2d}) or a plain number of seconds ({@code 30}, {@code 0.5}).
 * Thread-safe (stateless).
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses a duration.
   *
   * @param text e.g. {@code "30s"}; surrounding blanks are ignored
   * @return a non-negative duration
   * @throws IllegalArgumentException if {@code text} is not a duration, is negative or too large
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.strip().toLowerCase(Locale.ROOT);
    int split = 0;
    while (split < s.length() && (Character.isDigit(s.charAt(split)) || s.charAt(split) == '.')) {
      split++;
    }
    String number = s.substring(0, split);
    String unit = s.substring(split).strip();
    long nanosPerUnit;
    switch (unit) {
      case "ms":
        nanosPerUnit = 1_000_000L;
        break;
      case "":
      case "s":
        nanosPerUnit = 1_000_000_000L;
        break;
      case "m":
        nanosPerUnit = 60_000_000_000L;
        break;
      case "h":
        nanosPerUnit = 3_600_000_000_000L;
        break;
      case "d":
        nanosPerUnit = 86_400_000_000_000L;
        break;
      default:
        throw new IllegalArgumentException(
            "not a duration: '" + text + "' (expected e.g. 250ms, 30s, 5m, 1h, 2d or a number of seconds)");
    }
    if (number.isEmpty() || number.chars().filter(c -> c == '.').count() > 1
        || number.startsWith(".") || number.endsWith(".")) {
      throw new IllegalArgumentException(
          "not a duration: '" + text + "' (expected e.g. 250ms, 30s, 5m, 1h, 2d or a number of seconds)");
    }
    try {
      BigDecimal nanos = new BigDecimal(number).multiply(BigDecimal.valueOf(nanosPerUnit));
      return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration too large: '" + text + "'", e);
    }
  }

  /**
   * Parses a number of seconds as a duration (a YAML number without unit).
   *
   * @throws IllegalArgumentException if negative or too large
   */
  public static Duration ofSeconds(BigDecimal seconds) {
    if (seconds.signum() < 0) {
      throw new IllegalArgumentException("duration must not be negative: " + seconds);
    }
    return parse(seconds.toPlainString());
  }

  /** The shortest config spelling of {@code d} that {@link #parse} reads back exactly. */
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
}
