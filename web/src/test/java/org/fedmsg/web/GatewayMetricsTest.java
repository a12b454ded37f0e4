package org.fedmsg.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.testing.DocumentedMeters.value;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Relay;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.metrics.ComponentMeters;
import org.fedmsg.metrics.MetricsServer;
import org.fedmsg.metrics.ReceiveMeters;
import org.fedmsg.testing.DocumentedMeters;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A signed publisher and an unsigned one send through a verifying relay to a gateway with a
 * browser-like client; real HTTP scrapes of the relay's MetricsServer and the gateway's /metrics
 * serve every meter docs/operations.md lists for them, with the values of what happened.
 */
@Timeout(120)
class GatewayMetricsTest {

  @Test
  void scrapes_relayAndGateway_everyDocumentedMeterWithTheValuesOfTheTraffic() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("fedmsg metrics test ca").build();
    TestPki.Issued bodhi = ca.issue("bodhi-app01.example.org").build();
    PrometheusMeterRegistry relayRegistry = MetricsServer.newRegistry();
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
            .backgroundRefresh(false).build());
        Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").verifier(MessageVerifier.builder().trust(trust).build())
            .listener(ReceiveMeters.create(relayRegistry, "relay", "org.fedoraproject", "dev", null)).build());
        MetricsServer relayMetrics = MetricsServer.start("127.0.0.1", 0, relayRegistry);
        Gateway gateway = Gateway.start(GatewayOptions.builder().host("127.0.0.1").port(0)
                .topics(List.of("bodhi.update.*")).build(),
            BusOptions.builder().endpoint("relay_outbound", List.of(relay.outboundEndpoint()))
                .verifier(MessageVerifier.builder().trust(trust).build()));
        WsProbe client = WsProbe.connect(gateway.port(), "", null, false)) {
      ComponentMeters.bindRelay(relayRegistry, relay);
      client.next("subscribed");
      assertThat(gateway.awaitReady(Duration.ofSeconds(10))).isTrue();
      // a refused browser page
      try {
        WsProbe.connect(gateway.port(), "", "https://evil.example.com", false).close();
      } catch (java.util.concurrent.ExecutionException expected) {
        // 403
      }

      try (Bus signed = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
              .validateSignatures(false).wireFormat(WireFormat.FEDMSG2)
              .signer(Signer.of(bodhi.privateKey(), bodhi.chain())).build());
          Bus unsigned = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
              .validateSignatures(false).build())) {
        signed.publish("bodhi", "update.request", Map.of("n", 1));
        signed.publish("bodhi", "update.request", Map.of("n", 2));
        signed.publish("bodhi", "buildroot_override.new", Map.of("n", 3));  // not served by this gateway
        unsigned.publish("bodhi", "update.request", Map.of("forged", true));
      }
      client.next("message");
      client.next("message");
      Eventually.assertThat(() -> gateway.bus().stats().delivered() == 3 && relay.stats().rejected() == 1,
          "the relay forwarded three and rejected one; the gateway got three");

      String relayScrape = DocumentedMeters.scrape("http://127.0.0.1:" + relayMetrics.port() + "/metrics");
      assertThat(DocumentedMeters.missing(relayScrape, "relay")).isEmpty();
      assertThat(value(relayScrape, "fedmsg_messages_received_total", "component=\"relay\"")).isEqualTo(4);
      assertThat(value(relayScrape, "fedmsg_messages_accepted_total", "component=\"relay\"", "service=\"bodhi\""))
          .isEqualTo(3);
      assertThat(value(relayScrape, "fedmsg_messages_rejected_total", "component=\"relay\"", "reason=\"UNSIGNED\""))
          .isEqualTo(1);
      assertThat(value(relayScrape, "fedmsg_messages_rejected_total", "reason=\"BAD_SIGNATURE\"")).isZero();
      assertThat(value(relayScrape, "fedmsg_relay_forwarded_total")).isEqualTo(3);
      assertThat(value(relayScrape, "fedmsg_verification_seconds_count", "component=\"relay\"")).isEqualTo(3);
      assertThat(value(relayScrape, "fedmsg_verification_seconds_sum", "component=\"relay\"")).isPositive();
      assertThat(value(relayScrape, "fedmsg_gaps_total", "component=\"relay\"")).isZero();
      // both publishers connected and went away
      assertThat(value(relayScrape, "fedmsg_peer_disconnects_total", "component=\"relay\"")).isEqualTo(2);

      String gatewayScrape = DocumentedMeters.scrape("http://127.0.0.1:" + gateway.port() + "/metrics");
      assertThat(DocumentedMeters.missing(gatewayScrape, "gateway")).isEmpty();
      // received also counts the answers to the gateway's own readiness probe
      assertThat(value(gatewayScrape, "fedmsg_messages_received_total", "component=\"gateway\"")).isGreaterThanOrEqualTo(3);
      assertThat(value(gatewayScrape, "fedmsg_messages_delivered_total", "component=\"gateway\"")).isEqualTo(3);
      assertThat(value(gatewayScrape, "fedmsg_messages_accepted_total", "component=\"gateway\"", "service=\"bodhi\""))
          .isEqualTo(3);
      assertThat(value(gatewayScrape, "fedmsg_verification_seconds_count", "component=\"gateway\"")).isEqualTo(3);
      assertThat(value(gatewayScrape, "fedmsg_gateway_messages_sent_total")).isEqualTo(2);
      assertThat(value(gatewayScrape, "fedmsg_gateway_messages_restricted_total")).isEqualTo(1);
      assertThat(value(gatewayScrape, "fedmsg_gateway_clients", "transport=\"websocket\"")).isEqualTo(1);
      assertThat(value(gatewayScrape, "fedmsg_gateway_clients", "transport=\"sse\"")).isZero();
      assertThat(value(gatewayScrape, "fedmsg_gateway_connections_refused_total", "reason=\"origin\"")).isEqualTo(1);
      assertThat(value(gatewayScrape, "fedmsg_gateway_clients_dropped_total", "reason=\"slow\"")).isZero();
      assertThat(value(gatewayScrape, "fedmsg_gateway_queue_depth")).isZero();
    }
  }
}
