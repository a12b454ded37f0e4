package org.fedmsg.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.hub.Consumer;
import org.fedmsg.hub.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Heartbeats and the status report on loopback. */
@Timeout(60)
class HeartbeatTest {
  private static Bus publisher(String name) {
    return Bus.create(BusOptions.builder().name(name).endpoint(name, List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build());
  }

  private static Bus listener(Map<String, List<String>> endpoints) {
    return Bus.create(BusOptions.builder().endpoints(endpoints).validateSignatures(false).build());
  }

  @Test
  void byReason_perReasonCounts_inReasonOrderAndOnlySeenReasons() {
    org.fedmsg.BusStats stats = new org.fedmsg.BusStats(0, 0, 5, 2, 0, 0,
        Map.of(org.fedmsg.crypto.VerificationResult.Reason.UNSIGNED, 2L,
            org.fedmsg.crypto.VerificationResult.Reason.NOT_AUTHORIZED, 1L), Map.of());
    assertThat(Heartbeat.byReason(stats).toString()).isEqualTo("{\"UNSIGNED\":2,\"NOT_AUTHORIZED\":1}");
  }

  @Test
  void heartbeat_bodyCarriesRejectionsPerReason() throws Exception {
    try (Bus pub = publisher("pkgdb");
        Heartbeat beat = Heartbeat.start(pub, "pkgdb", Duration.ofHours(1), () -> null)) {
      assertThat(beat.body().get("rejected_by_reason").isObject()).isTrue();
      assertThat(beat.body().get("peer_disconnects").isIntegralNumber()).isTrue();
      assertThat(beat.body().get("handshake_nudges").isIntegralNumber()).isTrue();
    }
  }

  @Test
  void heartbeat_publishesItsTopicAndBody() throws Exception {
    try (Bus pub = publisher("pkgdb"); Bus sub = listener(Map.of("pkgdb", List.of(pub.publisherEndpoint())))) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      try (Heartbeat beat = Heartbeat.start(pub, "pkgdb", Duration.ofMillis(100),
          () -> JsonNodeFactory.instance.objectNode().put("kind", "test").put("name", "ignored").put("uptime_s", -1))) {
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).isEqualTo("org.fedoraproject.dev.pkgdb._heartbeat")
            .isEqualTo(Heartbeat.topic("org.fedoraproject", "dev", "pkgdb"));
        assertThat(Heartbeat.isHeartbeat(m.topic())).isTrue();
        JsonNode body = m.msg();
        assertThat(body.get("name").textValue()).isEqualTo("pkgdb");
        assertThat(body.get("endpoint").textValue()).isEqualTo(pub.publisherEndpoint());
        assertThat(body.get("kind").textValue()).isEqualTo("test");
        assertThat(body.get("started").isIntegralNumber()).isTrue();
        assertThat(body.get("uptime_s").asLong()).as("overridden by extra").isEqualTo(-1);
        assertThat(body.get("interval_s").asDouble()).isEqualTo(0.1);
        assertThat(body.has("published")).isTrue();
        Message next = got.poll(10, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        assertThat(next.msg().get("published").asLong()).isGreaterThan(body.get("published").asLong());
        assertThat(beat.sent()).isGreaterThanOrEqualTo(2);
        assertThat(beat.failures()).isZero();
      }
    }
  }

  @Test
  void start_badArguments_rejected() {
    try (Bus listenOnly = listener(Map.of("x", List.of("tcp://127.0.0.1:1"))); Bus pub = publisher("p")) {
      assertThatThrownBy(() -> Heartbeat.start(listenOnly, "x", Duration.ofSeconds(1), () -> null))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> Heartbeat.start(pub, "p", Duration.ZERO, () -> null))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Heartbeat.start(pub, " ", Duration.ofSeconds(1), () -> null))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void collector_reportsAliveAndSilent() throws Exception {
    try (Bus alpha = publisher("alpha"); Bus beta = publisher("beta")) {
      Map<String, List<String>> configured = Map.of(
          "alpha", List.of(alpha.publisherEndpoint()),
          "beta", List.of(beta.publisherEndpoint()),
          "relay_inbound", List.of("tcp://127.0.0.1:1"));
      try (Bus sub = listener(Map.of("alpha", configured.get("alpha"), "beta", configured.get("beta")));
          StatusCollector collector = StatusCollector.start(sub, "org.fedoraproject", "dev")) {
        assertThat(collector.awaitReady(Duration.ofSeconds(10))).isTrue();
        try (Heartbeat beat = Heartbeat.start(alpha, "alpha", Duration.ofMillis(100), () -> null)) {
          beta.publish("beta", "thing.happened", Map.of("not", "a heartbeat"));
          assertThat(collector.awaitAll(Map.of("alpha", configured.get("alpha")), Duration.ofSeconds(10))).isTrue();
          assertThat(collector.awaitAll(configured, Duration.ofMillis(50))).isFalse();
          StatusReport report = collector.report(configured);
          assertThat(report.alive()).extracting(PublisherStatus::name).containsExactly("alpha");
          PublisherStatus a = report.alive().get(0);
          assertThat(a.endpoint()).isEqualTo(alpha.publisherEndpoint());
          assertThat(a.signerName()).isEmpty();
          assertThat(a.heartbeats()).isPositive();
          assertThat(report.silent()).containsExactly("beta");
          assertThat(report.allAlive()).isFalse();
        }
      }
    }
  }

  @Test
  void collector_heartbeatWithoutNameMatchedByEndpoint() throws Exception {
    try (Bus pub = publisher("svc")) {
      Map<String, List<String>> configured = Map.of("svc-by-url", List.of(pub.publisherEndpoint()));
      try (Bus sub = listener(configured); StatusCollector collector = StatusCollector.start(sub, "org.fedoraproject", "dev")) {
        assertThat(collector.awaitReady(Duration.ofSeconds(10))).isTrue();
        try (Heartbeat beat = Heartbeat.start(pub, "another-name", Duration.ofMillis(100), () -> null)) {
          assertThat(collector.awaitAll(configured, Duration.ofSeconds(10))).isTrue();
          assertThat(collector.report(configured).allAlive()).isTrue();
        }
      }
    }
  }

  @Test
  void hubHeartbeat_carriesPerConsumerCounters() throws Exception {
    Consumer everything = new Consumer() {
      @Override
      public List<String> topics() {
        return List.of("*");
      }

      @Override
      public String configKey() {
        return "all.enabled";
      }

      @Override
      public void consume(Message message) {}

      @Override
      public String name() {
        return "everything";
      }
    };
    FedmsgConfig config = FedmsgConfig.of(new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree("{\"all.enabled\": true, \"heartbeat_interval\": \"100ms\"}"));
    try (Hub hub = Hub.builder().discover(false).config(config).consumer(everything)
        .busOptions(BusOptions.builder().name("hub").endpoint("hub", List.of("tcp://127.0.0.1:*"))
            .validateSignatures(false).build()).start();
        Bus sub = listener(Map.of("hub", List.of(hub.bus().publisherEndpoint())));
        StatusCollector collector = StatusCollector.start(sub, "org.fedoraproject", "dev")) {
      assertThat(collector.awaitReady(Duration.ofSeconds(10))).isTrue();
      assertThat(hub.heartbeat()).isPresent();
      assertThat(collector.awaitAll(Map.of("hub", List.of(hub.bus().publisherEndpoint())), Duration.ofSeconds(10)))
          .isTrue();
      JsonNode counters = collector.alive().get(0).body().path("consumers").path("everything");
      assertThat(counters.has("received")).isTrue();
      assertThat(counters.has("dropped")).isTrue();
      assertThat(counters.has("backlog")).isTrue();
      assertThat(collector.alive().get(0).body().path("kind").asText()).isEqualTo("hub");
    }
  }
}
