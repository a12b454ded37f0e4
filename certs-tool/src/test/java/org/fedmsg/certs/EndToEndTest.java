package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * init-ca → issue → sign with the issued key → verify against ca.crt and crl.pem; revoke → crl →
 * the same signature is rejected as revoked. Uses the command line and the crypto module as the
 * bus does (the bus-level version lives with the bus).
 */
class EndToEndTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"rsa:2048", "ec:p256", "ed25519"})
  void issueSignVerify_thenRevoke_rejectedAsRevoked(String keyType) throws Exception {
    String dir = tmp.resolve("ssl").toString();
    assertThat(CertsRun.run("init-ca", "--dir", dir, "--name", "Bus CA", "--key", "ec:p256").exit()).isZero();
    CertsRun.Result issued = CertsRun.run("issue", "bodhi", "--host", "app01.example.com", "--key", keyType, "--dir", dir);
    assertThat(issued.exit()).as(issued.err()).isZero();

    Signer signer = Signer.load(Path.of(dir), "bodhi-app01.example.com");
    byte[] data = "{\"topic\":\"org.fedoraproject.dev.bodhi.update.request\"}".getBytes(StandardCharsets.UTF_8);
    byte[] signature = signer.sign(data);
    assertThat(signer.commonName()).isEqualTo("bodhi-app01.example.com");

    try (TrustStore trust = trustStore(dir)) {
      VerificationResult result = trust.verify(signer.chain(), signer.algorithm(), data, signature, Profile.STRONG);
      assertThat(result).isInstanceOfSatisfying(VerificationResult.Valid.class,
          v -> assertThat(v.signer().commonName()).isEqualTo("bodhi-app01.example.com"));
    }

    assertThat(CertsRun.run("revoke", "bodhi-app01.example.com", "--reason", "key-compromise", "--dir", dir).exit()).isZero();
    assertThat(CertsRun.run("crl", "--dir", dir).exit()).isZero();

    try (TrustStore trust = trustStore(dir)) {
      VerificationResult result = trust.verify(signer.chain(), signer.algorithm(), data, signature, Profile.STRONG);
      assertThat(result).isInstanceOfSatisfying(VerificationResult.Invalid.class,
          inv -> assertThat(inv.reason()).isEqualTo(VerificationResult.Reason.CERT_REVOKED));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa:2048"})
  void renewedCertificate_verifiesWithTheSameKey(String keyType) throws Exception {
    String dir = tmp.resolve("ssl").toString();
    CertsRun.run("init-ca", "--dir", dir, "--name", "Bus CA", "--key", "ed25519");
    CertsRun.run("issue", "fas", "--host", "app02", "--key", keyType, "--dir", dir);
    Signer before = Signer.load(Path.of(dir), "fas-app02");
    assertThat(CertsRun.run("renew", "fas-app02", "--dir", dir).exit()).isZero();
    Signer after = Signer.load(Path.of(dir), "fas-app02");

    assertThat(after.certificate().getSerialNumber()).isNotEqualTo(before.certificate().getSerialNumber());
    byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
    try (TrustStore trust = trustStore(dir)) {
      for (Signer s : List.of(before, after)) {
        assertThat(trust.verify(s.chain(), s.algorithm(), data, s.sign(data), Profile.STRONG))
            .isInstanceOf(VerificationResult.Valid.class);
      }
    }
  }

  static TrustStore trustStore(String dir) {
    return TrustStore.create(TrustOptions.builder()
        .ca(Path.of(dir, "ca.crt"))
        .crl(Path.of(dir, "crl.pem"))
        .backgroundRefresh(false)
        .build());
  }
}
