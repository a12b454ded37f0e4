package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one reader of a certificate's common name: the attribute whose type is CN, never a guess. */
class CertificatesTest {
  private static final Path OPENSSL = Path.of("/usr/bin/openssl");
  private static final KeyPair KEY = TestPki.generate(TestPki.KeyType.EC_P256);

  @TempDir Path tmp;

  private static RDN single(ASN1ObjectIdentifier type, String value) {
    return new RDN(type, new DERUTF8String(value));
  }

  private static RDN multi(ASN1ObjectIdentifier t1, String v1, ASN1ObjectIdentifier t2, String v2) {
    return new RDN(new AttributeTypeAndValue[] {
        new AttributeTypeAndValue(t1, new DERUTF8String(v1)), new AttributeTypeAndValue(t2, new DERUTF8String(v2))});
  }

  private static X509Certificate selfSigned(RDN... rdns) throws Exception {
    X500Name name = new X500Name(rdns);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
        Date.from(now), Date.from(now.plus(1, ChronoUnit.DAYS)), name, KEY.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(KEY.getPrivate())));
  }

  @Test
  void commonName_singleCnAmongOtherAttributes_isTheCnValue() throws Exception {
    X509Certificate c = selfSigned(single(BCStyle.C, "US"), single(BCStyle.OU, "pkgdb-app01.example.org"),
        single(BCStyle.CN, "shell-app07.example.org"));
    assertThat(Certificates.commonName(c)).isEqualTo("shell-app07.example.org");
  }

  @Test
  void commonName_cnInMultiValuedRdnWithOuFirst_refused() throws Exception {
    RDN rdn = multi(BCStyle.OU, "pkgdb-app01.x", BCStyle.CN, "shell-app07.phx2.fedoraproject.org");
    assertThat(rdn.getFirst().getType()).isEqualTo(BCStyle.OU);
    X509Certificate c = selfSigned(rdn);
    assertThatThrownBy(() -> Certificates.commonName(c)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multi-valued RDN");
  }

  @Test
  void commonName_cnInMultiValuedRdnWithCnFirst_refusedToo() throws Exception {
    X509Certificate c = selfSigned(multi(BCStyle.CN, "a.example.org", BCStyle.OU, "pkgdb-app01.example.org.long"));
    assertThatThrownBy(() -> Certificates.commonName(c)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void commonName_multiValuedRdnWithoutCn_doesNotMatter() throws Exception {
    X509Certificate c = selfSigned(multi(BCStyle.O, "Fedora", BCStyle.OU, "infra"),
        single(BCStyle.CN, "bodhi-app01.example.org"));
    assertThat(Certificates.commonName(c)).isEqualTo("bodhi-app01.example.org");
  }

  @Test
  void commonName_noCn_isEmpty() throws Exception {
    assertThat(Certificates.commonName(selfSigned(single(BCStyle.O, "Fedora")))).isEmpty();
  }

  @Test
  void commonName_twoCns_isTheFirstInEncodingOrder_asOpensslPrintsIt() throws Exception {
    X509Certificate c = selfSigned(single(BCStyle.CN, "pkgdb-app01.example.org"),
        single(BCStyle.OU, "infra"), single(BCStyle.CN, "shell-app07.example.org"));
    assertThat(Certificates.commonName(c)).isEqualTo("pkgdb-app01.example.org");

    // The reference reads get_subject().CN (OpenSSL's X509_NAME_get_text_by_NID: the first CN
    // entry); openssl x509 -subject lists the entries in the same encoding order.
    assumeTrue(Files.isExecutable(OPENSSL), "needs /usr/bin/openssl");
    Path pem = Files.writeString(tmp.resolve("two-cn.crt"), Pem.encodeCertificate(c));
    Process p = new ProcessBuilder(OPENSSL.toString(), "x509", "-in", pem.toString(), "-noout", "-subject",
        "-nameopt", "multiline").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    String firstCn = out.lines().filter(l -> l.strip().startsWith("commonName"))
        .map(l -> l.substring(l.indexOf('=') + 1).strip()).findFirst().orElseThrow();
    assertThat(Certificates.commonName(c)).isEqualTo(firstCn);
  }

  @Test
  void identity_ofRefusedName_throws_andChainValidationRefusesIt() throws Exception {
    X509Certificate c = selfSigned(multi(BCStyle.OU, "p", BCStyle.CN, "shell-app07.example.org"));
    assertThatThrownBy(() -> Certificates.identity(c)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Certificates.displayName(c)).contains("shell-app07.example.org");
  }
}
