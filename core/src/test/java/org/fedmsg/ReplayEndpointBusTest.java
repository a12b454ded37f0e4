package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.reliable.ReplayBatch;
import org.fedmsg.reliable.ReplayClient;
import org.fedmsg.reliable.ReplayException;
import org.fedmsg.reliable.SeqRange;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg2;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publisher's replay endpoint over real sockets: what it serves is what was published, byte for
 * byte, and verifies; CURVE and ZAP guard it as they guard the publish socket.
 */
@Timeout(60)
class ReplayEndpointBusTest {
  static Signer signer;
  static TrustStore trust;
  static String signerSha;
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  @TempDir Path state;

  @BeforeAll
  static void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("replay-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
    signer = Signer.of(leaf.privateKey(), leaf.chain());
    signerSha = ReplayEndpoint.sha256(leaf.certificate());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  private ObjectNode config(int outboxMax) {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
        .put("state_dir", state.toString());
    tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
    tree.putObject("replay_endpoints").put("pkgdb", "tcp://127.0.0.1:*");
    tree.putArray("critical_topics").add("pkgdb.package.*");
    tree.put("outbox.max_messages", outboxMax);
    return tree;
  }

  private Bus publisher(ObjectNode tree, CurveOptions curve) {
    BusOptions.Builder b = BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer);
    if (curve != null) {
      b.curve(curve);
    }
    return Bus.create(b.build());
  }

  @Test
  void replayedMessages_areThePublishedFramesByteForByte_andVerify() throws Exception {
    List<Message> critical = new ArrayList<>();
    try (Bus pub = publisher(config(3), null);
        MessageVerifier verifier = MessageVerifier.builder().trust(trust).asOf(java.time.Instant.now()).build()) {
      critical.add(pub.publish("pkgdb", "package.owner.update", Map.of("n", 1)));   // seq 1, evicted later
      pub.publish("pkgdb", "stats.daily", Map.of("n", 2));                          // seq 2, statistical
      for (int n = 3; n <= 5; n++) {
        critical.add(pub.publish("pkgdb", "package.retire", Map.of("n", n)));        // seq 3..5
      }
      String epoch = critical.get(0).body().get("epoch").textValue();
      String url = pub.replayEndpoint().orElseThrow();

      ReplayBatch got = ReplayClient.fetch(url, CurveOptions.disabled(), signerSha, epoch, 1, 6, TIMEOUT);

      assertThat(got.messages()).hasSize(3);
      for (int i = 0; i < 3; i++) {
        byte[][] served = got.messages().get(i);
        List<byte[]> published = critical.get(i + 1).frames();
        assertThat(served.length).isEqualTo(3);
        for (int f = 0; f < 3; f++) {
          assertThat(served[f]).as("frame %d of message %d", f, i).isEqualTo(published.get(f));
        }
        assertThat(verifier.check(Arrays.asList(served)).result().isValid()).isTrue();
        assertThat(Fedmsg2.signerSha256(served[2])).isEqualTo(signerSha);
      }
      assertThat(got.missing()).containsExactly(new SeqRange(1, 1), new SeqRange(6, 6));
      assertThat(got.statistical()).containsExactly(new SeqRange(2, 2));
      assertThat(pub.replayStats().ok()).isEqualTo(1);
      assertThat(pub.replayStats().messagesServed()).isEqualTo(3);

      assertThatThrownBy(() -> ReplayClient.fetch(url, CurveOptions.disabled(), "00".repeat(32), epoch, 1, 2, TIMEOUT))
          .isInstanceOfSatisfying(ReplayException.class,
              e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.UNKNOWN_SIGNER));
    }
  }

  @Test
  void afterARestart_theOutboxIsServedAgain() {
    Message first;
    try (Bus pub = publisher(config(100), null)) {
      first = pub.publish("pkgdb", "package.owner.update", Map.of("n", 1));
    }
    try (Bus pub = publisher(config(100), null)) {
      ReplayBatch got = ReplayClient.fetch(pub.replayEndpoint().orElseThrow(), CurveOptions.disabled(), signerSha,
          first.body().get("epoch").textValue(), 1, 1, TIMEOUT);
      assertThat(got.messages()).hasSize(1);
      assertThat(got.messages().get(0)[1]).isEqualTo(first.rawBody());
    }
  }

  @Test
  void curve_clientNotInAllowedClients_getsNothing_anAllowedOneIsServed() {
    CurveKeyPair server = CurveKeyPair.generate("pkgdb");
    CurveKeyPair allowed = CurveKeyPair.generate("tail");
    CurveKeyPair stranger = CurveKeyPair.generate("stranger");
    CurveOptions curve = CurveOptions.builder().keyPair(server)
        .allowedClients(AllowedCurveClients.load(List.of(allowed.publicKeyZ85()), Clock.systemUTC())).build();
    try (Bus pub = publisher(config(100), curve)) {
      Message m = pub.publish("pkgdb", "package.owner.update", Map.of("n", 1));
      String epoch = m.body().get("epoch").textValue();
      String url = pub.replayEndpoint().orElseThrow();

      assertThatThrownBy(() -> ReplayClient.fetch(url, CurveOptions.builder().keyPair(stranger).build(),
          server.publicKeyZ85(), signerSha, epoch, 1, 1, Duration.ofSeconds(2)))
          .isInstanceOfSatisfying(ReplayException.class,
              e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.TIMEOUT));
      assertThatThrownBy(() -> ReplayClient.fetch(url, CurveOptions.disabled(), null, signerSha, epoch, 1, 1,
          Duration.ofSeconds(2))).isInstanceOf(ReplayException.class);
      assertThat(pub.stats().curveRefusals()).isPositive();
      assertThat(pub.replayStats().ok()).isZero();

      ReplayBatch got = ReplayClient.fetch(url, CurveOptions.builder().keyPair(allowed).build(),
          server.publicKeyZ85(), signerSha, epoch, 1, 1, TIMEOUT);
      assertThat(got.messages()).hasSize(1);
      assertThat(got.messages().get(0)[1]).isEqualTo(m.rawBody());
    }
  }

  @Test
  void withoutAnEntry_noReplayEndpoint() {
    ObjectNode tree = config(100);
    tree.remove("replay_endpoints");
    try (Bus pub = publisher(tree, null)) {
      assertThat(pub.replayEndpoint()).isEmpty();
    }
  }

  @Test
  void subscriber_listsTheReplayEndpointsOfWhatItIsConnectedTo() throws Exception {
    try (Bus pub = publisher(config(100), null)) {
      ObjectNode tree = JsonNodeFactory.instance.objectNode();
      tree.put("validate_signatures", false);
      tree.putObject("endpoints").putArray("pkgdb").add(pub.publisherEndpoint());
      tree.putObject("replay_endpoints").put("pkgdb", pub.replayEndpoint().orElseThrow()).put("elsewhere",
          "tcp://127.0.0.1:1");
      try (Bus sub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).build())) {
        assertThat(sub.replayEndpoints()).isEmpty();
        sub.subscribe("", m -> { });
        Eventually.assertThat(() -> !sub.connectedEndpoints().isEmpty(), "the subscriber connected");
        assertThat(sub.replayEndpoints()).extracting(org.fedmsg.discovery.Endpoint::url)
            .containsExactly(pub.replayEndpoint().orElseThrow());
        assertThat(sub.replayEndpoints().get(0).publisherService()).isEqualTo("pkgdb");
      }
    }
  }
}
