package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestClock;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compact fedmsg/2 signature frame (version 3): the chain referenced by its SHA-256. Both
 * forms carry the same signature; a receiver checks a compact frame only against a chain it has
 * verified in full, and checks that chain again (dates, CRL) every time.
 */
class CompactWireTest {
  static final String TOPIC = "org.fedoraproject.prod.bench.message";
  static TestPki.Issued ca;
  static Signer ed;
  static Signer ec;
  static Signer rsa;
  static Signer other;
  static TrustStore trust;

  @TempDir Path dir;

  @BeforeAll
  static void pki() {
    ca = TestPki.rootCa("compact root").keyType(KeyType.EC_P256).build();
    ed = signer("svc-ed", KeyType.ED25519);
    ec = signer("svc-ec", KeyType.EC_P256);
    rsa = signer("svc-rsa", KeyType.RSA_2048);
    other = signer("svc-other", KeyType.ED25519);
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  static Signer signer(String name, KeyType type) {
    TestPki.Issued issued = ca.issue(name).keyType(type).build();
    return Signer.of(issued.privateKey(), issued.chain());
  }

  /** A message whose {@code msg} serialises to exactly {@code payloadBytes} bytes. */
  static ObjectNode body(long seq, int payloadBytes) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", TOPIC).put("timestamp", Instant.now().getEpochSecond())
        .put("msg_id", "2026-" + UUID.randomUUID()).put("i", seq).put("username", "fedmsg");
    b.putObject("msg").put("data", "x".repeat(payloadBytes - "{\"data\":\"\"}".length()));
    return Fedmsg2.Stamper.withEpoch("0123456789abcdef").stamp(b).put("seq", seq);
  }

  static byte[][] full(Signer s, long seq) {
    return Fedmsg2.encode(TOPIC, body(seq, 100), s);
  }

  static List<byte[]> compacted(byte[][] full) {
    return List.of(full[0], full[1], Fedmsg2.compact(full[2]));
  }

  static MessageVerifier archiveVerifier() {
    return MessageVerifier.builder().trust(trust).asOf(Instant.now()).build();
  }

  /** Bytes on a ZMTP 3 connection: each frame has a flags byte and a 1-byte (≤ 255) or 8-byte length. */
  static int wireBytes(List<byte[]> frames) {
    int n = 0;
    for (byte[] f : frames) {
      n += f.length + (f.length <= 255 ? 2 : 9);
    }
    return n;
  }

  /* --------------- the form --------------- */

  @Test
  void compact_keepsTheSignature_andExpandsBackToTheSameBytes() {
    byte[][] f = full(ed, 1);
    byte[] compact = Fedmsg2.compact(f[2]);
    assertThat(Fedmsg2.isCompact(compact)).isTrue();
    assertThat(Fedmsg2.isCompact(f[2])).isFalse();
    SignatureFrame c = SignatureFrame.parse(compact);
    SignatureFrame full = SignatureFrame.parse(f[2]);
    assertThat(c.compact()).isTrue();
    assertThat(c.signature).isEqualTo(full.signature);
    assertThat(c.algorithm).isEqualTo(full.algorithm);
    assertThat(c.chainDigest).isEqualTo(Fedmsg2.chainDigest(full.chain));
    assertThat(c.full(full.chain)).isEqualTo(f[2]);
    assertThat(compact[4]).isEqualTo((byte) 3);
  }

  @Test
  void compactFrame_strictParsing() {
    byte[] compact = Fedmsg2.compact(full(ed, 1)[2]);
    byte[] trailing = Arrays.copyOf(compact, compact.length + 1);
    byte[] truncated = Arrays.copyOf(compact, compact.length - 1);
    MessageVerifier v = archiveVerifier();
    byte[][] f = full(ed, 2);
    for (byte[] bad : List.of(trailing, truncated)) {
      MessageVerifier.Verdict verdict = v.check(List.of(f[0], f[1], bad));
      assertThat(((VerificationResult.Invalid) verdict.result()).reason()).isEqualTo(Reason.MALFORMED);
    }
    byte[] version4 = compact.clone();
    version4[4] = 4;
    assertThat(((VerificationResult.Invalid) v.check(List.of(f[0], f[1], version4)).result()).detail())
        .contains("unknown signature frame version 4");
  }

  /* --------------- sizes --------------- */

  @Test
  void oneKilobyteMessage_compactFitsInOneAndAHalfKilobytes_edAndEc() {
    StringBuilder report = new StringBuilder();
    for (Signer s : List.of(ed, ec, rsa)) {
      byte[][] f = Fedmsg2.encode(TOPIC, body(1, 1024), s);
      int fullBytes = wireBytes(List.of(f));
      int compactBytes = wireBytes(compacted(f));
      report.append(s.algorithm().wireName()).append(": full ").append(fullBytes).append(" B, compact ")
          .append(compactBytes).append(" B; ");
      assertThat(compactBytes).isLessThan(fullBytes);
      if (s != rsa) {
        assertThat(compactBytes).as(report.toString()).isLessThanOrEqualTo(1536);
      }
    }
    System.out.println("wire bytes for a 1 KiB msg: " + report);
  }

  /* --------------- receiving --------------- */

  @Test
  void compactBeforeAnyFull_isUnknownCertificate_thenValidOnceTheFullOneVerified() {
    MessageVerifier v = archiveVerifier();
    byte[][] first = full(ed, 1);
    MessageVerifier.Verdict unknown = v.check(compacted(first));
    assertThat(unknown.result()).isInstanceOf(VerificationResult.Invalid.class);
    assertThat(((VerificationResult.Invalid) unknown.result()).reason()).isEqualTo(Reason.UNTRUSTED_CHAIN);
    assertThat(unknown.cause()).isEqualTo(MessageVerifier.UNKNOWN_CERTIFICATE);
    assertThat(((VerificationResult.Invalid) unknown.result()).detail()).contains("not seen in full");

    assertThat(v.check(List.of(first)).result().isValid()).isTrue();
    MessageVerifier.Verdict ok = v.check(compacted(full(ed, 2)));
    assertThat(ok.result().isValid()).as(String.valueOf(ok.result())).isTrue();
    assertThat(((VerificationResult.Valid) ok.result()).signer().commonName()).isEqualTo("svc-ed");
  }

  @Test
  void compactPreparedBeforeTheFullOne_onAnotherThread_isCheckedAgainInArrivalOrder() {
    // parallel verification: the compact message may be prepared before the full one that came
    // first has been; complete() runs in arrival order and finds the chain then
    MessageVerifier v = MessageVerifier.builder().trust(trust).build();
    byte[][] first = full(ed, 1);
    MessageVerifier.Prepared compact = v.prepare(compacted(full(ed, 2)));
    MessageVerifier.Prepared full = v.prepare(List.of(first));
    assertThat(v.complete(full).result().isValid()).isTrue();
    MessageVerifier.Verdict second = v.complete(compact);
    assertThat(second.result().isValid()).as(String.valueOf(second.result())).isTrue();
    // what gap filling reads of it after complete() is the message checked again
    assertThat(compact.seq()).isEqualTo(2);
    assertThat(compact.epoch()).isEqualTo("0123456789abcdef");
    assertThat(compact.signerKey()).isEqualTo(full.signerKey()).isNotNull();
    // and one whose chain never came is still refused, at complete()
    assertThat(v.complete(v.prepare(compacted(full(other, 1)))).cause()).isEqualTo(MessageVerifier.UNKNOWN_CERTIFICATE);
    // the meters: one waited for its chain, one never found it, none known at once; then one known at once
    assertThat(v.compactChainWaited()).isEqualTo(1);
    assertThat(v.compactChainUnknown()).isEqualTo(1);
    assertThat(v.compactChainKnown()).isZero();
    assertThat(v.check(compacted(full(ed, 3))).result().isValid()).isTrue();
    assertThat(v.compactChainKnown()).isEqualTo(1);
    assertThat(v.compactChainWaited()).isEqualTo(1);
  }

  @Test
  void fullFrameThatFailsVerification_doesNotMakeItsChainKnown() {
    MessageVerifier v = archiveVerifier();
    byte[][] f = full(ed, 1);
    byte[] tamperedBody = f[1].clone();
    tamperedBody[tamperedBody.length - 3] ^= 1;
    assertThat(reason(v.check(List.of(f[0], tamperedBody, f[2])))).isEqualTo(Reason.BAD_SIGNATURE);
    MessageVerifier.Verdict after = v.check(compacted(full(ed, 2)));
    assertThat(after.cause()).isEqualTo(MessageVerifier.UNKNOWN_CERTIFICATE);
  }

  @Test
  void forgedFingerprint_knownChainOfAnotherSigner_isBadSignature() {
    MessageVerifier v = archiveVerifier();
    assertThat(v.check(List.of(full(ed, 1))).result().isValid()).isTrue();
    assertThat(v.check(List.of(full(other, 1))).result().isValid()).isTrue();
    // other's signature, naming ed's chain: the digest is signed, so the claim fails
    byte[][] byOther = full(other, 2);
    SignatureFrame sf = SignatureFrame.parse(byOther[2]);
    byte[] edDigest = Fedmsg2.chainDigest(SignatureFrame.parse(full(ed, 3)[2]).chain);
    byte[] forged = SignatureFrame.encodeCompact(sf.algorithm, sf.signature, edDigest);
    assertThat(reason(v.check(List.of(byOther[0], byOther[1], forged)))).isEqualTo(Reason.BAD_SIGNATURE);
    // a digest nobody sent: unknown
    byte[] random = SignatureFrame.encodeCompact(sf.algorithm, sf.signature, new byte[32]);
    assertThat(v.check(List.of(byOther[0], byOther[1], random)).cause()).isEqualTo(MessageVerifier.UNKNOWN_CERTIFICATE);
  }

  @Test
  void revokedAfterItsChainWasKnown_compactFrameIsRefusedAsRevoked() throws Exception {
    TestPki.Issued leaf = ca.issue("svc-soon-revoked").keyType(KeyType.ED25519).build();
    Signer s = Signer.of(leaf.privateKey(), leaf.chain());
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().number(1).build());
    try (TrustStore t = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).crl(crl)
        .backgroundRefresh(false).build())) {
      MessageVerifier v = MessageVerifier.builder().trust(t).replayWindow(null).build();
      assertThat(v.check(List.of(Fedmsg2.encode(TOPIC, body(1, 100), s))).result().isValid()).isTrue();
      assertThat(v.check(compacted(Fedmsg2.encode(TOPIC, body(2, 100), s))).result().isValid()).isTrue();

      FileTime before = Files.getLastModifiedTime(crl);
      TestPki.writePem(crl, ca.crl().number(2).revoke(leaf).build());
      Files.setLastModifiedTime(crl, FileTime.fromMillis(before.toMillis() + 5_000));
      t.refresh();
      assertThat(reason(v.check(compacted(Fedmsg2.encode(TOPIC, body(3, 100), s))))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void expiredAfterItsChainWasKnown_compactFrameIsRefusedAsExpired() {
    Instant start = Instant.now();
    TestPki.Issued leaf = ca.issue("svc-short-lived").keyType(KeyType.EC_P256)
        .validity(start.minus(Duration.ofHours(1)), start.plus(Duration.ofHours(1))).build();
    Signer s = Signer.of(leaf.privateKey(), leaf.chain());
    TestClock clock = new TestClock(start);
    try (TrustStore t = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .clock(clock).backgroundRefresh(false).build())) {
      MessageVerifier v = MessageVerifier.builder().trust(t).clock(clock).replayWindow(null).build();
      assertThat(v.check(List.of(Fedmsg2.encode(TOPIC, body(1, 100), s))).result().isValid()).isTrue();
      clock.advance(Duration.ofHours(2));
      assertThat(reason(v.check(compacted(Fedmsg2.encode(TOPIC, body(2, 100), s))))).isEqualTo(Reason.CERT_EXPIRED);
    }
  }

  @Test
  void fullSignatureFrame_expandsAKnownChain_leavesTheRest() {
    MessageVerifier v = archiveVerifier();
    byte[][] f = full(ec, 1);
    byte[] compact = Fedmsg2.compact(f[2]);
    assertThat(v.fullSignatureFrame(compact)).isSameAs(compact);
    assertThat(v.check(List.of(f)).result().isValid()).isTrue();
    assertThat(v.fullSignatureFrame(compact)).isEqualTo(f[2]);
    assertThat(v.fullSignatureFrame(f[2])).isSameAs(f[2]);
    byte[] junk = {'F', 'M', '2', 'S', 3, 0};
    assertThat(v.fullSignatureFrame(junk)).isSameAs(junk);
  }

  static Reason reason(MessageVerifier.Verdict v) {
    return v.result() instanceof VerificationResult.Invalid inv ? inv.reason() : null;
  }

  /* --------------- the publisher's rule --------------- */

  static final class Nanos {
    long now;
  }

  static boolean isCompact(byte[][] frames) {
    return Fedmsg2.isCompact(frames[2]);
  }

  @Test
  void compactor_firstFull_thenCompact_fullAgainEveryNMessages() {
    ChainCompactor c = ChainCompactor.create(4, Duration.ofHours(1), () -> 0L);
    StringBuilder pattern = new StringBuilder();
    for (int i = 1; i <= 9; i++) {
      pattern.append(isCompact(c.outgoing(full(ed, i))) ? 'c' : 'F');
    }
    assertThat(pattern.toString()).isEqualTo("FcccFcccF");
    assertThat(c.fullSent()).isEqualTo(3);
    assertThat(c.compactSent()).isEqualTo(6);
  }

  @Test
  void compactor_fullAgainAfterTheInterval() {
    Nanos t = new Nanos();
    ChainCompactor c = ChainCompactor.create(1000, Duration.ofSeconds(10), () -> t.now);
    assertThat(isCompact(c.outgoing(full(ed, 1)))).isFalse();
    t.now += Duration.ofSeconds(9).toNanos();
    assertThat(isCompact(c.outgoing(full(ed, 2)))).isTrue();
    t.now += Duration.ofSeconds(1).toNanos();
    assertThat(isCompact(c.outgoing(full(ed, 3)))).isFalse();
    assertThat(isCompact(c.outgoing(full(ed, 4)))).isTrue();
  }

  @Test
  void compactor_newSubscription_fullAgainForEverySignerAndTopic() {
    ChainCompactor c = ChainCompactor.create(1000, Duration.ofHours(1), () -> 0L);
    c.outgoing(full(ed, 1));
    c.outgoing(full(ec, 1));
    assertThat(isCompact(c.outgoing(full(ed, 2)))).isTrue();
    assertThat(isCompact(c.outgoing(full(ec, 2)))).isTrue();
    c.subscribed();
    assertThat(isCompact(c.outgoing(full(ed, 3)))).isFalse();
    assertThat(isCompact(c.outgoing(full(ec, 3)))).isFalse();
    assertThat(isCompact(c.outgoing(full(ed, 4)))).isTrue();
  }

  @Test
  void compactor_eachTopicGetsItsOwnFullFirstMessage() {
    // a subscriber filtering on one topic must get that topic's first message in full
    ChainCompactor c = ChainCompactor.create(1000, Duration.ofHours(1), () -> 0L);
    c.outgoing(full(ed, 1));
    byte[][] otherTopic = Fedmsg2.encode(TOPIC + ".other", withTopic(body(2, 100), TOPIC + ".other"), ed);
    assertThat(isCompact(c.outgoing(otherTopic))).isFalse();
    assertThat(isCompact(c.outgoing(full(ed, 3)))).isTrue();
  }

  static ObjectNode withTopic(ObjectNode b, String topic) {
    return b.put("topic", topic);
  }

  @Test
  void compactor_expandsCompactInputWhenItsRuleWantsFull_ifItHasSeenTheChain() {
    ChainCompactor c = ChainCompactor.create(1000, Duration.ofHours(1), () -> 0L);
    byte[][] unknown = full(ec, 1);
    byte[][] in = compacted(unknown).toArray(new byte[0][]);
    assertThat(c.outgoing(in)).isSameAs(in);  // never seen in full: nothing to expand with
    byte[][] f = full(ed, 1);
    c.outgoing(f);
    c.subscribed();
    byte[][] compactIn = compacted(full(ed, 2)).toArray(new byte[0][]);
    byte[][] out = c.outgoing(compactIn);
    assertThat(isCompact(out)).isFalse();
    assertThat(archiveVerifier().check(List.of(out)).result().isValid()).isTrue();
  }

  @Test
  void compactor_passesOtherMessagesUntouched() {
    ChainCompactor c = ChainCompactor.create(1000, Duration.ofHours(1), () -> 0L);
    byte[][] v1 = {TOPIC.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)};
    assertThat(c.outgoing(v1)).isSameAs(v1);
    byte[][] junk = {v1[0], v1[1], "FM2Sxx".getBytes(StandardCharsets.US_ASCII)};
    assertThat(c.outgoing(junk)).isSameAs(junk);
  }
}
