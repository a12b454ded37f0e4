package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Pem;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestClock;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay attacks mounted as an outsider against a running {@link Relay}: raw frames from a plain
 * JeroMQ socket, certificates re-encoded or renewed in the test, a rights-less certificate, a
 * restart. Each shows the replay dropped (not forwarded, counted under its cause) while fresh
 * good messages keep flowing.
 */
@Timeout(120)
class ReplayAttackTest {
  private static final String TOPIC = RawRelayHarness.TOPIC;

  static TestPki.Issued ca;
  static TestPki.Issued leaf;
  static X509Certificate renewed;
  static Signer good;
  static Signer goodRenewed;
  static Signer rightless;
  static TrustStore trust;

  @TempDir Path dir;

  @BeforeAll
  static void pki() throws Exception {
    ca = TestPki.rootCa("replay-attack-ca").keyType(KeyType.RSA_2048).build();
    leaf = ca.issue("svc-good.example.org").keyType(KeyType.RSA_2048).build();
    TestPki.Issued nobody = ca.issue("svc-nobody.example.org").keyType(KeyType.RSA_2048).build();
    good = Signer.of(leaf.privateKey(), leaf.chain());
    // fedmsg-certs renew keeps the key: same subject and key, new serial and dates
    renewed = renewSameKey(ca, leaf.certificate());
    goodRenewed = Signer.of(leaf.privateKey(), List.of(renewed));
    rightless = Signer.of(nobody.privateKey(), nobody.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  /* --------------- messages --------------- */

  static ObjectNode body(String msgId, Instant now) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", TOPIC).put("timestamp", now.getEpochSecond()).put("msg_id", msgId).put("i", 1)
        .put("username", "attacker-test");
    b.putObject("msg").put("hello", "world");
    return b;
  }

  static List<byte[]> v1(ObjectNode signed) {
    return List.of(TOPIC.getBytes(UTF_8), Fedmsg1.wireBody(signed));
  }

  static List<byte[]> fresh1(Signer s, Instant now) {
    return v1(Fedmsg1.sign(body(RawRelayHarness.id(), now), s));
  }

  static String msgId(List<byte[]> frames) {
    return CanonicalJson.parse(frames.get(1)).get("msg_id").textValue();
  }

  /** The fedmsg/1 {@code certificate} field for a certificate's DER, as a publisher writes it. */
  static String certificateField(byte[] der) {
    String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(der);
    String pem = "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
    return Pem.base64Wrapped76(pem.getBytes(UTF_8));
  }

  /* --------------- relays --------------- */

  static Relay relay(MessageVerifier verifier) {
    return Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
        .relayInbound("tcp://127.0.0.1:*").verifier(verifier).build());
  }

  /**
   * A relay validating with a verifier (closed with it) and a raw harness on it, through which
   * fresh good messages already flow.
   */
  record Attacked(MessageVerifier verifier, Relay relay, RawRelayHarness harness) implements AutoCloseable {
    static Attacked open(MessageVerifier verifier, LongFunction<List<byte[]>> fresh) {
      Relay relay = null;
      RawRelayHarness h = null;
      try {
        relay = ReplayAttackTest.relay(verifier);
        h = new RawRelayHarness(relay);
        h.awaitFlowing(fresh);
        return new Attacked(verifier, relay, h);
      } catch (RuntimeException | Error e) {
        new Attacked(verifier, relay, h).close();
        throw e;
      }
    }

    @Override
    public void close() {
      if (harness != null) {
        harness.close();
      }
      if (relay != null) {
        relay.close();
      }
      verifier.close();
    }
  }

  static long cause(Relay relay, String reasonAndCause) {
    return relay.stats().rejectedByCause().getOrDefault(reasonAndCause, 0L);
  }

  /* --------------- 1. re-encoded certificates (fedmsg/1) --------------- */

  @Test
  void fedmsg1_replayWithReencodedCertificate_droppedAsDuplicate_freshStillFlow() throws Exception {
    try (Attacked a = Attacked.open(MessageVerifier.builder().trust(trust).build(),
        n -> fresh1(good, Instant.now()))) {
      Relay relay = a.relay();
      RawRelayHarness h = a.harness();
      ObjectNode signed = Fedmsg1.sign(body(RawRelayHarness.id(), Instant.now()), good);
      h.sendExpectForwarded(v1(signed));

      int acceptedEncodings = 0;
      for (Map.Entry<String, byte[]> variant : reencodings(leaf.certificate().getEncoded()).entrySet()) {
        // is this encoding of the certificate accepted at all (as the reference accepts it)?
        ObjectNode freshSigned = Fedmsg1.sign(body(RawRelayHarness.id(), Instant.now()), good);
        freshSigned.put("certificate", certificateField(variant.getValue()));
        List<byte[]> marker = fresh1(good, Instant.now());
        List<byte[]> out = h.sendThenMarker(v1(freshSigned), marker);
        boolean accepted = msgId(out).equals(freshSigned.get("msg_id").textValue());
        if (accepted) {
          acceptedEncodings++;
          assertThat(msgId(h.next())).isEqualTo(msgId(marker));
        }
        long duplicatesBefore = cause(relay, "DUPLICATE/duplicate");
        ObjectNode replay = signed.deepCopy().put("certificate", certificateField(variant.getValue()));
        List<byte[]> marker2 = fresh1(good, Instant.now());
        assertThat(msgId(h.sendThenMarker(v1(replay), marker2)))
            .as("replay with the certificate re-encoded (" + variant.getKey() + ") is not forwarded")
            .isEqualTo(msgId(marker2));
        if (accepted) {
          assertThat(cause(relay, "DUPLICATE/duplicate")).as(variant.getKey()).isEqualTo(duplicatesBefore + 1);
        }
      }
      assertThat(acceptedEncodings).as("at least one re-encoding is accepted, as by the reference").isPositive();
    }
  }

  /** Re-encodings of a certificate that leave what its CA signed (the TBS) untouched. */
  static Map<String, byte[]> reencodings(byte[] der) throws Exception {
    Certificate c = Certificate.getInstance(der);
    byte[] tbs = c.getTBSCertificate().getEncoded(ASN1Encoding.DER);
    byte[] alg = c.getSignatureAlgorithm().getEncoded(ASN1Encoding.DER);
    byte[] sigBits = c.getSignature().getBytes();
    Map<String, byte[]> out = new LinkedHashMap<>();
    out.put("non-minimal length of the signature BIT STRING",
        tlv(0x30, tbs, alg, tlvLong(0x03, concat(new byte[] {0}, sigBits), 1)));
    byte[] algNoNull = new DERSequence(new ASN1Encodable[] {c.getSignatureAlgorithm().getAlgorithm()})
        .getEncoded(ASN1Encoding.DER);
    out.put("no NULL in the signature AlgorithmIdentifier", tlv(0x30, tbs, algNoNull, bitString(0, sigBits)));
    out.put("unused bits in the signature BIT STRING", tlv(0x30, tbs, alg, bitString(1, sigBits)));
    out.put("non-minimal length of the outer SEQUENCE", tlvLong(0x30, concat(tbs, alg, bitString(0, sigBits)), 1));
    return out;
  }

  static byte[] bitString(int unusedBits, byte[] bits) {
    return tlv(0x03, concat(new byte[] {(byte) unusedBits}, bits));
  }

  static byte[] tlv(int tag, byte[]... content) {
    return tlvLong(tag, concat(content), 0);
  }

  /** A TLV whose length has {@code extra} superfluous leading zero bytes (0: minimal DER). */
  static byte[] tlvLong(int tag, byte[] content, int extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = content.length;
    if (len < 128 && extra == 0) {
      out.write(len);
    } else {
      byte[] l = BigInteger.valueOf(len).toByteArray();
      int start = l[0] == 0 ? 1 : 0;
      int n = l.length - start;
      out.write(0x80 | (n + extra));
      for (int i = 0; i < extra; i++) {
        out.write(0);
      }
      out.write(l, start, n);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /* --------------- 1. renewed certificate of the same key --------------- */

  static X509Certificate renewSameKey(TestPki.Issued issuer, X509Certificate old) throws Exception {
    Instant nb = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()),
        old.getSerialNumber().add(BigInteger.valueOf(1_000_000)), Date.from(nb),
        Date.from(nb.plus(400, ChronoUnit.DAYS)), X500Name.getInstance(old.getSubjectX500Principal().getEncoded()),
        old.getPublicKey());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.privateKey())));
  }

  @Test
  void fedmsg1_replayWithThePreviousCertificateOfARenewedKey_droppedAsDuplicate() throws Exception {
    try (Attacked a = Attacked.open(MessageVerifier.builder().trust(trust).build(),
        n -> fresh1(goodRenewed, Instant.now()))) {
      Relay relay = a.relay();
      RawRelayHarness h = a.harness();
      ObjectNode signed = Fedmsg1.sign(body(RawRelayHarness.id(), Instant.now()), goodRenewed);
      h.sendExpectForwarded(v1(signed));

      ObjectNode replay = signed.deepCopy().put("certificate", certificateField(leaf.certificate().getEncoded()));
      List<byte[]> marker = fresh1(goodRenewed, Instant.now());
      assertThat(msgId(h.sendThenMarker(v1(replay), marker))).isEqualTo(msgId(marker));
      assertThat(cause(relay, "DUPLICATE/duplicate")).isEqualTo(1);
      // the previous certificate is still a valid one for fresh messages
      List<byte[]> old = fresh1(good, Instant.now());
      h.sendExpectForwarded(old);
    }
  }

  @Test
  void fedmsg2_previousCertificateSwappedIn_breaksTheSignature_replayNotForwarded() throws Exception {
    Fedmsg2.Stamper stamper = Fedmsg2.Stamper.start();
    try (Attacked a = Attacked.open(MessageVerifier.builder().trust(trust).build(),
        n -> fresh2(goodRenewed, stamper))) {
      Relay relay = a.relay();
      RawRelayHarness h = a.harness();
      List<byte[]> original = fresh2(goodRenewed, stamper);
      h.sendExpectForwarded(original);

      List<byte[]> swapped = List.of(original.get(0), original.get(1),
          withChain(original.get(2), leaf.certificate().getEncoded()));
      List<byte[]> marker = fresh2(goodRenewed, stamper);
      assertThat(msgId(h.sendThenMarker(swapped, marker))).isEqualTo(msgId(marker));
      assertThat(cause(relay, "BAD_SIGNATURE/bad-signature")).isEqualTo(1);
      List<byte[]> replay = original;
      List<byte[]> marker2 = fresh2(goodRenewed, stamper);
      assertThat(msgId(h.sendThenMarker(replay, marker2))).isEqualTo(msgId(marker2));
      assertThat(cause(relay, "DUPLICATE/duplicate")).isEqualTo(1);
    }
  }

  static List<byte[]> fresh2(Signer s, Fedmsg2.Stamper stamper) {
    ObjectNode b = stamper.stamp(body(RawRelayHarness.id(), Instant.now()));
    return List.of(Fedmsg2.encode(TOPIC, b, s));
  }

  /** The signature frame with its certificate chain field replaced (layout: docs/wire-format.md). */
  static byte[] withChain(byte[] frame, byte[] chain) {
    ByteBuffer b = ByteBuffer.wrap(frame);
    b.position(5);
    int algLen = b.get() & 0xff;
    b.position(6 + algLen);
    int sigLen = b.getShort() & 0xffff;
    int head = 6 + algLen + 2 + sigLen;
    ByteBuffer out = ByteBuffer.allocate(head + 4 + chain.length);
    out.put(frame, 0, head).putInt(chain.length).put(chain);
    return out.array();
  }

  /* --------------- 2. a rights-less certificate floods the memory --------------- */

  @Test
  void rightlessSignerFloodsIds_thenAuthorisedOldMessageReplayed_droppedAsDuplicate() throws Exception {
    TopicPolicy policy = TopicPolicy.parse("default: deny\nrules:\n  - topics: [\"attack.*\"]\n"
        + "    signers: [\"svc-good.*\"]\n    effect: allow\n", "test", TopicNamespace.DEFAULT);
    try (Attacked a = Attacked.open(MessageVerifier.builder().trust(trust).policy(policy).seenIds(50).build(),
        n -> fresh1(good, Instant.now()))) {
      Relay relay = a.relay();
      RawRelayHarness h = a.harness();
      List<byte[]> authorised = fresh1(good, Instant.now());
      h.sendExpectForwarded(authorised);

      // 300 distinct ids, each sent three times (a cache that counts hits keeps hot keys longest)
      List<List<byte[]>> flood = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        flood.add(fresh1(rightless, Instant.now()));
      }
      for (int round = 0; round < 3; round++) {
        for (List<byte[]> f : flood) {
          h.send(f);
        }
      }
      List<byte[]> marker = fresh1(good, Instant.now());
      assertThat(msgId(h.sendThenMarker(authorised, marker))).as("the old authorised message is not replayed")
          .isEqualTo(msgId(marker));
      assertThat(cause(relay, "DUPLICATE/duplicate")).isEqualTo(1);
      assertThat(cause(relay, "NOT_AUTHORIZED/not-authorized")).isEqualTo(900);
    }
  }

  /* --------------- 3. restart --------------- */

  private FedmsgConfig config(boolean withStateDir) throws Exception {
    Path pki = Files.createDirectories(dir.resolve("pki"));
    ObjectNode tree = JsonNodeFactory.instance.objectNode()
        .put("ca_cert_location", TestPki.writePem(pki.resolve("ca.crt"), ca.certificate()).toString())
        .put("crl_location", TestPki.writePem(pki.resolve("crl.pem"), ca.crl().build()).toString())
        .put("replay_window", "10m");
    if (withStateDir) {
      tree.put("state_dir", dir.resolve("state").toString());
    }
    return FedmsgConfig.of(tree);
  }

  private static Relay relay(FedmsgConfig config, TestClock clock) {
    return Relay.start(BusOptions.builder().clock(clock).apply(config)
        .endpoint("relay_outbound", List.of("tcp://127.0.0.1:*")).relayInbound("tcp://127.0.0.1:*").build());
  }

  /** Accepts one message on a first relay, stops it, starts a second 30 s later, replays. */
  private List<byte[]> acceptThenRestart(FedmsgConfig config, TestClock clock, java.util.function.Consumer<Relay> second)
      throws Exception {
    List<byte[]> accepted;
    try (Relay first = relay(config, clock); RawRelayHarness h = new RawRelayHarness(first)) {
      h.awaitFlowing(n -> fresh1(good, clock.instant()));
      accepted = fresh1(good, clock.instant());
      h.sendExpectForwarded(accepted);
    }
    clock.advance(Duration.ofSeconds(30));
    try (Relay restarted = relay(config, clock); RawRelayHarness h = new RawRelayHarness(restarted)) {
      h.awaitFlowing(n -> fresh1(good, clock.instant()));
      List<byte[]> marker = fresh1(good, clock.instant());
      assertThat(msgId(h.sendThenMarker(accepted, marker))).as("replay after the restart is not forwarded")
          .isEqualTo(msgId(marker));
      second.accept(restarted);
    }
    return accepted;
  }

  @Test
  void restartWithStateDir_replayOfMessageAcceptedBeforeRestart_droppedAsDuplicate() throws Exception {
    TestClock clock = new TestClock(Instant.now());
    acceptThenRestart(config(true), clock,
        restarted -> assertThat(cause(restarted, "DUPLICATE/duplicate")).isEqualTo(1));
  }

  /**
   * A relay and a validating bus (what {@code fedmsg hub} runs) share one {@code state_dir}: each
   * keeps its own journal, so after both restart each refuses a replay as a duplicate (with one
   * shared journal, the second to start fell back to the start rule: OUTSIDE_WINDOW).
   */
  @Test
  void relayAndBusSharingAStateDir_afterBothRestart_eachRefusesTheReplayAsDuplicate() throws Exception {
    TestClock clock = new TestClock(Instant.now());
    FedmsgConfig config = config(true);
    try (org.zeromq.ZContext context = new org.zeromq.ZContext()) {
      org.zeromq.ZMQ.Socket raw = context.createSocket(org.zeromq.SocketType.PUB);
      raw.bind("tcp://127.0.0.1:*");
      List<byte[]> accepted;
      try (Relay relay = relay(config, clock); RawRelayHarness h = new RawRelayHarness(relay);
          HubSide hub = new HubSide(config, clock, raw)) {
        h.awaitFlowing(n -> fresh1(good, clock.instant()));
        accepted = fresh1(good, clock.instant());
        h.sendExpectForwarded(accepted);
        hub.sendExpectDelivered(accepted);
      }
      try (java.util.stream.Stream<Path> journals = Files.list(dir.resolve("state").resolve("replay"))) {
        assertThat(journals.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("relay", "bus-hub");
      }
      clock.advance(Duration.ofSeconds(30));
      try (Relay relay = relay(config, clock); RawRelayHarness h = new RawRelayHarness(relay);
          HubSide hub = new HubSide(config, clock, raw)) {
        h.awaitFlowing(n -> fresh1(good, clock.instant()));
        List<byte[]> marker = fresh1(good, clock.instant());
        assertThat(msgId(h.sendThenMarker(accepted, marker))).isEqualTo(msgId(marker));
        assertThat(cause(relay, "DUPLICATE/duplicate")).isEqualTo(1);
        hub.send(accepted);
        hub.sendExpectDelivered(fresh1(good, clock.instant()));
        assertThat(hub.bus.stats().rejectedByCause()).containsEntry("DUPLICATE/duplicate", 1L)
            .doesNotContainKey("OUTSIDE_WINDOW/outside-window");
      }
    }
  }

  /** A validating bus named {@code hub}, built from the configuration, subscribed to a raw publisher. */
  private static final class HubSide implements AutoCloseable {
    final Bus bus;
    final java.util.concurrent.BlockingQueue<Message> got = new java.util.concurrent.LinkedBlockingQueue<>();
    private final org.zeromq.ZMQ.Socket raw;

    HubSide(FedmsgConfig config, TestClock clock, org.zeromq.ZMQ.Socket raw) throws InterruptedException {
      this.raw = raw;
      bus = Bus.create(BusOptions.builder().clock(clock).apply(config).name("hub")
          .endpoint("hub", List.of("tcp://127.0.0.1:*")).endpoint("raw", List.of(raw.getLastEndpoint())).build());
      bus.subscribe("", got::add);
      // a raw publisher answers no probes: fresh messages until one is delivered
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (got.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS) == null) {
        assertThat(System.nanoTime()).as("the bus receives from the raw publisher").isLessThan(deadline);
        send(fresh1(good, clock.instant()));
      }
    }

    void send(List<byte[]> frames) {
      raw.send(frames.get(0), org.zeromq.ZMQ.SNDMORE);
      raw.send(frames.get(1), 0);
    }

    /** Sends {@code frames}; everything delivered before it is skipped, it must be delivered within 10 s. */
    void sendExpectDelivered(List<byte[]> frames) throws InterruptedException {
      send(frames);
      String id = msgId(frames);
      for (Message m; (m = got.poll(10, java.util.concurrent.TimeUnit.SECONDS)) != null; ) {
        if (id.equals(m.msgId().orElse(""))) {
          return;
        }
      }
      throw new AssertionError(id + " was not delivered");
    }

    @Override
    public void close() {
      bus.close();
    }
  }

  @Test
  void restartWithoutStateDir_replayRefusedBecauseSignedBeforeStart() throws Exception {
    TestClock clock = new TestClock(Instant.now());
    acceptThenRestart(config(false), clock,
        restarted -> assertThat(cause(restarted, "OUTSIDE_WINDOW/outside-window")).isEqualTo(1));
  }

  @Test
  void restartWithUnreadableState_fallsBackToTheStartRule() throws Exception {
    TestClock clock = new TestClock(Instant.now());
    FedmsgConfig config = config(true);
    List<byte[]> accepted;
    try (Relay first = relay(config, clock); RawRelayHarness h = new RawRelayHarness(first)) {
      h.awaitFlowing(n -> fresh1(good, clock.instant()));
      accepted = fresh1(good, clock.instant());
      h.sendExpectForwarded(accepted);
    }
    try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("state").resolve("replay").resolve("relay"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".journal")).toList()) {
        Files.writeString(f, "garbage\n");
      }
    }
    clock.advance(Duration.ofSeconds(30));
    try (Relay restarted = relay(config, clock); RawRelayHarness h = new RawRelayHarness(restarted)) {
      h.awaitFlowing(n -> fresh1(good, clock.instant()));
      List<byte[]> marker = fresh1(good, clock.instant());
      assertThat(msgId(h.sendThenMarker(accepted, marker))).isEqualTo(msgId(marker));
      assertThat(cause(restarted, "OUTSIDE_WINDOW/outside-window")).isEqualTo(1);
    }
  }

  /* --------------- 9. duplicate keys --------------- */

  @Test
  void fedmsg1BodyWithAnInjectedDuplicateMsgKey_notForwarded_genuineStillFlows() throws Exception {
    try (Attacked a = Attacked.open(MessageVerifier.builder().trust(trust).build(),
        n -> fresh1(good, Instant.now()))) {
      Relay relay = a.relay();
      RawRelayHarness h = a.harness();
      List<byte[]> genuine = fresh1(good, Instant.now());
      String text = new String(genuine.get(1), UTF_8);
      // an extra "msg" before the real one: last-wins parsers (Python, Jackson) verify the real one,
      // first-wins readers of the forwarded bytes would see the injected one
      String injected = "{\"msg\":{\"hello\":\"injected\"}," + text.substring(1);
      List<byte[]> attack = List.of(genuine.get(0), injected.getBytes(UTF_8));
      List<byte[]> marker = fresh1(good, Instant.now());
      assertThat(msgId(h.sendThenMarker(attack, marker))).isEqualTo(msgId(marker));
      assertThat(cause(relay, "MALFORMED/duplicate-key")).isEqualTo(1);
      h.sendExpectForwarded(genuine);
    }
  }

  /* --------------- 18.7: internal errors have their own cause --------------- */

  @Test
  void policyThatThrows_failsClosedAndIsCountedAsInternal() throws Exception {
    TopicPolicy allow = TopicPolicy.parse("default: allow\n", "test", TopicNamespace.DEFAULT);
    TopicPolicy broken = (topic, cn) -> {
      if (topic != null && topic.endsWith(".boom")) {
        throw new IllegalStateException("policy bug");
      }
      return allow.decide(topic, cn);
    };
    try (Attacked a = Attacked.open(MessageVerifier.builder().trust(trust).policy(broken).build(),
        n -> fresh1(good, Instant.now()))) {
      Relay relay = a.relay();
      RawRelayHarness h = a.harness();
      String boom = TOPIC + ".boom";
      ObjectNode b = body(RawRelayHarness.id(), Instant.now()).put("topic", boom);
      List<byte[]> trigger = List.of(boom.getBytes(UTF_8), Fedmsg1.signToWire(b, good));
      List<byte[]> marker = fresh1(good, Instant.now());
      assertThat(msgId(h.sendThenMarker(trigger, marker))).isEqualTo(msgId(marker));
      assertThat(cause(relay, "MALFORMED/internal")).isEqualTo(1);
      assertThat(cause(relay, "NOT_AUTHORIZED/not-authorized")).isZero();
    }
  }
}
