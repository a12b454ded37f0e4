package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.crypto.Pem;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code policy lint --cert-dir} reads signer names exactly as the bus does. */
class PolicyCommonNamesTest {
  @TempDir Path dir;

  private static void write(Path file, String text, RDN... rdns) throws Exception {
    KeyPair key = TestPki.generate(TestPki.KeyType.EC_P256);
    X500Name name = new X500Name(rdns);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    var cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        Date.from(now), Date.from(now.plus(1, ChronoUnit.DAYS)), name, key.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    Files.writeString(file, text + Pem.encodeCertificate(cert));
  }

  @Test
  void commonNames_twoCns_firstAsTheBus_multiValuedRdnSkippedWithReason() throws Exception {
    write(dir.resolve("two.crt"), "Certificate:\n    Data: (openssl x509 -text dump)\n",
        new RDN(BCStyle.CN, new DERUTF8String("pkgdb-app01.example.org")),
        new RDN(BCStyle.CN, new DERUTF8String("shell-app07.example.org")));
    write(dir.resolve("multi.crt"), "", new RDN(new AttributeTypeAndValue[] {
        new AttributeTypeAndValue(BCStyle.OU, new DERUTF8String("pkgdb-app01")),
        new AttributeTypeAndValue(BCStyle.CN, new DERUTF8String("shell-app07.phx2.fedoraproject.org"))}));
    StringWriter err = new StringWriter();
    assertThat(PolicyCommand.commonNames(dir, new PrintWriter(err, true))).containsExactly("pkgdb-app01.example.org");
    assertThat(err.toString()).contains("multi.crt").contains("multi-valued RDN");
  }
}
