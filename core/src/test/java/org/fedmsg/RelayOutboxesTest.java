package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.reliable.ReplayBatch;
import org.fedmsg.reliable.ReplayClient;
import org.fedmsg.reliable.ReplayException;
import org.fedmsg.reliable.SeqRange;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A validating relay keeps its upstream signers' critical messages (and marks their statistical
 * seqs) in an outbox per signer, and serves them on its replay endpoint.
 */
@Timeout(60)
class RelayOutboxesTest {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  @TempDir Path state;

  @BeforeAll
  static void pki() throws Exception {
    ReplayEndpointBusTest.pki();
  }

  @AfterAll
  static void close() {
    ReplayEndpointBusTest.close();
  }

  private Relay relay(boolean validates) {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("relay_inbound", "tcp://127.0.0.1:*").put("state_dir", state.toString());
    tree.putObject("endpoints").putArray("relay_outbound").add("tcp://127.0.0.1:*");
    tree.putObject("replay_endpoints").put("relay_outbound", "tcp://127.0.0.1:*");
    tree.putArray("critical_topics").add("pkgdb.package.*");
    tree.put("validate_signatures", validates);
    BusOptions.Builder b = BusOptions.builder().apply(FedmsgConfig.of(tree));
    if (validates) {
      b.verifier(MessageVerifier.builder().trust(ReplayEndpointBusTest.trust).build());
    }
    return Relay.start(b.build());
  }

  private static Bus logger(Relay relay) {
    return Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
        .wireFormat(WireFormat.FEDMSG2).signer(ReplayEndpointBusTest.signer).criticalTopics(List.of("pkgdb.package.*"))
        .validateSignatures(false).build());
  }

  @Test
  void acceptedCriticalMessages_keptPerSigner_servedVerbatim_statisticalSeqsSaidSo() throws Exception {
    try (Relay relay = relay(true);
        MessageVerifier verifier = MessageVerifier.builder().trust(ReplayEndpointBusTest.trust)
            .asOf(java.time.Instant.now()).build()) {
      Message c1;
      Message c3;
      try (Bus logger = logger(relay)) {
        c1 = logger.publish("pkgdb", "package.new", Map.of("n", 1));
        logger.publish("pkgdb", "stats.daily", Map.of("n", 2));
        c3 = logger.publish("pkgdb", "package.retire", Map.of("n", 3));
      }
      Eventually.assertThat(() -> relay.forwarded() == 3, "the relay forwarded the three messages");
      assertThat(relay.outboxKept()).isEqualTo(2);
      ReplayBatch got = ReplayClient.fetch(relay.replayEndpoint().orElseThrow(), CurveOptions.disabled(),
          ReplayEndpointBusTest.signerSha, c1.body().get("epoch").textValue(), 1, 3, TIMEOUT);
      assertThat(got.messages()).hasSize(2);
      assertThat(got.messages().get(0)[1]).isEqualTo(c1.rawBody());
      assertThat(got.messages().get(1)[1]).isEqualTo(c3.rawBody());
      for (byte[][] m : got.messages()) {
        assertThat(verifier.check(Arrays.asList(m)).result().isValid()).isTrue();
      }
      assertThat(got.statistical()).containsExactly(new SeqRange(2, 2));
      assertThat(got.missing()).isEmpty();
      assertThat(relay.replayStats().ok()).isEqualTo(1);
      assertThatThrownBy(() -> ReplayClient.fetch(relay.replayEndpoint().orElseThrow(), CurveOptions.disabled(),
          "00".repeat(32), "e", 1, 1, TIMEOUT)).isInstanceOfSatisfying(ReplayException.class,
              e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.UNKNOWN_SIGNER));
    }
  }

  @Test
  void nonValidatingRelay_keepsNothing_andBindsNoReplayEndpoint() {
    try (Relay relay = relay(false)) {
      assertThat(relay.replayEndpoint()).isEmpty();
    }
    assertThat(state.resolve("outbox")).doesNotExist();
  }
}
