package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MessageVerifier#completeFill}: a fetched message passes only for a seq inside an open gap
 * of its publisher's epoch, once; every other replay is still refused, live or fetched.
 */
class GapFillVerifierTest {
  static final String TOPIC = "org.fedoraproject.dev.test.thing";
  static final VerifierPki PKI = new VerifierPki();
  TestClock clock;
  MessageVerifier verifier;
  final String epoch = "ep1";

  @AfterAll
  static void close() {
    PKI.close();
  }

  @BeforeEach
  void live() {
    clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    verifier = MessageVerifier.builder().trust(PKI.trust).clock(clock).replayWindow(Duration.ofMinutes(10))
        .policy(TopicPolicy.parse("""
            default: allow
            rules:
              - topics: ["test.*"]
                signers: ["svc-ed"]
                effect: allow
            """, "test", TopicNamespace.DEFAULT)).build();
  }

  List<byte[]> msg(Signer s, long seq, long timestamp) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", TOPIC).put("timestamp", timestamp).put("msg_id", "2026-" + epoch + "-" + seq + "-" + s.chain().get(0)
        .getSubjectX500Principal().getName().hashCode()).put("i", seq).put("username", "t");
    b.putObject("msg").put("seq", seq);
    b.put("epoch", epoch).put("seq", seq);
    return java.util.Arrays.asList(Fedmsg2.encode(TOPIC, b, s));
  }

  List<byte[]> msg(long seq) {
    return msg(PKI.ed, seq, clock.instant().getEpochSecond());
  }

  VerificationResult live(List<byte[]> frames) {
    return verifier.check(frames).result();
  }

  VerificationResult fill(List<byte[]> frames) {
    return verifier.completeFill(verifier.prepare(frames)).result();
  }

  static Reason reason(VerificationResult r) {
    return r instanceof VerificationResult.Invalid inv ? inv.reason() : null;
  }

  @Test
  void seqInsideTheGap_acceptedExactlyOnce_liveOrFetched() {
    assertThat(live(msg(1)).isValid()).isTrue();
    assertThat(verifier.check(msg(5)).missed()).isEqualTo(3);          // 2..4 open
    List<byte[]> three = msg(3);
    assertThat(fill(three).isValid()).isTrue();
    assertThat(reason(fill(three))).isEqualTo(Reason.DUPLICATE);        // fetched twice
    assertThat(reason(live(three))).isEqualTo(Reason.DUPLICATE);        // then live
    assertThat(fill(msg(2)).isValid()).isTrue();
    assertThat(fill(msg(4)).isValid()).isTrue();
    assertThat(reason(fill(msg(4)))).isEqualTo(Reason.DUPLICATE);
  }

  @Test
  void seqOutsideAnyGap_refusedWhenFetched() {
    List<byte[]> one = msg(1);
    assertThat(live(one).isValid()).isTrue();
    assertThat(live(msg(2)).isValid()).isTrue();
    assertThat(live(msg(5)).isValid()).isTrue();
    assertThat(reason(fill(msg(2)))).isEqualTo(Reason.DUPLICATE);      // delivered live, never missing
    assertThat(reason(fill(msg(6)))).isEqualTo(Reason.DUPLICATE);      // above the last: not a gap
    assertThat(reason(fill(msg(3)))).isNull();                         // the real gap still fills
  }

  @Test
  void closedGap_refusesItsSeqs() {
    assertThat(live(msg(1)).isValid()).isTrue();
    assertThat(live(msg(10)).isValid()).isTrue();                      // 2..9 open
    verifier.closeGap(signerKey(), epoch, 4, 6);                        // reported lost
    assertThat(reason(fill(msg(5)))).isEqualTo(Reason.DUPLICATE);
    assertThat(fill(msg(3)).isValid()).isTrue();
    assertThat(fill(msg(7)).isValid()).isTrue();
  }

  @Test
  void fetchedMessage_olderThanTheWindow_passes_fromTheFuture_refused() {
    assertThat(live(msg(1)).isValid()).isTrue();
    assertThat(live(msg(5)).isValid()).isTrue();
    long old = clock.instant().minus(Duration.ofHours(3)).getEpochSecond();
    assertThat(reason(live(msg(PKI.ed, 2, old)))).isEqualTo(Reason.OUTSIDE_WINDOW);
    assertThat(fill(msg(PKI.ed, 2, old)).isValid()).isTrue();          // judged by its own signing time
    long future = clock.instant().plus(Duration.ofHours(1)).getEpochSecond();
    assertThat(reason(fill(msg(PKI.ed, 3, future)))).isEqualTo(Reason.OUTSIDE_WINDOW);
    assertThat(fill(msg(3)).isValid()).isTrue();                        // the refusal did not use up the seq
  }

  @Test
  void forgedOrUnauthorizedFetchedMessage_refused_andTheSeqStaysOpen() {
    assertThat(live(msg(1)).isValid()).isTrue();
    assertThat(live(msg(4)).isValid()).isTrue();
    assertThat(reason(fill(msg(PKI.other, 2, clock.instant().getEpochSecond())))).isEqualTo(Reason.NOT_AUTHORIZED);
    List<byte[]> tampered = new java.util.ArrayList<>(msg(2));
    tampered.set(1, new String(tampered.get(1), java.nio.charset.StandardCharsets.UTF_8).replace("\"seq\":2}",
        "\"seq\":9}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(reason(fill(tampered))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(fill(msg(2)).isValid()).isTrue();
  }

  @Test
  void expectedGap_ofAResumedSubscriber_fillsOnce() {
    verifier.resumeAt(signerKey(), epoch, 3);
    assertThat(verifier.check(msg(7)).missed()).isEqualTo(3);          // 4..6 missed while down
    assertThat(reason(live(msg(3)))).isEqualTo(Reason.DUPLICATE);
    assertThat(fill(msg(5)).isValid()).isTrue();
    verifier.expectGap(signerKey(), "old-epoch", 1, 2);
    assertThat(reason(fill(msg(6)))).isNull();
  }

  private String signerKey() {
    return verifier.prepare(msg(1)).signerKey();
  }
}
