package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.config.TrustSettings;
import org.fedmsg.crypto.Digest;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one config → trust mapping ({@link TrustSettings}), from fedmsg.d files through the real
 * {@link ConfigLoader} into a real subscribing bus and relay: {@code crypto_allowed_digests}
 * governs message and certificate signatures, {@code accept_formats} the wire formats, and
 * unknown names stop the start.
 */
@Timeout(60)
class TrustSettingsBusTest {
  private static final String TOPIC = "bodhi";

  @TempDir Path dir;
  private TestPki.Issued ca;
  private Path caFile;

  @BeforeEach
  void pki() {
    ca = TestPki.rootCa("fedmsg test ca").build();
    caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
  }

  private FedmsgConfig load(String yaml) throws Exception {
    Path d = Files.createDirectories(dir.resolve("fedmsg.d"));
    Files.writeString(d.resolve("base.yaml"), "ca_cert_location: \"" + caFile + "\"\ncrl_location: null\n");
    Files.writeString(d.resolve("trust.yaml"), yaml);
    return ConfigLoader.builder().explicit(d).build().load();
  }

  private static Bus publisher(Signer signer, WireFormat format) {
    return Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(format).signer(signer).build());
  }

  private static Signer signer(TestPki.Issued leaf) {
    return Signer.of(leaf.privateKey(), leaf.chain());
  }

  /**
   * Publishes {@code bad} then {@code good} repeatedly until {@code good} arrives at a subscriber
   * configured from {@code config}; returns the subscriber's stats after asserting nothing from
   * {@code bad} arrived.
   */
  private static BusStats run(FedmsgConfig config, Bus bad, Bus good, Reason expected) throws Exception {
    try (Bus sub = Bus.create(BusOptions.builder().apply(config)
        .endpoints(Map.of("bad", List.of(bad.publisherEndpoint()), "good", List.of(good.publisherEndpoint())))
        .build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      bad.publish(TOPIC, "update", Map.of("from", "bad"));
      good.publish(TOPIC, "update", Map.of("from", "good"));
      Message m = got.poll(10, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.msg().get("from").textValue()).isEqualTo("good");
      Eventually.assertThat(() -> sub.stats().rejected(expected) == 1, expected + " counted");
      assertThat(got.poll(100, TimeUnit.MILLISECONDS)).isNull();
      return sub.stats();
    }
  }

  @Test
  void allowedDigestsSha256_sha1SignedFedmsg1Refused_sha256Fedmsg2Flows() throws Exception {
    FedmsgConfig config = load("crypto_allowed_digests: [sha256]\n");
    assertThat(TrustSettings.allowedDigests(config)).containsExactly(Digest.SHA256);
    TestPki.Issued rsa = ca.issue("bodhi-app01.example.org").keyType(TestPki.KeyType.RSA_2048).build();
    TestPki.Issued ec = ca.issue("bodhi-app02.example.org").build();
    try (Bus sha1 = publisher(signer(rsa), WireFormat.FEDMSG1); Bus sha256 = publisher(signer(ec), WireFormat.FEDMSG2)) {
      BusStats stats = run(config, sha1, sha256, Reason.WEAK_ALGORITHM);
      assertThat(stats.rejected()).isEqualTo(1);
    }
  }

  @Test
  void allowedDigestsSha256_certificateSignedWithSha384Refused() throws Exception {
    FedmsgConfig config = load("crypto_allowed_digests: [sha-256]\n");
    TestPki.Issued sha384 = ca.issue("bodhi-app01.example.org").signatureAlgorithm("SHA384withECDSA").build();
    TestPki.Issued sha256 = ca.issue("bodhi-app02.example.org").build();
    try (Bus bad = publisher(signer(sha384), WireFormat.FEDMSG2); Bus good = publisher(signer(sha256), WireFormat.FEDMSG2)) {
      run(config, bad, good, Reason.WEAK_ALGORITHM);
    }
  }

  @Test
  void acceptFormatsFedmsg2_fedmsg1Refused_fedmsg2FlowsThroughRelay() throws Exception {
    FedmsgConfig config = load("accept_formats: [fedmsg/2]\n");
    TestPki.Issued rsa = ca.issue("bodhi-app01.example.org").keyType(TestPki.KeyType.RSA_2048).build();
    try (Relay relay = Relay.start(BusOptions.builder().apply(config)
            .endpoint("relay_outbound", List.of("tcp://127.0.0.1:*")).relayInbound("tcp://127.0.0.1:*").build());
        Bus sub = Bus.create(BusOptions.builder().endpoint("relay_outbound", List.of(relay.outboundEndpoint()))
            .validateSignatures(false).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      for (WireFormat format : List.of(WireFormat.FEDMSG1, WireFormat.FEDMSG2)) {
        try (Bus pub = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
            .validateSignatures(false).wireFormat(format).signer(signer(rsa)).build())) {
          pub.publish(TOPIC, "update", Map.of("format", format.name().toLowerCase(java.util.Locale.ROOT)));
        }
      }
      Message m = got.poll(10, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.msg().get("format").textValue()).isEqualTo("fedmsg2");
      Eventually.assertThat(() -> relay.stats().rejected(Reason.UNSUPPORTED_CRYPTO) == 1, "fedmsg/1 refused");
      assertThat(got.poll(100, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void unknownDigestOrFormat_refusedAtLoadNamingKeyAndFile() {
    assertThatThrownBy(() -> load("crypto_allowed_digests: [sha256, crc32]\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("crypto_allowed_digests")
        .hasMessageContaining("trust.yaml");
    assertThatThrownBy(() -> load("accept_formats: [fedmsg/3]\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("accept_formats").hasMessageContaining("trust.yaml");
    assertThatThrownBy(() -> load("accept_formats: []\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("accept_formats");
  }

  @Test
  void mapping_allTrustKeys_fromLoadedFiles() throws Exception {
    FedmsgConfig config = load("""
        crypto_min_rsa_bits: 3072
        crypto_allowed_digests: SHA512
        crl_grace_period: 10m
        crl_failure_mode: fail-open
        accept_formats: [fedmsg2]
        """);
    assertThat(TrustSettings.allowedDigests(config)).containsExactly(Digest.SHA512);
    assertThat(TrustSettings.acceptFormats(config)).containsExactly(WireFormat.FEDMSG2);
    assertThat(TrustSettings.options(config).build()).isNotNull();
    FedmsgConfig defaults = load("{}\n");
    assertThat(TrustSettings.allowedDigests(defaults)).containsExactlyInAnyOrder(Digest.values());
    assertThat(TrustSettings.acceptFormats(defaults)).containsExactlyInAnyOrder(WireFormat.values());
  }
}
