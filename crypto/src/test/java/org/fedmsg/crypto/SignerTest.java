package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SignerTest {
  private static final String CERTNAME = "shell-app01.phx2.fedoraproject.org";

  @TempDir Path tmp;

  @Test
  void signRsaSha1_everySignVector_reproducesReferenceSignatureAndCertificateFields() throws Exception {
    Signer signer = Signer.load(Fixtures.copyTestCerts(tmp), CERTNAME);
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : Vectors.vectors()) {
      if (!v.get("kind").asText().equals("sign+validate")) {
        continue;
      }
      assertThat(v.get("certname").asText()).isEqualTo(CERTNAME);
      byte[] data = v.get("canonical_signed_string").asText().getBytes(StandardCharsets.UTF_8);
      JsonNode signed = v.get("signed");

      String signature = Pem.base64Wrapped76(signer.signRsaSha1(data));
      String certificate = Pem.base64Wrapped76(signer.certificatePem().getBytes(StandardCharsets.US_ASCII));

      if (!signature.equals(signed.get("signature").asText())) {
        errors.add(v.get("name").asText() + ": signature");
      }
      if (!certificate.equals(signed.get("certificate").asText())) {
        errors.add(v.get("name").asText() + ": certificate");
      }
      checked++;
    }
    assertThat(errors).isEmpty();
    assertThat(checked).isEqualTo(17);
  }

  @Test
  void load_pkcs1KeyAndCertWithTextDump_loads() throws Exception {
    Path dir = Fixtures.copyTestCerts(tmp);
    Signer signer = Signer.load(dir.resolve("signed_by_expired_ca.key"), dir.resolve("signed_by_expired_ca.crt"));

    assertThat(signer.algorithm()).isEqualTo(SignatureAlgorithm.RSA_SHA256);
    assertThat(signer.chain()).hasSize(1);
  }

  @Test
  void load_keyOfAnotherCertificate_throwsIllegalArgument() throws Exception {
    Path dir = Fixtures.copyTestCerts(tmp);
    assertThatThrownBy(() -> Signer.load(dir.resolve(CERTNAME + ".key"),
        dir.resolve("shell-app02.phx2.fedoraproject.org.crt")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong");
  }

  @Test
  void load_missingFile_throwsIoException() {
    assertThatThrownBy(() -> Signer.load(tmp, "nobody")).isInstanceOf(java.io.IOException.class);
  }

  @ParameterizedTest
  @EnumSource(value = KeyType.class, names = {"RSA_2048", "EC_P256", "ED25519"})
  void sign_strongKey_verifiesWithTheJdkUnderItsAlgorithm(KeyType type) throws Exception {
    TestPki.Issued ca = TestPki.rootCa("ca").build();
    TestPki.Issued leaf = ca.issue("svc").keyType(type).build();
    Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
    byte[] data = "payload".getBytes(StandardCharsets.UTF_8);

    byte[] sig = signer.sign(data);

    String jca = signer.algorithm() == SignatureAlgorithm.ECDSA_P256_SHA256 ? "SHA256withECDSAinP1363Format"
        : signer.algorithm() == SignatureAlgorithm.ED25519 ? "Ed25519" : "SHA256withRSA";
    Signature jdk = Signature.getInstance(jca);
    jdk.initVerify(leaf.certificate().getPublicKey());
    jdk.update(data);
    assertThat(jdk.verify(sig)).isTrue();
    if (type != KeyType.RSA_2048) {
      assertThat(sig).hasSize(64);
    }
  }

  @Test
  void algorithm_perKeyType_isNativeStrongAlgorithm() {
    TestPki.Issued ca = TestPki.rootCa("ca").build();
    assertThat(signerFor(ca, KeyType.RSA_2048).algorithm()).isEqualTo(SignatureAlgorithm.RSA_SHA256);
    assertThat(signerFor(ca, KeyType.EC_P256).algorithm()).isEqualTo(SignatureAlgorithm.ECDSA_P256_SHA256);
    assertThat(signerFor(ca, KeyType.ED25519).algorithm()).isEqualTo(SignatureAlgorithm.ED25519);
  }

  @Test
  void sign_rsa1024_throwsIllegalState() {
    Signer signer = signerFor(TestPki.rootCa("ca").build(), KeyType.RSA_1024);
    assertThatThrownBy(() -> signer.sign(new byte[1])).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1024");
  }

  @Test
  void signRsaSha1_ecKey_throwsIllegalState() {
    Signer signer = signerFor(TestPki.rootCa("ca").build(), KeyType.EC_P256);
    assertThatThrownBy(() -> signer.signRsaSha1(new byte[1])).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void of_emptyChain_throwsIllegalArgument() {
    TestPki.Issued ca = TestPki.rootCa("ca").build();
    assertThatThrownBy(() -> Signer.of(ca.privateKey(), List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toString_namesSignerWithoutKeyMaterial() {
    TestPki.Issued leaf = TestPki.rootCa("ca").build().issue("svc.example.org").keyType(KeyType.RSA_2048).build();
    Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
    java.security.interfaces.RSAPrivateCrtKey k = (java.security.interfaces.RSAPrivateCrtKey) leaf.privateKey();

    String s = signer.toString();

    assertThat(s).contains("svc.example.org").contains("RSA-2048");
    assertThat(s).doesNotContain(k.getPrivateExponent().toString(16)).doesNotContain(k.getPrivateExponent().toString())
        .doesNotContain(HexFormat.of().formatHex(k.getEncoded()).substring(0, 40));
  }

  @Test
  void signRsaSha1_manyThreads_allGetTheDeterministicSignature() throws Exception {
    Signer signer = Signer.load(Fixtures.copyTestCerts(tmp), CERTNAME);
    byte[] data = "same".getBytes(StandardCharsets.UTF_8);
    byte[] expected = signer.signRsaSha1(data);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit(() -> signer.signRsaSha1(data)));
      }
      for (Future<byte[]> f : results) {
        assertThat(f.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Signer signerFor(TestPki.Issued ca, KeyType type) {
    TestPki.Issued leaf = ca.issue("svc").keyType(type).build();
    return Signer.of(leaf.privateKey(), leaf.chain());
  }
}
