package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.Test;

class PemTest {

  /* --------------- certificates --------------- */

  @Test
  void readCertificate_textDumpBeforeBlock_skipsDump() {
    String text = Vectors.text("fedmsg-test-certs/shell-app01.phx2.fedoraproject.org.crt");
    assertThat(text).startsWith("Certificate:");

    X509Certificate cert = Pem.readCertificate(text);

    assertThat(Certificates.commonName(cert)).isEqualTo("shell-app01.phx2.fedoraproject.org");
    assertThat(cert.getSerialNumber().intValue()).isEqualTo(3);
  }

  @Test
  void encodeCertificate_everyVectorCertificate_reproducesReferencePemByteForByte() {
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : Vectors.vectors()) {
      JsonNode field = v.get("signed").get("certificate");
      if (field == null || v.get("name").asText().equals("certificate_garbage")) {
        continue;
      }
      String referencePem = new String(Pem.base64DecodeLenient(field.asText()), StandardCharsets.US_ASCII);
      String ours = Pem.encodeCertificate(Pem.readCertificate(referencePem));
      if (!ours.equals(referencePem)) {
        errors.add(v.get("name").asText());
      }
      checked++;
    }
    assertThat(errors).isEmpty();
    assertThat(checked).isGreaterThan(25);
  }

  @Test
  void encodeCertificate_layout_is64ColumnsWithTrailingNewline() {
    String pem = Pem.encodeCertificate(Vectors.cert("shell-app01.phx2.fedoraproject.org.crt"));
    String[] lines = pem.split("\n", -1);

    assertThat(lines[0]).isEqualTo("-----BEGIN CERTIFICATE-----");
    assertThat(lines[lines.length - 2]).isEqualTo("-----END CERTIFICATE-----");
    assertThat(lines[lines.length - 1]).isEmpty();
    for (int i = 1; i < lines.length - 3; i++) {
      assertThat(lines[i]).hasSize(64);
    }
  }

  @Test
  void readCertificates_bundleWithTextBetweenBlocks_readsAllInOrder() {
    TestPki.Issued a = TestPki.rootCa("a").build();
    TestPki.Issued b = TestPki.rootCa("b").build();
    String text = "intro\n" + TestPki.pem(a.certificate()) + "some words\n" + TestPki.pem(b.certificate()) + "tail";

    assertThat(Pem.readCertificates(text)).containsExactly(a.certificate(), b.certificate());
  }

  @Test
  void readCertificates_noBlock_throwsIllegalArgument() {
    assertThatThrownBy(() -> Pem.readCertificates("hello")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readCertificates_garbageInBlock_throwsIllegalArgument() {
    String text = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assertThatThrownBy(() -> Pem.readCertificates(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readCertificates_unterminatedBlock_throwsIllegalArgument() {
    assertThatThrownBy(() -> Pem.readCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 300)
  void readCertificates_arbitraryText_returnsOrThrowsIllegalArgument(@ForAll String junk) {
    String text = "-----BEGIN CERTIFICATE-----\n" + junk + "\n-----END CERTIFICATE-----\n";
    try {
      assertThat(Pem.readCertificates(text)).isNotEmpty();
    } catch (IllegalArgumentException expected) {
      // the only failure allowed
    }
  }

  /* --------------- CRLs --------------- */

  @Test
  void readCrls_fixtureCrl_listsRevokedSerial2() {
    List<X509CRL> crls = Pem.readCrls(Vectors.text("fedmsg-test-certs/crl.pem"));

    assertThat(crls).hasSize(1);
    assertThat(crls.get(0).getRevokedCertificate(java.math.BigInteger.TWO)).isNotNull();
  }

  @Test
  void readCrls_noBlock_throwsIllegalArgument() {
    assertThatThrownBy(() -> Pem.readCrls("nothing")).isInstanceOf(IllegalArgumentException.class);
  }

  /* --------------- private keys --------------- */

  @Test
  void readPrivateKey_pkcs8Fixture_readsRsa() {
    PrivateKey key = Pem.readPrivateKey(Vectors.text("fedmsg-test-certs/shell-app01.phx2.fedoraproject.org.key"), null);
    assertThat(key.getAlgorithm()).isEqualTo("RSA");
  }

  @Test
  void readPrivateKey_pkcs1Fixture_readsRsa() {
    String text = Vectors.text("fedmsg-test-certs/signed_by_expired_ca.key");
    assertThat(text).contains("BEGIN RSA PRIVATE KEY");

    assertThat(Pem.readPrivateKey(text, null).getAlgorithm()).isEqualTo("RSA");
  }

  @Test
  void readPrivateKey_sec1EcWithParametersBlock_readsEc() throws Exception {
    KeyPair kp = TestPki.generate(KeyType.EC_P256);
    // as `openssl ecparam -genkey` writes it: curve OID block, then SEC1 with the curve inside
    PrivateKey bcKey = java.security.KeyFactory.getInstance("EC", Providers.bc())
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(kp.getPrivate().getEncoded()));
    String text = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
        + TestPki.pem(bcKey);
    assertThat(text).contains("BEGIN EC PRIVATE KEY");

    PrivateKey key = Pem.readPrivateKey(text, null);

    assertThat(Keys.kind(key)).isEqualTo(Keys.Kind.EC_P256);
    assertThat(((java.security.interfaces.ECPrivateKey) key).getS()).isEqualTo(((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS());
  }

  @Test
  void readPrivateKey_ed25519Pkcs8_readsEd25519() throws Exception {
    KeyPair kp = TestPki.generate(KeyType.ED25519);
    String text = pkcs8(kp.getPrivate());

    assertThat(Keys.kind(Pem.readPrivateKey(text, null))).isEqualTo(Keys.Kind.ED25519);
  }

  @Test
  void readPrivateKey_encryptedPkcs8_readsWithPassphrase() throws Exception {
    KeyPair kp = TestPki.generate(KeyType.EC_P256);
    var enc = new JceOpenSSLPKCS8EncryptorBuilder(PKCSObjectIdentifiers.des_EDE3_CBC)
        .setProvider(Providers.bc()).setPassword("s3cret".toCharArray()).build();
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(new JcaPKCS8Generator(kp.getPrivate(), enc));
    }
    String text = sw.toString();
    assertThat(text).contains("BEGIN ENCRYPTED PRIVATE KEY");

    assertThat(Pem.readPrivateKey(text, "s3cret".toCharArray()).getEncoded()).isEqualTo(kp.getPrivate().getEncoded());
    assertThatThrownBy(() -> Pem.readPrivateKey(text, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encrypted");
    assertThatThrownBy(() -> Pem.readPrivateKey(text, "wrong".toCharArray())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readPrivateKey_encryptedPkcs1_readsWithPassphrase() throws Exception {
    KeyPair kp = TestPki.generate(KeyType.RSA_1024);
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(new JcaMiscPEMGenerator(kp.getPrivate(),
          new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(Providers.bc()).build("pw".toCharArray())));
    }
    String text = sw.toString();
    assertThat(text).contains("Proc-Type: 4,ENCRYPTED");

    assertThat(Pem.readPrivateKey(text, "pw".toCharArray()).getAlgorithm()).isEqualTo("RSA");
    assertThatThrownBy(() -> Pem.readPrivateKey(text, null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readPrivateKey_certificateOnly_throwsIllegalArgument() {
    String text = Vectors.text("fedmsg-test-certs/ca.crt");
    assertThatThrownBy(() -> Pem.readPrivateKey(text, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no private key");
  }

  /* --------------- base64 --------------- */

  @Test
  void base64DecodeLenient_wrappedLines_ignoresNewlines() {
    assertThat(Pem.base64DecodeLenient("aGVs\nbG8=\n")).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void base64DecodeLenient_badPadding_throwsIllegalArgument() {
    assertThatThrownBy(() -> Pem.base64DecodeLenient("aGVsbG8")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void base64Wrapped76_128Bytes_makes76And76And20() {
    byte[] data = new byte[128];
    String s = Pem.base64Wrapped76(data);

    assertThat(s.split("\n")).extracting(String::length).containsExactly(76, 76, 20);
    assertThat(s).endsWith("\n");
    assertThat(Base64.getMimeDecoder().decode(s)).isEqualTo(data);
  }

  private static String pkcs8(PrivateKey key) throws Exception {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(new JcaPKCS8Generator(key, null));
    }
    return sw.toString();
  }
}
