package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fedmsg.wire.WireFixtures.reason;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Fedmsg2Test {
  static final String TOPIC = "org.fedoraproject.dev.test.thing.happened";
  static TestPki.Issued ca;
  static final Map<KeyType, TestPki.Issued> leaves = new EnumMap<>(KeyType.class);
  static TrustStore trust;
  static MessageVerifier archive;

  @BeforeAll
  static void pki() {
    ca = TestPki.rootCa("fedmsg test root").keyType(KeyType.RSA_2048).build();
    for (KeyType t : KeyType.values()) {
      leaves.put(t, ca.issue("svc-" + t.name().toLowerCase(java.util.Locale.ROOT)).keyType(t).build());
    }
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).backgroundRefresh(false).build());
    // as of now: crypto alone decides (no replay or sequence state between the tamper checks)
    archive = MessageVerifier.builder().trust(trust).asOf(Instant.now()).build();
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  static Signer signer(KeyType t) {
    TestPki.Issued l = leaves.get(t);
    return Signer.of(l.privateKey(), l.chain());
  }

  static ObjectNode body(String topic, long seq) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", topic).put("timestamp", Instant.now().getEpochSecond())
        .put("msg_id", "2026-" + java.util.UUID.randomUUID()).put("i", seq).put("username", "tester");
    b.putObject("msg").put("hello", "wörld ✓");
    return Fedmsg2.Stamper.withEpoch("0123456789abcdef").stamp(b).put("seq", seq);
  }

  static List<byte[]> frames(byte[][] f) {
    return List.of(f);
  }

  /* --------------- round trip --------------- */

  @Test
  void encode_eachStrongKeyType_verifiesWithSigner() {
    for (KeyType t : List.of(KeyType.RSA_2048, KeyType.EC_P256, KeyType.ED25519)) {
      byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(t));
      MessageVerifier.Verdict v = archive.check(frames(f));
      assertThat(v.result()).as(t.name()).isInstanceOf(VerificationResult.Valid.class);
      assertThat(((VerificationResult.Valid) v.result()).signer().commonName()).isEqualTo(leaves.get(t).commonName());
      assertThat(v.format()).isEqualTo(org.fedmsg.WireFormat.FEDMSG2);
      assertThat(v.body().get("msg").get("hello").textValue()).isEqualTo("wörld ✓");
    }
  }

  @Test
  void encode_framesAreTopicCanonicalBodyAndSignature() {
    ObjectNode b = body(TOPIC, 1);
    byte[][] f = Fedmsg2.encode(TOPIC, b, signer(KeyType.ED25519));
    assertThat(f).hasNumberOfRows(3);
    assertThat(new String(f[0], StandardCharsets.UTF_8)).isEqualTo(TOPIC);
    assertThat(f[1]).isEqualTo(CanonicalJson.encode(b));
    SignatureFrame sf = SignatureFrame.parse(f[2]);
    assertThat(sf.algorithm).isEqualTo("ed25519");
    assertThat(sf.signature).hasSize(64);
  }

  @Test
  void encode_intermediateChain_verifies() throws Exception {
    TestPki.Issued inter = ca.issueCa("fedmsg intermediate").build();
    TestPki.Issued leaf = inter.issue("svc-behind-intermediate").keyType(KeyType.ED25519).build();
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), Signer.of(leaf.privateKey(), leaf.chain()));
    assertThat(archive.verify(frames(f)).isValid()).isTrue();
    assertThat(SignatureFrame.parse(f[2]).chain.length)
        .isEqualTo(leaf.certificate().getEncoded().length + inter.certificate().getEncoded().length);
  }

  @Test
  void encode_badEnvelope_throws() {
    Signer s = signer(KeyType.ED25519);
    ObjectNode noSeq = body(TOPIC, 1);
    noSeq.remove("seq");
    assertThatThrownBy(() -> Fedmsg2.encode(TOPIC, noSeq, s)).isInstanceOf(IllegalArgumentException.class);
    ObjectNode zeroSeq = body(TOPIC, 1).put("seq", 0);
    assertThatThrownBy(() -> Fedmsg2.encode(TOPIC, zeroSeq, s)).isInstanceOf(IllegalArgumentException.class);
    ObjectNode noEpoch = body(TOPIC, 1);
    noEpoch.remove("epoch");
    assertThatThrownBy(() -> Fedmsg2.encode(TOPIC, noEpoch, s)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Fedmsg2.encode("other.topic", body(TOPIC, 1), s)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void encode_rsa1024Signer_refused() {
    assertThatThrownBy(() -> Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.RSA_1024)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void stamper_startsAtOneWithRandomEpoch() {
    Fedmsg2.Stamper a = Fedmsg2.Stamper.start();
    Fedmsg2.Stamper b = Fedmsg2.Stamper.start();
    assertThat(a.epoch()).hasSize(16).isNotEqualTo(b.epoch());
    ObjectNode first = a.stamp(JsonNodeFactory.instance.objectNode());
    ObjectNode second = a.stamp(JsonNodeFactory.instance.objectNode());
    assertThat(first.get("seq").longValue()).isEqualTo(1);
    assertThat(second.get("seq").longValue()).isEqualTo(2);
    assertThat(first.get("epoch").textValue()).isEqualTo(a.epoch());
  }

  /* --------------- tampering --------------- */

  @Test
  void check_everySingleByteFlipInAnyFrame_rejected() {
    List<String> accepted = new ArrayList<>();
    int checked = 0;
    for (KeyType t : List.of(KeyType.RSA_2048, KeyType.EC_P256, KeyType.ED25519)) {
      byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(t));
      assertThat(archive.verify(frames(f)).isValid()).isTrue();
      for (int frame = 0; frame < 3; frame++) {
        for (int pos = 0; pos < f[frame].length; pos++) {
          for (int mask : new int[] {0x01, 0xff}) {
            byte[][] g = {f[0].clone(), f[1].clone(), f[2].clone()};
            g[frame][pos] ^= (byte) mask;
            VerificationResult r = archive.verify(frames(g));
            checked++;
            if (r.isValid()) {
              accepted.add(t + " frame " + frame + " byte " + pos + " ^" + mask);
            }
          }
        }
      }
    }
    assertThat(accepted).isEmpty();
    assertThat(checked).isGreaterThan(3 * 2 * 300);
  }

  @Test
  void check_truncatedOrExtendedSignatureFrame_malformed() {
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.EC_P256));
    byte[] sf = f[2];
    byte[] longer = java.util.Arrays.copyOf(sf, sf.length + 1);
    assertThat(reason(archive.verify(List.of(f[0], f[1], longer)))).isEqualTo(Reason.MALFORMED);
    for (int len : new int[] {0, 3, 6, 10, sf.length - 1}) {
      byte[] shorter = java.util.Arrays.copyOf(sf, len);
      assertThat(reason(archive.verify(List.of(f[0], f[1], shorter)))).as("length " + len).isEqualTo(Reason.MALFORMED);
    }
  }

  /* --------------- algorithm confusion and weak keys --------------- */

  /** Frames signed by {@code key} with JCA algorithm {@code jca}, claiming {@code claimed}. */
  static byte[][] forged(TestPki.Issued leaf, String jca, String claimed, ObjectNode body) throws Exception {
    byte[] topic = TOPIC.getBytes(StandardCharsets.UTF_8);
    byte[] bytes = CanonicalJson.encode(body);
    SignatureAlgorithm signedAs = SignatureAlgorithm.fromWireName(claimed).orElse(SignatureAlgorithm.RSA_SHA256);
    Signature s = Signature.getInstance(jca);
    s.initSign(leaf.privateKey());
    byte[] chain = SignatureFrame.chainBytes(leaf.chain());
    s.update(Fedmsg2.signedBytes(signedAs, Fedmsg2.chainDigest(chain), topic, bytes));
    byte[] sig = s.sign();
    return new byte[][] {topic, bytes, SignatureFrame.encode(claimed, sig, chain)};
  }

  @Test
  void check_rsaSignatureClaimedAsEd25519OrEcdsa_badSignature() throws Exception {
    TestPki.Issued rsa = leaves.get(KeyType.RSA_2048);
    assertThat(reason(archive.verify(frames(forged(rsa, "SHA256withRSA", "ed25519", body(TOPIC, 1))))))
        .isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(archive.verify(frames(forged(rsa, "SHA256withRSA", "ecdsa-p256-sha256", body(TOPIC, 1))))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void check_ed25519KeyClaimedAsRsa_badSignature() throws Exception {
    TestPki.Issued ed = leaves.get(KeyType.ED25519);
    assertThat(reason(archive.verify(frames(forged(ed, "Ed25519", "rsa-sha256", body(TOPIC, 1))))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void check_rsaSha1Claimed_weakAlgorithm() throws Exception {
    TestPki.Issued rsa = leaves.get(KeyType.RSA_2048);
    assertThat(reason(archive.verify(frames(forged(rsa, "SHA1withRSA", "rsa-sha1", body(TOPIC, 1))))))
        .isEqualTo(Reason.WEAK_ALGORITHM);
  }

  @Test
  void check_unknownAlgorithm_unsupportedCrypto() throws Exception {
    TestPki.Issued rsa = leaves.get(KeyType.RSA_2048);
    assertThat(reason(archive.verify(frames(forged(rsa, "SHA256withRSA", "rsa-md5", body(TOPIC, 1))))))
        .isEqualTo(Reason.UNSUPPORTED_CRYPTO);
  }

  @Test
  void check_rsa1024Key_weakAlgorithm() throws Exception {
    TestPki.Issued weak = leaves.get(KeyType.RSA_1024);
    assertThat(reason(archive.verify(frames(forged(weak, "SHA256withRSA", "rsa-sha256", body(TOPIC, 1))))))
        .isEqualTo(Reason.WEAK_ALGORITHM);
  }

  @Test
  void check_leafSignedWithSha1ByCa_weakAlgorithm() {
    TestPki.Issued sha1Leaf = ca.issue("svc-sha1").keyType(KeyType.ED25519).signatureAlgorithm("SHA1withRSA").build();
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), Signer.of(sha1Leaf.privateKey(), sha1Leaf.chain()));
    assertThat(reason(archive.verify(frames(f)))).isEqualTo(Reason.WEAK_ALGORITHM);
  }

  /* --------------- other rejections --------------- */

  @Test
  void check_rogueCaSameName_untrustedChain() {
    TestPki.Issued rogue = TestPki.rootCa("fedmsg test root").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = rogue.issue("svc-ed25519").keyType(KeyType.ED25519).build();
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), Signer.of(leaf.privateKey(), leaf.chain()));
    assertThat(reason(archive.verify(frames(f)))).isEqualTo(Reason.UNTRUSTED_CHAIN);
  }

  @Test
  void check_revokedSigner_certRevoked() {
    TestPki.Issued leaf = leaves.get(KeyType.EC_P256);
    try (TrustStore withCrl = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().revoke(leaf).build())).backgroundRefresh(false).build())) {
      MessageVerifier v = MessageVerifier.builder().trust(withCrl).asOf(Instant.now()).build();
      assertThat(reason(v.verify(frames(Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.EC_P256))))))
          .isEqualTo(Reason.CERT_REVOKED);
      assertThat(v.verify(frames(Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.ED25519)))).isValid()).isTrue();
    }
  }

  @Test
  void check_bodyTopicDiffersFromSignedFrameTopic_topicMismatch() throws Exception {
    TestPki.Issued ed = leaves.get(KeyType.ED25519);
    ObjectNode b = body("org.fedoraproject.dev.test.other", 1);
    assertThat(reason(archive.verify(frames(forged(ed, "Ed25519", "ed25519", b))))).isEqualTo(Reason.TOPIC_MISMATCH);
  }

  @Test
  void check_malformedFrames_malformed() throws Exception {
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.ED25519));
    byte[] notUtf8 = {(byte) 0xc3, (byte) 0x28};
    assertThat(reason(archive.verify(List.of(notUtf8, f[1], f[2])))).isEqualTo(Reason.MALFORMED);
    assertThat(reason(archive.verify(List.of(f[0], "not json".getBytes(StandardCharsets.UTF_8), f[2]))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reason(archive.verify(List.of(f[0], "[1]".getBytes(StandardCharsets.UTF_8), f[2]))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reason(archive.verify(List.of(f[0])))).isEqualTo(Reason.MALFORMED);
    assertThat(reason(archive.verify(List.of(f[0], f[1], f[2], f[2])))).isEqualTo(Reason.MALFORMED);
    assertThat(reason(archive.verify(null))).isEqualTo(Reason.MALFORMED);
    ObjectNode noEpoch = body(TOPIC, 1);
    noEpoch.remove("epoch");
    assertThat(reason(archive.verify(frames(forged(leaves.get(KeyType.ED25519), "Ed25519", "ed25519", noEpoch)))))
        .isEqualTo(Reason.MALFORMED);
    java.util.ArrayList<byte[]> withNull = new java.util.ArrayList<>(List.of(f[0], f[1]));
    withNull.add(null);
    assertThat(reason(archive.verify(withNull))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void check_garbageChain_malformed() throws Exception {
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.ED25519));
    SignatureFrame sf = SignatureFrame.parse(f[2]);
    byte[] garbage = {0x30, 0x03, 0x02, 0x01, 0x00};
    byte[] frame = SignatureFrame.encode(sf.algorithm, sf.signature, garbage);
    assertThat(reason(archive.verify(List.of(f[0], f[1], frame)))).isEqualTo(Reason.MALFORMED);
  }

  /** Frames whose chain is the leaf's DER changed by {@code edit}: parsers repair or ignore these. */
  static List<byte[]> withEditedLeaf(java.util.function.Consumer<byte[]> edit) throws Exception {
    TestPki.Issued leaf = leaves.get(KeyType.EC_P256);
    byte[][] f = Fedmsg2.encode(TOPIC, body(TOPIC, 1), signer(KeyType.EC_P256));
    SignatureFrame sf = SignatureFrame.parse(f[2]);
    byte[] der = leaf.certificate().getEncoded();
    edit.accept(der);
    return List.of(f[0], f[1], SignatureFrame.encode(sf.algorithm, sf.signature, der));
  }

  @Test
  void check_leafWithUnusedBitsInCaSignature_malformed() throws Exception {
    // RSA-2048 CA signature: BIT STRING 03 82 01 01 <unused-bits> <256 bytes> ends the certificate
    List<byte[]> f = withEditedLeaf(der -> der[der.length - 257] = 1);
    assertThat(reason(archive.verify(f))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void check_leafRelabelledVersion4_malformed() throws Exception {
    List<byte[]> f = withEditedLeaf(der -> {
      for (int i = 0; i + 4 < der.length; i++) {
        if (der[i] == (byte) 0xa0 && der[i + 1] == 3 && der[i + 2] == 2 && der[i + 3] == 1 && der[i + 4] == 2) {
          der[i + 4] = 3;
          return;
        }
      }
      throw new AssertionError("no version field");
    });
    assertThat(reason(archive.verify(f))).isEqualTo(Reason.MALFORMED);
  }
}
