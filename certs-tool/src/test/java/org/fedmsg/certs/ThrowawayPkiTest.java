package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThrowawayPkiTest {
  @TempDir Path tmp;

  @Test
  void create_servicesSignAndVerifyAgainstTheCaAndCrl() throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(tmp.resolve("pki"), "localhost", List.of("relay", "logger"),
        KeyType.RSA_2048, true);

    assertThat(pki.certnames()).containsExactly(
        java.util.Map.entry("relay.localhost", "relay-localhost"), java.util.Map.entry("logger.localhost", "logger-localhost"));
    assertThat(pki.curvePublicKeys()).containsOnlyKeys("relay-localhost", "logger-localhost");
    assertThat(pki.ssldir().resolve("relay-localhost.curve_secret")).exists();
    assertThat(pki.crl()).exists();

    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(pki.caCertificate()).crl(pki.crl())
        .backgroundRefresh(false).build())) {
      for (String certname : pki.certnames().values()) {
        Signer signer = Signer.load(pki.ssldir(), certname);
        assertThat(trust.verify(signer.chain(), signer.algorithm(), data, signer.sign(data), Profile.STRONG))
            .isInstanceOf(VerificationResult.Valid.class);
        assertThat(trust.verify(signer.chain(), SignatureAlgorithm.RSA_SHA1, data, signer.signRsaSha1(data), Profile.LEGACY))
            .as("fedmsg/1").isInstanceOf(VerificationResult.Valid.class);
      }
    }
  }

  @Test
  void create_existingPki_refused() {
    ThrowawayPki.create(tmp.resolve("pki"), "localhost", List.of("relay"));
    CertificateAuthorityTest.assertReason(() -> ThrowawayPki.create(tmp.resolve("pki"), "localhost", List.of("relay")),
        CertsException.Reason.ALREADY_EXISTS);
  }
}
