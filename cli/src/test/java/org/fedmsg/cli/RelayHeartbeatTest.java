package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Relay;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.status.StatusCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RelayHeartbeatTest {
  @Test
  void start_heartbeatTravelsThroughTheRelayWithItsOutboundEndpoint() throws Exception {
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").validateSignatures(false).build());
        Bus sub = Bus.create(BusOptions.builder().endpoint("relay_outbound", List.of(relay.outboundEndpoint()))
            .validateSignatures(false).build());
        StatusCollector collector = StatusCollector.start(sub, "org.fedoraproject", "dev")) {
      assertThat(collector.awaitReady(Duration.ofSeconds(10))).isTrue();
      try (RelayHeartbeat beat = RelayHeartbeat.start(relay, BusOptions.builder().validateSignatures(false),
          Duration.ofMillis(200))) {
        Map<String, List<String>> configured = Map.of("relay_outbound", List.of(relay.outboundEndpoint()));
        assertThat(collector.awaitAll(configured, Duration.ofSeconds(10))).isTrue();
        JsonNode body = collector.alive().get(0).body();
        assertThat(collector.alive().get(0).topic()).isEqualTo("org.fedoraproject.dev.relay_outbound._heartbeat");
        assertThat(body.get("endpoint").textValue()).isEqualTo(relay.outboundEndpoint());
        assertThat(body.get("kind").textValue()).isEqualTo("relay");
        assertThat(body.get("inbound").textValue()).isEqualTo(relay.inboundEndpoint());
      }
    }
  }

  @Test
  void heartbeatInterval_zero_rejectedForTheRelay() throws Exception {
    FedmsgConfig zero = FedmsgConfig.of(new ObjectMapper().readTree("{\"heartbeat_interval\": 0}"));
    assertThatThrownBy(() -> RelayCommand.heartbeatInterval(zero)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-zero");
    FedmsgConfig unset = FedmsgConfig.of(new ObjectMapper().readTree("{}"));
    assertThat(RelayCommand.heartbeatInterval(unset)).isEqualTo(Duration.ofSeconds(10));
  }
}
