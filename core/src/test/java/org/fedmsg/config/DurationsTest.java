package org.fedmsg.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({"30s, 30000", "5m, 300000", "1h, 3600000", "250ms, 250", "2d, 172800000", "30, 30000",
      "0.5, 500", "1.5s, 1500", "' 10s ', 10000", "0, 0", "10S, 10000", "3 m, 180000"})
  void parse_validText_givesDuration(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "s", "ten seconds", "-5s", "5x", "1.2.3s", ".5s", "5.s", "1w", "99999999999999999999d"})
  void parse_invalidText_throwsIllegalArgument(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text.isEmpty() ? "duration" : text.strip());
  }

  @ParameterizedTest
  @ValueSource(strings = {"30s", "5m", "1h", "250ms", "2d", "0s", "0.0005s", "61s"})
  void format_parse_roundTrips(String text) {
    Duration d = Durations.parse(text);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-0.5"})
  void ofSeconds_negative_throwsIllegalArgument(String seconds) {
    assertThatThrownBy(() -> Durations.ofSeconds(new BigDecimal(seconds)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
  }
}
