package org.fedmsg.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @ParameterizedTest
  @CsvSource({"30s, 30000", "5m, 300000", "1h, 3600000", "250ms, 250", "2d, 172800000", "30, 30000",
      "0.5, 500", "1.5s, 1500", "' 10s ', 10000", "0, 0", "0s, 0", "10S, 10000", "3 m, 180000",
      "PT30S, 30000", "pt1.5s, 1500", "P1D, 86400000", "PT0S, 0"})
  void parse_validText_givesDuration(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "s", "ten seconds", "-5s", "5x", "1.2.3s", ".5s", "5.s", "1w", "99999999999999999999d",
      "PT-5S", "P", "PTS", "-PT5S"})
  void parse_invalidText_throwsIllegalArgument(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text.isEmpty() ? "duration" : text.strip());
  }

  @ParameterizedTest
  @ValueSource(strings = {"30s", "5m", "1h", "250ms", "2d", "0s", "0.0005s", "61s", "PT1M30S"})
  void format_parse_roundTrips(String text) {
    Duration d = Durations.parse(text);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @Test
  void parse_jsonNumber_isSeconds() {
    assertThat(Durations.parse(F.numberNode(30))).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse(F.numberNode(new BigDecimal("1.5")))).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse(F.numberNode(0))).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse(F.textNode("PT2M"))).isEqualTo(Duration.ofMinutes(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-0.5"})
  void parse_negativeJsonNumber_throwsIllegalArgument(String seconds) {
    assertThatThrownBy(() -> Durations.parse(F.numberNode(new BigDecimal(seconds))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
  }

  @Test
  void parse_jsonOfOtherType_throwsIllegalArgument() {
    assertThatThrownBy(() -> Durations.parse(F.booleanNode(true))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.parse(F.arrayNode())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsePositive_keyed_fallbackAndErrorsNameTheKey() {
    Duration fb = Duration.ofSeconds(1);
    JsonNode missing = F.objectNode().path("k");
    assertThat(Durations.parse("k", missing, fb)).isEqualTo(fb);
    assertThat(Durations.parse("k", null, fb)).isEqualTo(fb);
    assertThat(Durations.parse("k", F.nullNode(), fb)).isEqualTo(fb);
    assertThat(Durations.parse("k", F.textNode("1.5s"), fb)).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("k", F.textNode("PT30S"), fb)).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> Durations.parse("k", F.textNode("soon"), fb)).hasMessageStartingWith("k: ");
    assertThatThrownBy(() -> Durations.parse("k", F.numberNode(0), fb)).hasMessageContaining("k:")
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> Durations.parse("k", F.textNode("0s"), fb)).hasMessageContaining("positive");
  }
}
