package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CURVE on loopback: encryption on the wire, server key pinning, ZAP, relays, plain overrides, config. */
@Timeout(60)
class CurveBusTest {
  @TempDir Path dir;

  private static Bus publisher(CurveOptions curve) {
    return Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).curve(curve).build());
  }

  private static Bus subscriber(String endpoint, CurveOptions curve) {
    return Bus.create(BusOptions.builder().endpoint("pub", List.of(endpoint)).validateSignatures(false)
        .curve(curve).build());
  }

  @ParameterizedTest(name = "curve={0}")
  @ValueSource(booleans = {true, false})
  void wire_throughProxy_topicAndBodyVisibleOnlyWithoutCurve(boolean curveOn) throws Exception {
    CurveKeyPair server = CurveKeyPair.generate("pub");
    CurveOptions pubCurve = curveOn ? CurveOptions.builder().keyPair(server).build() : CurveOptions.disabled();
    try (Bus pub = publisher(pubCurve);
        LoopbackProxy proxy = new LoopbackProxy(LoopbackProxy.port(pub.publisherEndpoint()))) {
      CurveOptions subCurve = curveOn
          ? CurveOptions.builder().serverKey(proxy.endpoint(), server.publicKeyZ85()).build() : CurveOptions.disabled();
      try (Bus sub = subscriber(proxy.endpoint(), subCurve)) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
        pub.publish("wiremod", "topic.plaintextmarker", Map.of("body", "bodymarker-4711"));
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).endsWith("wiremod.topic.plaintextmarker");
        assertThat(m.msg().get("body").textValue()).isEqualTo("bodymarker-4711");

        String wire = proxy.captured();
        assertThat(wire).isNotEmpty();
        if (curveOn) {
          assertThat(wire).contains("CURVE").doesNotContain("plaintextmarker").doesNotContain("bodymarker")
              .doesNotContain("_heartbeat");
        } else {
          assertThat(wire).contains("NULL").contains("wiremod.topic.plaintextmarker").contains("bodymarker-4711");
        }
      }
    }
  }

  @Test
  void subscriber_wrongServerKey_receivesNothingAndCountsHandshakeFailures() throws Exception {
    CurveKeyPair server = CurveKeyPair.generate("pub");
    CurveKeyPair impostor = CurveKeyPair.generate("impostor");
    try (Bus pub = publisher(CurveOptions.builder().keyPair(server).build());
        Bus sub = subscriber(pub.publisherEndpoint(),
            CurveOptions.builder().serverKey(pub.publisherEndpoint(), impostor.publicKeyZ85()).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofMillis(1500))).isFalse();
      for (int i = 0; i < 5; i++) {
        pub.publish("wiremod", "topic", Map.of("i", i));
      }
      assertThat(got.poll(500, TimeUnit.MILLISECONDS)).isNull();
      Eventually.assertThat(() -> sub.stats().curveHandshakeFailures() > 0, "handshake failure counted");
      assertThat(sub.stats().received()).isZero();
    }
  }

  @Test
  void allowedClients_unlistedRefusedAndCounted_listedReceives() throws Exception {
    CurveKeyPair server = CurveKeyPair.generate("pub");
    CurveKeyPair listed = CurveKeyPair.generate("listed");
    CurveKeyPair unlisted = CurveKeyPair.generate("unlisted");
    Path clients = Files.createDirectory(dir.resolve("curve-clients"));
    CurveKeyFiles.writePublic(clients, "tail-host01", listed);
    AllowedCurveClients allowed = AllowedCurveClients.load(List.of(clients.toString()), Clock.systemUTC());
    try (Bus pub = publisher(CurveOptions.builder().keyPair(server).allowedClients(allowed).build())) {
      String url = pub.publisherEndpoint();
      try (Bus good = subscriber(url, CurveOptions.builder().keyPair(listed).serverKey(url, server.publicKeyZ85()).build());
          Bus bad = subscriber(url, CurveOptions.builder().keyPair(unlisted).serverKey(url, server.publicKeyZ85()).build())) {
        BlockingQueue<Message> goodGot = new LinkedBlockingQueue<>();
        BlockingQueue<Message> badGot = new LinkedBlockingQueue<>();
        assertThat(good.subscribe("", goodGot::add).awaitReady(Duration.ofSeconds(10))).isTrue();
        assertThat(bad.subscribe("", badGot::add).awaitReady(Duration.ofMillis(1000))).isFalse();
        pub.publish("wiremod", "topic", Map.of("n", 1));
        assertThat(goodGot.poll(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(badGot.poll(300, TimeUnit.MILLISECONDS)).isNull();
        Eventually.assertThat(() -> pub.stats().curveRefusals() > 0, "ZAP refusal counted by the publisher");
        Eventually.assertThat(() -> bad.stats().curveHandshakeFailures() > 0, "refusal seen by the subscriber");
        assertThat(good.stats().curveHandshakeFailures()).isZero();
      }
    }
  }

  @Test
  void relay_curveOnBothSides_activePublisherReachesSubscriber() throws Exception {
    CurveKeyPair relayKeys = CurveKeyPair.generate("relay");
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
        .relayInbound("tcp://127.0.0.1:*").validateSignatures(false)
        .curve(CurveOptions.builder().keyPair(relayKeys).build()).build());
        Bus sub = subscriber(relay.outboundEndpoint(),
            CurveOptions.builder().serverKey(relay.outboundEndpoint(), relayKeys.publicKeyZ85()).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      try (Bus logger = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
          .validateSignatures(false)
          .curve(CurveOptions.builder().serverKey(relay.inboundEndpoint(), relayKeys.publicKeyZ85()).build()).build())) {
        logger.publish("logger", "log", Map.of("log", "through two CURVE hops"));
      }
      Message m = got.poll(10, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.msg().get("log").textValue()).isEqualTo("through two CURVE hops");
      // counted once the outbound socket took it, which can be just after the subscriber has it
      Eventually.assertThat(() -> relay.forwarded() == 1, "the relay counts what it forwarded");
      assertThat(relay.stats().curveRefusals()).isZero();
    }
  }

  @Test
  void activePublisher_curveOnWithoutRelayKey_failsAtStart() {
    assertThatThrownBy(() -> Bus.create(BusOptions.builder().active(true).relayInbound("tcp://127.0.0.1:1")
        .validateSignatures(false).curve(CurveOptions.builder().build()).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no CURVE server key");
  }

  @Test
  void publisher_curveOnWithoutKeyPair_failsAtStart() {
    assertThatThrownBy(() -> publisher(CurveOptions.builder().build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("public_key_file");
  }

  @Test
  void subscriber_curveOn_plainMarkedEndpointReceives_unkeyedEndpointNotConnected() throws Exception {
    try (Bus plain = publisher(CurveOptions.disabled());
        Bus sub = subscriber(plain.publisherEndpoint(),
            CurveOptions.builder().plainEndpoint(plain.publisherEndpoint()).build());
        Bus strict = subscriber(plain.publisherEndpoint(), CurveOptions.builder().build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      plain.publish("wiremod", "topic", Map.of("n", 1));
      assertThat(got.poll(10, TimeUnit.SECONDS)).isNotNull();

      strict.subscribe("", m -> { });
      assertThat(strict.connectedEndpoints()).isEmpty();
    }
  }

  @Test
  void subscriber_publishersWithDifferentKeys_receivesFromBoth() throws Exception {
    CurveKeyPair k1 = CurveKeyPair.generate("p1");
    CurveKeyPair k2 = CurveKeyPair.generate("p2");
    try (Bus p1 = publisher(CurveOptions.builder().keyPair(k1).build());
        Bus p2 = publisher(CurveOptions.builder().keyPair(k2).build());
        Bus sub = Bus.create(BusOptions.builder().endpoint("pub", List.of(p1.publisherEndpoint(), p2.publisherEndpoint()))
            .validateSignatures(false).curve(CurveOptions.builder().serverKey(p1.publisherEndpoint(), k1.publicKeyZ85())
                .serverKey(p2.publisherEndpoint(), k2.publicKeyZ85()).build()).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("org.fedoraproject.dev.wiremod", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      p1.publish("wiremod", "one", Map.of());
      p2.publish("wiremod", "two", Map.of());
      Message a = got.poll(10, TimeUnit.SECONDS);
      Message b = got.poll(10, TimeUnit.SECONDS);
      assertThat(List.of(a.topic(), b.topic())).containsExactlyInAnyOrder("org.fedoraproject.dev.wiremod.one",
          "org.fedoraproject.dev.wiremod.two");
      assertThat(sub.connectedEndpoints()).hasSize(2);
    }
  }

  @Test
  void apply_config_readsKeyFilesServerKeysPlainEntriesAndAllowedClients() throws Exception {
    CurveKeyPair own = CurveKeyPair.generate("bodhi-app01");
    CurveKeyPair peer = CurveKeyPair.generate("relay");
    Path pub = CurveKeyFiles.writePublic(dir, "bodhi-app01", own);
    Path sec = CurveKeyFiles.writeSecret(dir, "bodhi-app01", own);
    Path clients = Files.createDirectory(dir.resolve("clients"));
    String yaml = "curve:\n  enabled: true\n  public_key_file: " + pub + "\n  secret_key_file: " + sec
        + "\n  allowed_clients: " + clients + "\nendpoints:\n  relay_outbound:\n"
        + "    - {url: \"tcp://127.0.0.1:4002\", curve_server_key: \"" + peer.publicKeyZ85().replace("\"", "\\\"") + "\"}\n"
        + "    - {url: \"tcp://127.0.0.1:4003\", curve: false}\n";
    FedmsgConfig config = FedmsgConfig.of(new ObjectMapper(new YAMLFactory()).readTree(yaml));
    CurveOptions curve = BusOptions.builder().apply(config).build().curve();
    assertThat(curve.enabled()).isTrue();
    assertThat(curve.keyPair()).hasValueSatisfying(k -> assertThat(k.publicKeyZ85()).isEqualTo(own.publicKeyZ85()));
    assertThat(curve.serverKeys()).containsEntry("tcp://127.0.0.1:4002", peer.publicKeyZ85());
    assertThat(curve.plainEndpoints()).containsExactly("tcp://127.0.0.1:4003");
    assertThat(curve.allowedClients()).isPresent();
    assertThat(curve.toString()).doesNotContain(org.fedmsg.crypto.Z85.encodeKey(own.secretKey()));
  }

  @Test
  void apply_config_unreadableSecretKey_isConfigException() throws Exception {
    String yaml = "curve:\n  enabled: true\n  secret_key_file: " + dir.resolve("missing.curve_secret") + "\n";
    FedmsgConfig config = FedmsgConfig.of(new ObjectMapper(new YAMLFactory()).readTree(yaml));
    assertThatThrownBy(() -> BusOptions.builder().apply(config)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read");
  }
}
