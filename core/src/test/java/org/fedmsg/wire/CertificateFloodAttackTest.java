package org.fedmsg.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.ReferencePki;
import org.fedmsg.Relay;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Issue 10 item 5: unauthenticated peers send a relay signed-looking messages, each with a unique
 * large self-signed certificate (a ~15 K-character fedmsg/1 field, a ~16 KB fedmsg/2 chain; signed with
 * the certificate's own key), plus 200 KB ones. The parse caches used to keep every one of them
 * (bounded by count only, filled before the chain was checked): a 512 MB heap went in 30 s. Now
 * nothing that did not validate is cached, the caches' weighed sizes stay under their bounds, and
 * signed traffic from a trusted publisher keeps flowing through the relay.
 */
@Timeout(120)
class CertificateFloodAttackTest {
  private static final String TOPIC = "org.fedoraproject.dev.attack.flood";
  private static final int ROUNDS = 10;
  private static final int PER_ROUND = 20;   // 10 fedmsg/1 + 10 fedmsg/2
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  @Test
  void uniqueLargeSelfSignedCertificates_notCached_goodTrafficFlows() throws Exception {
    KeyPair rsa = generate("RSA", 2048);
    KeyPair ec = generate("EC", 256);
    try (ReferencePki pki = ReferencePki.in(dir);
        Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").verifier(MessageVerifier.builder().trust(pki.trust()).build()).build());
        ZContext ctx = new ZContext(1);
        Bus good = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
            .validateSignatures(false).signer(Signer.load(pki.ssldir(), ReferencePki.APP01)).build())) {
      TrustStore trust = pki.trust();
      ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
      sub.setReceiveTimeOut(100);
      sub.subscribe(new byte[0]);
      sub.connect(relay.outboundEndpoint());
      ZMQ.Socket attacker = ctx.createSocket(SocketType.PUB);
      attacker.setSndHWM(100_000);
      attacker.connect(relay.inboundEndpoint());
      Set<String> sent = new HashSet<>();
      // the subscriber may join late: send good messages until one arrives
      awaitFirst(good, sub, sent);
      long fieldCacheBefore = Fedmsg1.CERTIFICATES.weighedBytes();
      long trustCacheBefore = trust.parsedCacheBytes();

      int attacks = 0;
      for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < PER_ROUND / 2; i++) {
          send(attacker, fedmsg1(rsa, bigCertificate(rsa, "SHA256withRSA", 7_500)));  // field just under the limit
          send(attacker, fedmsg2(ec, bigCertificate(ec, "SHA256withECDSA", 15_500)));  // chain just under the limit
          attacks += 2;
        }
        String n = "good-" + round;
        good.publish("attack", "flood", Map.of("n", n));
        sent.add(n);
      }
      // and a few far over the certificate size limit (the messages stay under max_message_size)
      for (int i = 0; i < 3; i++) {
        send(attacker, fedmsg1(rsa, bigCertificate(rsa, "SHA256withRSA", 200_000)));
        attacks++;
      }
      int expected = attacks;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      Set<String> got = new HashSet<>();
      while (System.nanoTime() < deadline
          && (!got.containsAll(sent) || rejected(relay) < expected)) {
        receiveInto(sub, got);
      }
      assertThat(got).as("signed messages through the relay").containsAll(sent);
      assertThat(rejected(relay)).as("every attack message rejected").isEqualTo(expected);

      assertThat(trust.parsedCacheBytes()).isLessThanOrEqualTo(TrustStore.PARSED_CACHE_BYTES);
      assertThat(Fedmsg1.CERTIFICATES.weighedBytes()).isLessThanOrEqualTo(CertificateFieldCache.MAX_BYTES);
      // None of the attacker certificates (~3 MB) is kept: at most the good signer's field was added.
      assertThat(trust.parsedCacheBytes() - trustCacheBefore).isLessThan(64 * 1024);
      assertThat(Fedmsg1.CERTIFICATES.weighedBytes() - fieldCacheBefore).isLessThan(64 * 1024);
    }
  }

  private static long rejected(Relay relay) {
    return relay.stats().rejected();
  }

  private static void awaitFirst(Bus good, ZMQ.Socket sub, Set<String> sent) {
    Set<String> got = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; got.isEmpty(); i++) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no signed message came through the relay");
      }
      good.publish("attack", "flood", Map.of("n", "warm-up-" + i));
      receiveInto(sub, got);
    }
    while (sub.recv(ZMQ.DONTWAIT) != null) {
      // the rest of the warm-up
    }
  }

  private static void receiveInto(ZMQ.Socket sub, Set<String> got) {
    byte[] topic = sub.recv();
    if (topic == null) {
      return;
    }
    List<byte[]> frames = new ArrayList<>();
    while (sub.hasReceiveMore()) {
      frames.add(sub.recv());
    }
    String body = new String(frames.get(0), UTF_8);
    int at = body.indexOf("\"n\":\"");
    if (at >= 0) {
      got.add(body.substring(at + 5, body.indexOf('"', at + 5)));
    }
  }

  private static void send(ZMQ.Socket pub, byte[][] frames) {
    for (int i = 0; i < frames.length; i++) {
      pub.send(frames[i], i < frames.length - 1 ? ZMQ.SNDMORE : 0);
    }
  }

  private static ObjectNode body() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("topic", TOPIC);
    body.putObject("msg").put("payload", "x");
    body.put("timestamp", Instant.now().getEpochSecond());
    body.put("msg_id", UUID.randomUUID().toString());
    body.put("i", 1);
    body.put("username", "attacker");
    return body;
  }

  /** A fedmsg/1 message signed (RSA-SHA1, as the format wants) by the certificate's own key. */
  private static byte[][] fedmsg1(KeyPair key, X509Certificate cert) {
    ObjectNode signed = Fedmsg1.sign(body(), Signer.of(key.getPrivate(), List.of(cert)));
    return new byte[][] {TOPIC.getBytes(UTF_8), Fedmsg1.wireBody(signed)};
  }

  /** A fedmsg/2 message whose chain is the certificate, signed by its key. */
  private static byte[][] fedmsg2(KeyPair key, X509Certificate cert) {
    ObjectNode body = body();
    body.put("epoch", "0123456789abcdef");
    body.put("seq", 1);
    return Fedmsg2.encode(TOPIC, body, Signer.of(key.getPrivate(), List.of(cert)));
  }

  private static KeyPair generate(String algorithm, int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    g.initialize(bits);
    return g.generateKeyPair();
  }

  /** A unique self-signed certificate carrying {@code padding} random bytes in a private extension. */
  private static X509Certificate bigCertificate(KeyPair key, String signatureAlgorithm, int padding) throws Exception {
    byte[] junk = new byte[padding];
    RANDOM.nextBytes(junk);
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=attacker-" + UUID.randomUUID());
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), name, key.getPublic());
    b.addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), false, new DEROctetString(junk));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(key.getPrivate())));
  }
}
