package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.wire.WireFixtures.AT;
import static org.fedmsg.wire.WireFixtures.reason;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference replay protocol's {@code seq_id} on fedmsg/1: signed in by this project's
 * publishers, added after signing by the reference's; accepted in exactly those two shapes.
 */
class Fedmsg1SeqIdTest {
  @TempDir static Path dir;
  static Signer signer;
  static TrustStore trust;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @BeforeAll
  static void load() {
    Fixtures.copyTestCerts(dir);
    signer = WireFixtures.signer(dir, WireFixtures.SIGNER);
    trust = WireFixtures.store(dir, WireFixtures.signedVectors().get("configs").get("ca+crl"));
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  /** The reference's publisher: sign, then persistent_store.add() sets seq_id. */
  private static ObjectNode referenceStored(long seqId) {
    ObjectNode m = WireFixtures.signed("basic");
    m.put("seq_id", seqId);
    return m;
  }

  private static VerificationResult verify(JsonNode body) {
    return Fedmsg1.verify(body, trust, null, AT);
  }

  @Test
  void verify_seqIdAddedAfterSigning_valid() {
    VerificationResult r = verify(referenceStored(7));
    assertThat(r.isValid()).as(r.toString()).isTrue();
  }

  @Test
  void verify_seqIdSignedIn_valid_andAlteringItIsBadSignature() {
    ObjectNode unsigned = WireFixtures.signed("basic");
    unsigned.remove(List.of("signature", "certificate"));
    unsigned.put("seq_id", 7);
    ObjectNode signed = Fedmsg1.sign(unsigned, signer);
    assertThat(verify(signed).isValid()).isTrue();

    // a signed seq_id is covered: changing or removing it breaks the signature
    ObjectNode altered = signed.deepCopy().put("seq_id", 8);
    assertThat(reason(verify(altered))).isEqualTo(Reason.BAD_SIGNATURE);
    ObjectNode removed = signed.deepCopy();
    removed.remove("seq_id");
    assertThat(reason(verify(removed))).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_seqIdOfAnotherShape_badSignature() {
    List<Consumer<ObjectNode>> shapes = List.of(
        m -> m.put("seq_id", "7"),
        m -> m.put("seq_id", 7.0),
        m -> m.put("seq_id", 7.5),
        m -> m.put("seq_id", -1),
        m -> m.put("seq_id", true),
        m -> m.putNull("seq_id"),
        m -> m.putArray("seq_id").add(7),
        m -> m.put("seq_id", new BigInteger("18446744073709551616")));
    List<String> errors = new ArrayList<>();
    for (Consumer<ObjectNode> shape : shapes) {
      ObjectNode m = WireFixtures.signed("basic");
      shape.accept(m);
      if (reason(verify(m)) != Reason.BAD_SIGNATURE) {
        errors.add(m.get("seq_id") + ": " + verify(m));
      }
    }
    assertThat(errors).isEmpty();
  }

  @Test
  void verify_seqIdWithAnotherLateField_orNested_orTamperedBody_badSignature() {
    ObjectNode extra = referenceStored(7);
    extra.put("headers", "added later too");
    assertThat(reason(verify(extra))).isEqualTo(Reason.BAD_SIGNATURE);

    ObjectNode nested = WireFixtures.signed("basic");
    ((ObjectNode) nested.get("msg")).put("seq_id", 7);
    assertThat(reason(verify(nested))).isEqualTo(Reason.BAD_SIGNATURE);

    ObjectNode tampered = referenceStored(7);
    ((ObjectNode) tampered.get("msg")).put("hello", "mallory");
    assertThat(reason(verify(tampered))).isEqualTo(Reason.BAD_SIGNATURE);

    ObjectNode timestamp = referenceStored(7);
    timestamp.put("timestamp", timestamp.get("timestamp").longValue() + 1);
    assertThat(reason(verify(timestamp))).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_seqIdDoesNotRescueOtherFailures() {
    ObjectNode wrongCert = WireFixtures.signed("wrong_certificate");
    wrongCert.put("seq_id", 7);
    assertThat(reason(verify(wrongCert))).isEqualTo(Reason.BAD_SIGNATURE);
    try (TrustStore badCa = WireFixtures.store(dir, WireFixtures.signedVectors().get("configs").get("badca"))) {
      assertThat(reason(Fedmsg1.verify(referenceStored(7), badCa, null, AT))).isEqualTo(Reason.UNTRUSTED_CHAIN);
    }
  }

  @Test
  void verifier_unsignedSeqId_cannotReplayAMessage() {
    ObjectNode first = referenceStored(7);
    long ts = first.get("timestamp").longValue();
    try (MessageVerifier v = MessageVerifier.builder().trust(trust).replayWindow(Duration.ofDays(36500))
        .clock(Clock.fixed(java.time.Instant.ofEpochSecond(ts), ZoneOffset.UTC)).build()) {
      assertThat(v.verify(first.get("topic").textValue(), first).isValid()).isTrue();
      // the same signed message under another (unsigned) seq_id is still the same msg_id
      VerificationResult again = v.verify(first.get("topic").textValue(), referenceStored(8));
      assertThat(reason(again)).isEqualTo(Reason.DUPLICATE);
    }
  }

  @Test
  void seqId_onlyNonNegativeTopLevelIntegers() {
    Map<JsonNode, OptionalLong> cases = Map.of(
        F.numberNode(0), OptionalLong.of(0),
        F.numberNode(42L), OptionalLong.of(42),
        F.numberNode(Long.MAX_VALUE), OptionalLong.of(Long.MAX_VALUE),
        F.numberNode(-1), OptionalLong.empty(),
        F.numberNode(1.0), OptionalLong.empty(),
        F.textNode("1"), OptionalLong.empty(),
        F.numberNode(new BigInteger("9223372036854775808")), OptionalLong.empty());
    cases.forEach((value, expected) ->
        assertThat(Fedmsg1.seqId(F.objectNode().set("seq_id", value))).as(value.toString()).isEqualTo(expected));
    assertThat(Fedmsg1.seqId(F.objectNode())).isEmpty();
    assertThat(Fedmsg1.seqId(F.arrayNode().add(1))).isEmpty();
    assertThat(Fedmsg1.seqId(null)).isEmpty();
  }
}
