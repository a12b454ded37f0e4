package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.reliable.DurableOutbox;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A critical publisher's durable outbox: exact signed frames, written before sending, and epoch continuation. */
@Timeout(60)
class CriticalOutboxBusTest {
  static Signer signer;
  static TrustStore trust;
  @TempDir Path state;

  @BeforeAll
  static void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("outbox-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
    signer = Signer.of(leaf.privateKey(), leaf.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  private Bus publisher() {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
        .put("state_dir", state.toString());
    tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
    tree.putArray("critical_topics").add("pkgdb.package.*");
    return Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer).build());
  }

  @Test
  void criticalFramesKeptVerbatim_statisticalOnlyMarked_restartContinuesTheEpoch() throws Exception {
    Message c1;
    Message c2;
    try (Bus pub = publisher()) {
      c1 = pub.publish("pkgdb", "package.owner.update", Map.of("n", 1));
      pub.publish("pkgdb", "stats.daily", Map.of("n", 2));
      c2 = pub.publish("pkgdb", "package.retire", Map.of("n", 3));
      pub.publish("pkgdb", "stats.daily", Map.of("n", 4));
    }
    String epoch = c1.body().get("epoch").textValue();
    Message next;
    try (Bus again = publisher()) {
      next = again.publish("pkgdb", "package.owner.update", Map.of("n", 5));
    }
    // One unbroken epoch: receivers see 1..5 with no gap and no reused seq.
    assertThat(next.body().get("epoch").textValue()).isEqualTo(epoch);
    assertThat(next.body().get("seq").longValue()).isEqualTo(5);

    try (DurableOutbox box = DurableOutbox.open(state.resolve("outbox").resolve("pkgdb"), 100, 1 << 20, Duration.ofHours(1),
        Clock.systemUTC());
        MessageVerifier verifier = MessageVerifier.builder().trust(trust).asOf(java.time.Instant.now()).build()) {
      List<DurableOutbox.Entry> kept = box.range(epoch, 1, 10, 100);
      assertThat(kept).extracting(DurableOutbox.Entry::seq).containsExactly(1L, 3L, 5L);
      byte[][] first = kept.get(0).framesCopy();
      assertThat(first.length).isEqualTo(3);
      assertThat(first[1]).isEqualTo(c1.rawBody());
      assertThat(kept.get(1).framesCopy()[1]).isEqualTo(c2.rawBody());
      // The stored frames are the signed ones: they verify byte for byte.
      for (DurableOutbox.Entry e : kept) {
        // kept as signed, before the socket compacts it (wire_compact is on by default)
        assertThat(org.fedmsg.wire.Fedmsg2.isCompact(e.framesCopy()[2])).isFalse();
        assertThat(verifier.check(Arrays.asList(e.framesCopy())).result().isValid()).isTrue();
      }
    }
  }

  @Test
  void withoutCriticalTopics_noOutbox() {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
        .put("state_dir", state.toString());
    tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
    try (Bus pub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer).build())) {
      pub.publish("pkgdb", "package.owner.update", Map.of("n", 1));
    }
    assertThat(state.resolve("outbox")).doesNotExist();
  }
}
