package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fedmsg.wire.WireFixtures.reason;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestClock;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Live-mode checks: topic frame, replay window, duplicates, sequences, formats, policy, options. */
class MessageVerifierTest {
  static final String TOPIC = "org.fedoraproject.dev.test.thing";
  static final VerifierPki PKI = new VerifierPki();
  TestClock clock;
  MessageVerifier verifier;

  @AfterAll
  static void close() {
    PKI.close();
  }

  @BeforeEach
  void live() {
    clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    verifier = MessageVerifier.builder().trust(PKI.trust).clock(clock).replayWindow(Duration.ofMinutes(10)).build();
  }

  ObjectNode body(String topic, String msgId) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", topic).put("timestamp", clock.instant().getEpochSecond()).put("msg_id", msgId)
        .put("i", 1).put("username", "tester");
    b.putObject("msg").put("k", "v");
    return b;
  }

  List<byte[]> v1(String frameTopic, ObjectNode unsigned) {
    return List.of(frameTopic.getBytes(StandardCharsets.UTF_8), Fedmsg1.signToWire(unsigned, PKI.rsa));
  }

  static List<byte[]> v2(Signer s, ObjectNode unsigned, String epoch, long seq) {
    ObjectNode b = unsigned.deepCopy();
    b.put("epoch", epoch).put("seq", seq);
    return List.of(Fedmsg2.encode(b.get("topic").textValue(), b, s));
  }

  static String id() {
    return "2026-" + UUID.randomUUID();
  }

  /* --------------- fedmsg/1 live checks --------------- */

  @Test
  void check_fedmsg1_validWithSignerAndBody() {
    MessageVerifier.Verdict v = verifier.check(v1(TOPIC, body(TOPIC, id())));
    assertThat(v.result().isValid()).isTrue();
    assertThat(v.format()).isEqualTo(WireFormat.FEDMSG1);
    assertThat(v.topic()).isEqualTo(TOPIC);
    assertThat(v.body().get("signature")).isNotNull();
  }

  @Test
  void check_fedmsg1FrameTopicDiffers_topicMismatch() {
    assertThat(reason(verifier.verify(v1("org.fedoraproject.dev.other", body(TOPIC, id())))))
        .isEqualTo(Reason.TOPIC_MISMATCH);
  }

  @Test
  void check_fedmsg1WithoutSignedTopic_topicMismatch() {
    ObjectNode b = body(TOPIC, id());
    b.remove("topic");
    assertThat(reason(verifier.verify(v1(TOPIC, b)))).isEqualTo(Reason.TOPIC_MISMATCH);
  }

  @Test
  void check_fedmsg1BodyNotJson_malformed() {
    assertThat(reason(verifier.verify(List.of(TOPIC.getBytes(StandardCharsets.UTF_8), new byte[] {'{'}))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reason(verifier.verify(List.of(new byte[] {(byte) 0xff}, new byte[] {'{', '}'}))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reason(verifier.verify(List.of(TOPIC.getBytes(StandardCharsets.UTF_8), "7".getBytes(StandardCharsets.UTF_8)))))
        .isEqualTo(Reason.MALFORMED);
  }

  @Test
  void check_sameMessageTwice_duplicate() {
    List<byte[]> f = v1(TOPIC, body(TOPIC, id()));
    assertThat(verifier.verify(f).isValid()).isTrue();
    assertThat(reason(verifier.verify(f))).isEqualTo(Reason.DUPLICATE);
  }

  @Test
  void check_sameMsgIdFromAnotherSigner_bothValid() {
    String id = id();
    assertThat(verifier.verify(v2(PKI.ed, body(TOPIC, id), "e1", 1)).isValid()).isTrue();
    assertThat(verifier.verify(v2(PKI.other, body(TOPIC, id), "e1", 1)).isValid()).isTrue();
  }

  @Test
  void check_timestampOutsideWindow_outsideWindowEitherSide() {
    clock.advance(Duration.ofMinutes(10)); // past the start rule: the verifier has run for a window
    ObjectNode old = body(TOPIC, id()).put("timestamp", clock.instant().minusSeconds(601).getEpochSecond());
    ObjectNode future = body(TOPIC, id()).put("timestamp", clock.instant().plusSeconds(601).getEpochSecond());
    ObjectNode edge = body(TOPIC, id()).put("timestamp", clock.instant().minusSeconds(600).getEpochSecond());
    assertThat(reason(verifier.verify(v1(TOPIC, old)))).isEqualTo(Reason.OUTSIDE_WINDOW);
    assertThat(reason(verifier.verify(v1(TOPIC, future)))).isEqualTo(Reason.OUTSIDE_WINDOW);
    assertThat(verifier.verify(v1(TOPIC, edge)).isValid()).isTrue();
  }

  @Test
  void check_replayAfterWindowPassed_outsideWindowNotDuplicate() {
    List<byte[]> f = v1(TOPIC, body(TOPIC, id()));
    assertThat(verifier.verify(f).isValid()).isTrue();
    clock.advance(Duration.ofMinutes(21));
    assertThat(reason(verifier.verify(f))).isEqualTo(Reason.OUTSIDE_WINDOW);
  }

  @Test
  void check_missingOrBadTimestampOrMsgId_rejected() {
    ObjectNode noTs = body(TOPIC, id());
    noTs.remove("timestamp");
    ObjectNode textTs = body(TOPIC, id()).put("timestamp", "yesterday");
    ObjectNode noId = body(TOPIC, id());
    noId.remove("msg_id");
    assertThat(reason(verifier.verify(v1(TOPIC, noTs)))).isEqualTo(Reason.OUTSIDE_WINDOW);
    assertThat(reason(verifier.verify(v1(TOPIC, textTs)))).isEqualTo(Reason.MALFORMED);
    assertThat(reason(verifier.verify(v1(TOPIC, noId)))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void check_windowDisabled_duplicatesAndOldTimestampsAccepted() {
    MessageVerifier open = MessageVerifier.builder().trust(PKI.trust).clock(clock).replayWindow(Duration.ZERO).build();
    ObjectNode old = body(TOPIC, id()).put("timestamp", 1_000_000_000L);
    List<byte[]> f = v1(TOPIC, old);
    assertThat(open.verify(f).isValid()).isTrue();
    assertThat(open.verify(f).isValid()).isTrue();
  }

  @Test
  void check_tamperedMessageDoesNotPoisonItsMsgId() {
    ObjectNode b = body(TOPIC, id());
    List<byte[]> good = v1(TOPIC, b);
    ObjectNode forged = b.deepCopy().put("i", 99);
    ObjectNode signed = Fedmsg1.sign(b, PKI.rsa);
    forged.put("signature", signed.get("signature").textValue()).put("certificate", signed.get("certificate").textValue())
        .put("crypto", "x509");
    assertThat(reason(verifier.verify(TOPIC, forged))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(verifier.verify(good).isValid()).isTrue();
  }

  /* --------------- fedmsg/2 sequences --------------- */

  @Test
  void check_fedmsg2Sequence_gapsCountedReplaysRejected() {
    assertThat(verifier.check(v2(PKI.ed, body(TOPIC, id()), "ep", 1)).missed()).isZero();
    assertThat(verifier.check(v2(PKI.ed, body(TOPIC, id()), "ep", 2)).missed()).isZero();
    MessageVerifier.Verdict gap = verifier.check(v2(PKI.ed, body(TOPIC, id()), "ep", 5));
    assertThat(gap.result().isValid()).isTrue();
    assertThat(gap.missed()).isEqualTo(2);
    MessageVerifier.Verdict back = verifier.check(v2(PKI.ed, body(TOPIC, id()), "ep", 4));
    assertThat(reason(back.result())).isEqualTo(Reason.DUPLICATE);
    assertThat(reason(verifier.verify(v2(PKI.ed, body(TOPIC, id()), "ep", 5)))).isEqualTo(Reason.DUPLICATE);
  }

  @Test
  void check_fedmsg2NewEpochOrJoinLate_noGap() {
    assertThat(verifier.check(v2(PKI.ed, body(TOPIC, id()), "first", 40)).missed()).isZero();
    MessageVerifier.Verdict restarted = verifier.check(v2(PKI.ed, body(TOPIC, id()), "second", 1));
    assertThat(restarted.result().isValid()).isTrue();
    assertThat(restarted.missed()).isZero();
  }

  @Test
  void check_fedmsg2SequencesPerSigner_independent() {
    assertThat(verifier.verify(v2(PKI.ed, body(TOPIC, id()), "same", 3)).isValid()).isTrue();
    assertThat(verifier.verify(v2(PKI.other, body(TOPIC, id()), "same", 1)).isValid()).isTrue();
  }

  @Test
  void check_fedmsg2AsOf_noSequenceTracking() {
    MessageVerifier archive = MessageVerifier.builder().trust(PKI.trust).asOf(clock.instant()).build();
    List<byte[]> f = v2(PKI.ed, body(TOPIC, id()), "ep", 1);
    assertThat(archive.verify(f).isValid()).isTrue();
    assertThat(archive.verify(f).isValid()).isTrue();
  }

  /* --------------- formats and policy --------------- */

  @Test
  void check_formatNotAccepted_unsupportedCrypto() {
    MessageVerifier only2 = MessageVerifier.builder().trust(PKI.trust).clock(clock).formats(EnumSet.of(WireFormat.FEDMSG2)).build();
    MessageVerifier only1 = MessageVerifier.builder().trust(PKI.trust).clock(clock).formats(EnumSet.of(WireFormat.FEDMSG1)).build();
    assertThat(reason(only2.verify(v1(TOPIC, body(TOPIC, id()))))).isEqualTo(Reason.UNSUPPORTED_CRYPTO);
    assertThat(reason(only1.verify(v2(PKI.ed, body(TOPIC, id()), "e", 1)))).isEqualTo(Reason.UNSUPPORTED_CRYPTO);
    assertThat(only2.verify(v2(PKI.ed, body(TOPIC, id()), "e", 1)).isValid()).isTrue();
  }

  @Test
  void check_policyDenies_notAuthorizedForBothFormats() {
    TopicPolicy policy = TopicPolicy.fromConfig(java.util.Map.of(
        "routing_policy", java.util.Map.of(TOPIC, List.of("svc-nobody")), "routing_nitpicky", true));
    MessageVerifier strict = MessageVerifier.builder().trust(PKI.trust).clock(clock).policy(policy).build();
    VerificationResult r1 = strict.verify(v1(TOPIC, body(TOPIC, id())));
    VerificationResult r2 = strict.verify(v2(PKI.ed, body(TOPIC, id()), "e", 1));
    assertThat(reason(r1)).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(reason(r2)).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(((VerificationResult.Invalid) r1).detail()).isNotBlank();
  }

  @Test
  void check_policyAllows_valid() {
    TopicPolicy policy = TopicPolicy.fromConfig(java.util.Map.of(
        "routing_policy", java.util.Map.of(TOPIC, List.of("svc-ed")), "routing_nitpicky", true));
    MessageVerifier strict = MessageVerifier.builder().trust(PKI.trust).clock(clock).policy(policy).build();
    assertThat(strict.verify(v2(PKI.ed, body(TOPIC, id()), "e", 1)).isValid()).isTrue();
  }

  /* --------------- builder --------------- */

  @Test
  void build_withoutTrust_throws() {
    assertThatThrownBy(() -> MessageVerifier.builder().build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void build_asOfWithWindow_throws() {
    assertThatThrownBy(() -> MessageVerifier.builder().trust(PKI.trust).asOf(Instant.now())
        .replayWindow(Duration.ofMinutes(1)).build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builder_badValues_throw() {
    MessageVerifier.Builder b = MessageVerifier.builder();
    assertThatThrownBy(() -> b.replayWindow(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.seenIds(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.sequences(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.formats(EnumSet.noneOf(WireFormat.class))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sequenceTracker_boundedAndReportsGaps() {
    SequenceTracker t = new SequenceTracker(10);
    assertThat(t.observe("a", "e", 7)).isZero();
    assertThat(t.observe("a", "e", 10)).isEqualTo(2);
    assertThat(t.observe("a", "e", 10)).isEqualTo(SequenceTracker.REPLAY);
  }
}
