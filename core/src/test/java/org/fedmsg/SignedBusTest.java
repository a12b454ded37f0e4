package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
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
import org.fedmsg.policy.PolicyViolationException;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** End to end on loopback with the reference's test PKI: signed, revoked, unsigned and unauthorized publishers. */
@Timeout(60)
class SignedBusTest {
  private static final String APP01 = ReferencePki.APP01;
  private static final String APP02 = ReferencePki.APP02;
  @TempDir Path dir;
  private ReferencePki pki;
  private Path ssldir;
  private TrustStore trust;

  @BeforeEach
  void pki() {
    pki = ReferencePki.in(dir);
    ssldir = pki.ssldir();
    trust = pki.trust();
  }

  @AfterEach
  void close() {
    pki.close();
  }

  private Bus subscriber(List<String> endpoints, TopicPolicy policy) {
    return Bus.create(BusOptions.builder().endpoint("all", endpoints)
        .verifier(MessageVerifier.builder().trust(trust).policy(policy).build()).build());
  }

  @Test
  void signedRevokedUnsignedAndUnauthorized_onlyValidArriveAndDropsAreCounted() throws Exception {
    TopicPolicy policy = ReferencePki.pkgdbFromApp01();
    try (Bus good = ReferencePki.publisher("good", pki.signer(APP01), WireFormat.FEDMSG1);
        Bus revoked = ReferencePki.publisher("revoked", pki.signer("dummy-revoked"), WireFormat.FEDMSG1);
        Bus unsigned = ReferencePki.publisher("unsigned", null, WireFormat.FEDMSG1);
        Bus other = ReferencePki.publisher("other", pki.signer(APP02), WireFormat.FEDMSG1);
        Bus sub = subscriber(List.of(good.publisherEndpoint(), revoked.publisherEndpoint(),
            unsigned.publisherEndpoint(), other.publisherEndpoint()), policy)) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();

      for (int n = 0; n < 20; n++) {
        good.publish("pkgdb", "package.update", Map.of("n", n));
        revoked.publish("pkgdb", "package.update", Map.of("n", n));
        unsigned.publish("pkgdb", "package.update", Map.of("n", n));
        other.publish("pkgdb", "package.update", Map.of("n", n));
      }
      for (int n = 0; n < 20; n++) {
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.signer()).hasValue(APP01);
        assertThat(m.msg().get("n").intValue()).isEqualTo(n);
      }
      Eventually.assertThat(() -> sub.stats().rejected() == 60, "60 rejections counted");
      BusStats stats = sub.stats();
      assertThat(stats.rejected(Reason.CERT_REVOKED)).isEqualTo(20);
      assertThat(stats.rejected(Reason.UNSIGNED)).isEqualTo(20);
      assertThat(stats.rejected(Reason.NOT_AUTHORIZED)).isEqualTo(20);
      assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void publisherHoldingThePolicy_failsFastOnAnotherServicesTopic() {
    TopicPolicy policy = ReferencePki.pkgdbFromApp01();
    try (Bus other = Bus.create(BusOptions.builder().name("other").endpoint("other", List.of("tcp://127.0.0.1:*"))
        .signer(pki.signer(APP02)).publishPolicy(policy).build())) {
      assertThatThrownBy(() -> other.publish("pkgdb", "package.update", Map.of()))
          .isInstanceOf(PolicyViolationException.class)
          .hasMessageContaining("rules[0]");
      assertThat(other.stats().published()).isZero();
    }
  }

  @Test
  void relayWithValidation_dropsForgedAndForwardsSigned() throws Exception {
    TopicPolicy policy = ReferencePki.pkgdbFromApp01();
    MessageVerifier relayVerifier = MessageVerifier.builder().trust(trust).policy(policy).build();
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").verifier(relayVerifier).build());
        Bus sub = Bus.create(BusOptions.builder().endpoint("relay_outbound", List.of(relay.outboundEndpoint()))
            .validateSignatures(false).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      BusOptions.Builder active = BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
          .validateSignatures(false);
      try (Bus good = Bus.create(active.signer(pki.signer(APP01)).build())) {
        good.publish("pkgdb", "package.update", Map.of("ok", true));
      }
      try (Bus other = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
          .validateSignatures(false).signer(pki.signer(APP02)).build())) {
        other.publish("pkgdb", "package.update", Map.of("ok", false));
      }
      Message m = got.poll(10, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.msg().get("ok").booleanValue()).isTrue();
      Eventually.assertThat(() -> relay.stats().rejected(Reason.NOT_AUTHORIZED) == 1, "relay counted the drop");
      assertThat(got.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void fedmsg2_strongKeys_arriveWithSignerAndWeakKeyIsRefusedAtPublish() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("fedmsg test ca").build();
    TrustStore strongTrust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).build());
    for (TestPki.KeyType type : List.of(TestPki.KeyType.EC_P256, TestPki.KeyType.ED25519, TestPki.KeyType.RSA_2048)) {
      TestPki.Issued leaf = ca.issue("bodhi-app01.example.org").keyType(type).build();
      try (Bus pub = ReferencePki.publisher("bodhi", Signer.of(leaf.privateKey(), leaf.chain()), WireFormat.FEDMSG2);
          Bus sub = Bus.create(BusOptions.builder().endpoint("bodhi", List.of(pub.publisherEndpoint()))
              .verifier(MessageVerifier.builder().trust(strongTrust).build()).build())) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
        pub.publish("bodhi", "update.request", Map.of("type", type.name()));
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).as(type.name()).isNotNull();
        assertThat(m.format()).isEqualTo(WireFormat.FEDMSG2);
        assertThat(m.signer()).hasValue("bodhi-app01.example.org");
        assertThat(m.msg().get("type").textValue()).isEqualTo(type.name());
      }
    }
    strongTrust.close();
    try (Bus weak = ReferencePki.publisher("weak", pki.signer(APP01), WireFormat.FEDMSG2)) {
      assertThatThrownBy(() -> weak.publish("pkgdb", "package.update", Map.of()))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("2048");
    }
  }

  @Test
  void policyFileInConfig_changeTakesEffectWithoutRestart() throws Exception {
    Path policyFile = java.nio.file.Files.writeString(dir.resolve("policy.yaml"),
        "default: deny\nrules:\n  - topics: [\"pkgdb.*\"]\n    signers: [\"shell-app01.*\"]\n    effect: allow\n");
    com.fasterxml.jackson.databind.node.ObjectNode tree = Json.object()
        .put("ca_cert_location", ssldir.resolve("ca.crt").toString())
        .put("crl_location", ssldir.resolve("crl.pem").toString())
        .put("policy_file", policyFile.toString());
    try (Bus pub = ReferencePki.publisher("good", pki.signer(APP01), WireFormat.FEDMSG1);
        Bus sub = Bus.create(BusOptions.builder().apply(org.fedmsg.config.FedmsgConfig.of(tree))
            .endpoints(Map.of("good", List.of(pub.publisherEndpoint()))).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      pub.publish("pkgdb", "package.update", Map.of("n", 1));
      assertThat(got.poll(10, TimeUnit.SECONDS)).isNotNull();

      // The operator takes pkgdb's topics away from shell-app01: no restart.
      java.nio.file.Files.writeString(policyFile,
          "default: deny\nrules:\n  - topics: [\"pkgdb.*\"]\n    signers: [\"pkgdb-*\"]\n    effect: allow\n");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (sub.stats().rejected(Reason.NOT_AUTHORIZED) == 0 && System.nanoTime() < deadline) {
        pub.publish("pkgdb", "package.update", Map.of("n", 2));
        got.poll(100, TimeUnit.MILLISECONDS);
      }
      assertThat(sub.stats().rejected(Reason.NOT_AUTHORIZED)).isPositive();

      // A broken file keeps the policy in force: see policyFile_broken_reloadFailsAndPreviousPolicyStays.
    }
  }

  /**
   * A policy file broken while the bus runs: the reload fails (the error names the file) and the previous
   * policy stays in force; a repaired file is picked up again.
   */
  @Test
  void policyFile_broken_reloadFailsAndPreviousPolicyStays() throws Exception {
    String denyApp01 = "default: deny\nrules:\n  - topics: [\"pkgdb.*\"]\n    signers: [\"pkgdb-*\"]\n    effect: allow\n";
    String allowApp01 = "default: deny\nrules:\n  - topics: [\"pkgdb.*\"]\n    signers: [\"shell-app01.*\"]\n    effect: allow\n";
    Path policyFile = java.nio.file.Files.writeString(dir.resolve("policy.yaml"), denyApp01);
    BlockingQueue<org.fedmsg.policy.PolicyException> failures = new LinkedBlockingQueue<>();
    org.fedmsg.policy.ReloadingPolicy.Listener listener = new org.fedmsg.policy.ReloadingPolicy.Listener() {
      @Override
      public void reloadFailed(org.fedmsg.policy.PolicyException error, org.fedmsg.policy.CompiledPolicy kept) {
        failures.add(error);
      }
    };
    try (org.fedmsg.policy.ReloadingPolicy policy = org.fedmsg.policy.ReloadingPolicy.watch(policyFile,
            org.fedmsg.policy.TopicNamespace.DEFAULT, listener, Duration.ofMillis(100));
        Bus pub = ReferencePki.publisher("good", pki.signer(APP01), WireFormat.FEDMSG1);
        Bus sub = subscriber(List.of(pub.publisherEndpoint()), policy)) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();

      java.nio.file.Files.writeString(policyFile, "rules: [ this is not yaml");
      org.fedmsg.policy.PolicyException error = failures.poll(30, TimeUnit.SECONDS);
      assertThat(error).as("the broken file was read and refused").isNotNull();
      assertThat(error.getMessage()).contains(policyFile.getFileName().toString());
      assertThat(policy.lastError()).contains(error);

      long before = sub.stats().rejected(Reason.NOT_AUTHORIZED);
      pub.publish("pkgdb", "package.update", Map.of("n", 1));
      Eventually.assertThat(() -> sub.stats().rejected(Reason.NOT_AUTHORIZED) == before + 1, "still denied");
      assertThat(got).isEmpty();

      // The watcher survived the failure: the repaired file is in force again.
      java.nio.file.Files.writeString(policyFile, allowApp01);
      Message m = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (m == null && System.nanoTime() < deadline) {
        pub.publish("pkgdb", "package.update", Map.of("n", 2));
        m = got.poll(100, TimeUnit.MILLISECONDS);
      }
      assertThat(m).isNotNull();
      assertThat(policy.lastError()).isEmpty();
    }
  }
}
