package org.fedmsg.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.BusStats;
import org.fedmsg.Rejection;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BusStatisticsTest {
  private static final BusStats NO_GAPS = new BusStats(0, 0, 0, 0, 0, 0, Map.of(), Map.of());

  @Test
  void perMinuteAndPerHour_byServiceAndTopic_rejectionsAndHeartbeats() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-01-01T10:00:30Z"));
    BusStatistics stats = new BusStatistics(clock, TopicNamespace.DEFAULT, () -> NO_GAPS);
    // Messages as a real bus builds them (nothing subscribes; publish returns the message sent).
    try (Bus bus = Bus.create(BusOptions.builder().name("pkgdb").endpoint("pkgdb", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build())) {
      stats.arrived(bus.publish("pkgdb", "package.update", Map.of()));
      stats.arrived(bus.publish("pkgdb", "package.update", Map.of()));
      stats.arrived(bus.publish("bodhi", "update.request", Map.of()));
      stats.arrived(bus.publish("pkgdb", "_heartbeat", Map.of("interval_s", 60)));
      stats.rejected(new Rejection(Reason.UNSIGNED, "unsigned", "no signature", "org.fedoraproject.dev.x.y"));
      clock.advance(Duration.ofMinutes(1));
      stats.arrived(bus.publish("bodhi", "update.request", Map.of()));

      ObjectNode now = stats.snapshot(3, 1);
      assertThat(now.get("messages").asLong()).isEqualTo(5);
      assertThat(lastTwo(now.get("minutes").get("services").get("pkgdb"))).containsExactly(3L, 0L);
      assertThat(lastTwo(now.get("minutes").get("services").get("bodhi"))).containsExactly(1L, 1L);
      assertThat(lastTwo(now.get("minutes").get("topics").get("org.fedoraproject.dev.bodhi.update.request")))
          .containsExactly(1L, 1L);
      assertThat(lastTwo(now.get("minutes").get("rejections").get("UNSIGNED"))).containsExactly(1L, 0L);
      assertThat(now.get("minutes").get("labels")).hasSize(60);
      assertThat(now.get("minutes").get("labels").get(59).asText()).isEqualTo("2026-01-01T10:01:00Z");
      assertThat(now.get("hours").get("labels")).hasSize(24);
      assertThat(now.get("hours").get("services").get("bodhi").get(23).asLong()).isEqualTo(2);
      assertThat(now.get("totals").get("services").get("pkgdb").asLong()).isEqualTo(3);
      assertThat(now.get("gateway").get("clients").asInt()).isEqualTo(3);
      JsonNode publisher = now.get("publishers").get(0);
      assertThat(publisher.get("name").asText()).isEqualTo("pkgdb");
      assertThat(publisher.get("heartbeats").asLong()).isEqualTo(1);
      assertThat(publisher.get("alive").asBoolean()).isTrue();

      // 2.5 intervals without a heartbeat: silent; an hour later the minute series has rolled over
      clock.advance(Duration.ofMinutes(3));
      assertThat(stats.snapshot(0, 0).get("publishers").get(0).get("alive").asBoolean()).isFalse();
      clock.advance(Duration.ofHours(1));
      ObjectNode later = stats.snapshot(0, 0);
      later.get("minutes").get("services").get("pkgdb").forEach(v -> assertThat(v.asLong()).isZero());
      assertThat(later.get("hours").get("services").get("pkgdb").get(22).asLong()).isEqualTo(3);
    }
  }

  @Test
  void service_isTheTokenAfterPrefixAndEnvironment() {
    BusStatistics stats = new BusStatistics(new TestClock(Instant.EPOCH), TopicNamespace.DEFAULT, () -> NO_GAPS);
    assertThat(stats.service("org.fedoraproject.dev.bodhi.update.request")).isEqualTo("bodhi");
    assertThat(stats.service("org.fedoraproject.prod.pkgdb.package.update")).isEqualTo("pkgdb");
    assertThat(stats.service("single")).isEqualTo("single");
  }

  private static List<Long> lastTwo(JsonNode series) {
    int n = series.size();
    return List.of(series.get(n - 2).asLong(), series.get(n - 1).asLong());
  }
}
