package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code critical_topics}: critical messages are fedmsg/2 only, on both ends. */
@Timeout(60)
class CriticalTopicsTest {
  static Signer signer;
  static TrustStore trust;

  @BeforeAll
  static void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("critical-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
    signer = Signer.of(leaf.privateKey(), leaf.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  private static Bus publisher(WireFormat format) {
    BusOptions.Builder b = BusOptions.builder().name("pkgdb").endpoint("pkgdb", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(format).criticalTopics(List.of("pkgdb.package.*"));
    if (format == WireFormat.FEDMSG2) {
      b.signer(signer);   // fedmsg/1 needs RSA: that publisher stays unsigned here
    }
    return Bus.create(b.build());
  }

  @Test
  void fedmsg1Publisher_refusesCriticalTopic_sendsStatisticalOne() {
    try (Bus pub = publisher(WireFormat.FEDMSG1)) {
      assertThatThrownBy(() -> pub.publish("pkgdb", "package.owner.update", Map.of("n", 1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("org.fedoraproject.dev.pkgdb.package.owner.update")
          .hasMessageContaining("critical").hasMessageContaining("fedmsg2");
      assertThat(pub.publish("pkgdb", "stats.daily", Map.of("n", 1)).topic())
          .isEqualTo("org.fedoraproject.dev.pkgdb.stats.daily");
    }
  }

  @Test
  void receiver_refusesFedmsg1OnCriticalTopic_acceptsFedmsg2AndStatisticalFedmsg1() throws Exception {
    try (Bus old = Bus.create(BusOptions.builder().name("old").endpoint("old", List.of("tcp://127.0.0.1:*"))
            .validateSignatures(false).wireFormat(WireFormat.FEDMSG1).build());
        Bus modern = publisher(WireFormat.FEDMSG2);
        Bus sub = Bus.create(BusOptions.builder().endpoint("all", List.of(old.publisherEndpoint(),
                modern.publisherEndpoint())).criticalTopics(List.of("pkgdb.package.*"))
            .validateSignatures(false).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      old.publish("pkgdb", "package.owner.update", Map.of("from", "old"));   // critical in fedmsg/1: refused
      old.publish("pkgdb", "stats.daily", Map.of("from", "old"));            // statistical: fine
      modern.publish("pkgdb", "package.owner.update", Map.of("from", "modern"));
      Message first = got.poll(10, TimeUnit.SECONDS);
      Message second = got.poll(10, TimeUnit.SECONDS);
      assertThat(List.of(first.topic() + "/" + first.format(), second.topic() + "/" + second.format()))
          .containsExactlyInAnyOrder("org.fedoraproject.dev.pkgdb.stats.daily/FEDMSG1",
              "org.fedoraproject.dev.pkgdb.package.owner.update/FEDMSG2");
      Eventually.assertThat(() -> sub.stats().rejected() == 1, "one rejection");
      assertThat(sub.stats().rejected(Reason.UNSUPPORTED_CRYPTO)).isEqualTo(1);
      assertThat(sub.stats().rejectedByCause()).containsEntry("UNSUPPORTED_CRYPTO/critical-not-fedmsg2", 1L);
      assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void emptyPattern_isAConfigError() {
    assertThatThrownBy(() -> BusOptions.builder().criticalTopics(List.of("")).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("critical_topics");
  }
}
