package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.crypto.Pem;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.Fedmsg1;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Signer confusion (issue 10 item 7): a certificate whose subject is {@code
 * OU=pkgdb-app01…+CN=shell-app07…}, issued by the CA the bus trusts to a holder of shell-app07's
 * key, must not speak for pkgdb-app01. Mounted as an outsider would: fedmsg/1 frames signed with
 * the attacker's own key, carrying the crafted certificate, sent by a plain JeroMQ PUB socket into
 * a real validating relay. The forged message is sent between two genuine ones on a connection
 * known to be up, so its refusal (and its reason) is checked without waiting on counters.
 */
@Timeout(60)
class SignerConfusionAttackTest {
  private static final String TOPIC = "org.fedoraproject.dev.pkgdb.package.update";
  private static final String PKGDB = "pkgdb-app01.example.org";
  private static final String SHELL = "shell-app07.phx2.fedoraproject.org";
  private static final String POLICY = """
      default: allow
      rules:
        - topics: ["pkgdb.*"]
          signers: ["pkgdb-app01.*"]
          effect: allow
      """;

  @Test
  void multiValuedRdnNamingPkgdb_rejectedAtRelay_genuinePkgdbFlows() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("fedmsg test ca").keyType(TestPki.KeyType.RSA_2048).build();
    TestPki.Issued pkgdb = ca.issue(PKGDB).keyType(TestPki.KeyType.RSA_2048).build();
    TestPki.Issued shell = ca.issue(SHELL).keyType(TestPki.KeyType.RSA_2048).build();
    X509Certificate crafted = craftedLeaf(ca, shell.certificate());
    Signer genuine = Signer.of(pkgdb.privateKey(), pkgdb.chain());
    Signer attacker = Signer.of(shell.privateKey(), shell.chain());

    try (AttackedRelay r = AttackedRelay.start(ca.certificate(), POLICY)) {
      // Genuine messages until one comes out: the attacker's connection is then up, and from
      // here on the relay reads what it sends in order, so nothing below depends on timing.
      Message first = null;
      for (int n = 0; first == null; n++) {
        assertThat(n).as("the path through the relay comes up").isLessThan(500);
        r.send(TOPIC, Fedmsg1.signToWire(body("genuine"), genuine));
        first = r.forwarded.poll(20, TimeUnit.MILLISECONDS);
      }
      r.rejections.clear();

      // The attacker signs with its own key, then swaps in the crafted certificate (fedmsg/1
      // signs the body without the certificate, so the signature still verifies with its key).
      ObjectNode forged = Fedmsg1.sign(body("forged"), attacker);
      forged.put("certificate", Pem.base64Wrapped76(Pem.encodeCertificate(crafted).getBytes(UTF_8)));
      r.send(TOPIC, Fedmsg1.wireBody(forged));
      ObjectNode marker = body("genuine");
      marker.set("msg", Json.object().put("who", "genuine").put("marker", true));
      r.send(TOPIC, Fedmsg1.signToWire(marker, genuine));

      // Everything forwarded up to the marker: the forged message, sent before it, is not there.
      List<Message> received = new ArrayList<>(List.of(first));
      while (received.stream().noneMatch(m -> m.msg().path("marker").asBoolean())) {
        Message m = r.forwarded.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("the genuine message after the forged one is forwarded").isNotNull();
        received.add(m);
      }
      assertThat(received).allSatisfy(m -> {
        assertThat(m.msg().path("who").asText()).isEqualTo("genuine");
        assertThat(m.signer()).isEmpty(); // the subscriber does not validate; the relay did
      });
      // The relay refused the forged message, for the certificate, before it read the marker.
      assertThat(r.rejections).singleElement().satisfies(rejection -> {
        assertThat(rejection.reason()).isEqualTo(Reason.UNTRUSTED_CHAIN);
        assertThat(rejection.topic()).isEqualTo(TOPIC);
      });
      assertThat(r.relay.stats().rejected(Reason.NOT_AUTHORIZED)).isZero();
    }
  }

  private static ObjectNode body(String who) {
    ObjectNode b = Json.object();
    b.put("topic", TOPIC);
    b.set("msg", Json.object().put("who", who));
    b.put("timestamp", Instant.now().getEpochSecond());
    b.put("msg_id", Instant.now().atZone(java.time.ZoneOffset.UTC).getYear() + "-" + UUID.randomUUID());
    b.put("i", 1);
    b.put("username", "attacker");
    return b;
  }

  /** The attacker's certificate as a CA that signs whatever subject a request carries would issue it. */
  static X509Certificate craftedLeaf(TestPki.Issued ca, X509Certificate attackers) throws Exception {
    RDN both = new RDN(new AttributeTypeAndValue[] {
        new AttributeTypeAndValue(BCStyle.OU, new DERUTF8String(PKGDB)),
        new AttributeTypeAndValue(BCStyle.CN, new DERUTF8String(SHELL))});
    X500Name subject = new X500Name(new RDN[] {both});
    // DER sorts a SET by encoding: the shorter OU attribute comes first, the order of the attack.
    assertThat(both.getFirst().getType()).isEqualTo(BCStyle.OU);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
        BigInteger.valueOf(0x7777), Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(30, ChronoUnit.DAYS)),
        subject, attackers.getPublicKey());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withRSA").build(ca.privateKey())));
  }

}
