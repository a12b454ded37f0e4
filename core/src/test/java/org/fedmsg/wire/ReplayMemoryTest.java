package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.wire.WireFixtures.reason;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestClock;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay memory of {@link MessageVerifier}: keyed on the signer's key, recorded only after
 * the policy, bounded per signer, kept across restarts; duplicate keys and internal errors.
 */
class ReplayMemoryTest {
  static final String TOPIC = "org.fedoraproject.dev.test.thing";
  static final VerifierPki PKI = new VerifierPki();
  TestClock clock;
  @TempDir Path dir;

  @AfterAll
  static void close() {
    PKI.close();
  }

  @BeforeEach
  void clock() {
    clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  MessageVerifier.Builder live() {
    return MessageVerifier.builder().trust(PKI.trust).clock(clock).replayWindow(Duration.ofMinutes(10));
  }

  ObjectNode body() {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", TOPIC).put("timestamp", clock.instant().getEpochSecond()).put("msg_id", "2026-" + UUID.randomUUID())
        .put("i", 1).put("username", "tester");
    b.putObject("msg").put("k", "v");
    return b;
  }

  List<byte[]> v1(ObjectNode unsigned) {
    return List.of(TOPIC.getBytes(StandardCharsets.UTF_8), Fedmsg1.signToWire(unsigned, PKI.rsa));
  }

  static List<byte[]> v2(Signer s, ObjectNode unsigned, String epoch, long seq) {
    ObjectNode b = unsigned.deepCopy().put("epoch", epoch).put("seq", seq);
    return List.of(Fedmsg2.encode(TOPIC, b, s));
  }

  /* --------------- recorded only after the policy --------------- */

  @Test
  void deniedMessage_isNotRecorded_soItPassesOnceAllowed() {
    AtomicBoolean allow = new AtomicBoolean(false);
    TopicPolicy switchable = (topic, cn) -> allow.get()
        ? TopicPolicy.parse("default: allow\n", "t", TopicNamespace.DEFAULT).decide(topic, cn)
        : TopicPolicy.parse("default: deny\n", "t", TopicNamespace.DEFAULT).decide(topic, cn);
    try (MessageVerifier v = live().policy(switchable).build()) {
      List<byte[]> m1 = v1(body());
      List<byte[]> m2 = v2(PKI.ed, body(), "ep", 5);
      assertThat(reason(v.verify(m1))).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(reason(v.verify(m2))).isEqualTo(Reason.NOT_AUTHORIZED);
      allow.set(true);
      assertThat(v.verify(m1).isValid()).as("fedmsg/1 id was not recorded while denied").isTrue();
      // the denied seq 5 did not advance the sequence either: 3 is not a replay
      assertThat(v.verify(v2(PKI.ed, body(), "ep", 3)).isValid()).isTrue();
      assertThat(v.verify(m2).isValid()).isTrue();
      assertThat(reason(v.verify(m1))).isEqualTo(Reason.DUPLICATE);
      assertThat(reason(v.verify(m2))).isEqualTo(Reason.DUPLICATE);
    }
  }

  /* --------------- bounded per signer --------------- */

  @Test
  void signerOverItsBound_forgetsOnlyItsOwnIds_andTheirReplaysStillFail() {
    try (MessageVerifier v = live().seenIds(3).build()) {
      List<byte[]> fromOther = v2(PKI.other, body(), "o", 1);
      assertThat(v.verify(fromOther).isValid()).isTrue();
      List<byte[]> first = v2(PKI.ed, body(), "e", 1);
      assertThat(v.verify(first).isValid()).isTrue();
      for (int i = 0; i < 10; i++) {
        clock.advance(Duration.ofSeconds(1));
        assertThat(v.verify(v2(PKI.ed, body(), "e2-" + i, 1)).isValid()).isTrue();
      }
      // ed's first id was forgotten, but its timestamp is now at or below ed's floor
      assertThat(reason(v.verify(List.of(first.get(0), first.get(1), first.get(2))))).isEqualTo(Reason.DUPLICATE);
      // other's id was not evicted by ed's traffic
      assertThat(reason(v.verify(fromOther))).isEqualTo(Reason.DUPLICATE);
      assertThat(((VerificationResult.Invalid) v.verify(fromOther)).detail()).contains("already seen");
    }
  }

  @Test
  void signersOverTheBound_droppedSignerStaysProtectedByTheFloor() {
    try (MessageVerifier v = live().signers(1).build()) {
      List<byte[]> fromEd = v2(PKI.ed, body(), "e", 1);
      List<byte[]> rsaSignedThen = v1(body());
      assertThat(v.verify(fromEd).isValid()).isTrue();
      clock.advance(Duration.ofSeconds(2));
      assertThat(v.verify(v2(PKI.other, body(), "o", 1)).isValid()).isTrue(); // PKI.ed's ids are dropped
      assertThat(reason(v.verify(fromEd))).as("dropped, yet not replayable").isEqualTo(Reason.DUPLICATE);
      assertThat(reason(v.verify(rsaSignedThen))).as("at the floor of signers seen afterwards")
          .isEqualTo(Reason.DUPLICATE);
      assertThat(v.verify(v1(body())).isValid()).as("fresh messages pass").isTrue();
    }
  }

  /* --------------- restarts --------------- */

  @Test
  void restartWithStateDirectory_restoresIds() {
    List<byte[]> m1 = v1(body());
    List<byte[]> m2 = v2(PKI.ed, body(), "ep", 1);
    try (MessageVerifier v = live().stateDirectory(dir).build()) {
      assertThat(v.replayMemoryPersistent()).isTrue();
      assertThat(v.verify(m1).isValid()).isTrue();
      assertThat(v.verify(m2).isValid()).isTrue();
    }
    clock.advance(Duration.ofSeconds(30));
    try (MessageVerifier v = live().stateDirectory(dir).build()) {
      assertThat(reason(v.verify(m1))).isEqualTo(Reason.DUPLICATE);
      assertThat(reason(v.verify(m2))).isEqualTo(Reason.DUPLICATE);
      // a message signed before this start but never seen passes: the memory is complete
      clock.advance(Duration.ofSeconds(-20));
      List<byte[]> unseen = v1(body());
      clock.advance(Duration.ofSeconds(20));
      assertThat(v.verify(unseen).isValid()).isTrue();
    }
  }

  @Test
  void restartWithoutStateDirectory_refusesMessagesSignedBeforeStart_forOneWindow() {
    List<byte[]> before = v1(body());
    clock.advance(Duration.ofSeconds(5));
    try (MessageVerifier v = live().build()) {
      assertThat(v.replayMemoryPersistent()).isFalse();
      assertThat(reason(v.verify(before))).isEqualTo(Reason.OUTSIDE_WINDOW);
      assertThat(v.verify(v1(body())).isValid()).as("signed in the start second").isTrue();
    }
  }

  @Test
  void tornLastLine_ignored_butGarbageFallsBackToTheStartRule() throws Exception {
    List<byte[]> m1 = v1(body());
    try (MessageVerifier v = live().stateDirectory(dir).build()) {
      assertThat(v.verify(m1).isValid()).isTrue();
    }
    Path journal = dir.resolve(ReplayJournal.FILE);
    Files.writeString(journal, "I 00", java.nio.file.StandardOpenOption.APPEND); // a crash mid-write
    clock.advance(Duration.ofSeconds(5));
    try (MessageVerifier v = live().stateDirectory(dir).build()) {
      assertThat(reason(v.verify(m1))).isEqualTo(Reason.DUPLICATE);
    }
    Files.writeString(journal, ReplayJournal.HEADER + "\nnot a line\n");
    List<byte[]> unseen = v1(body());
    clock.advance(Duration.ofSeconds(5));
    try (MessageVerifier v = live().stateDirectory(dir).build()) {
      assertThat(reason(v.verify(unseen))).as("start rule: signed before start").isEqualTo(Reason.OUTSIDE_WINDOW);
    }
    // that start rule was itself recorded: the next start still applies it within the window
    clock.advance(Duration.ofSeconds(5));
    try (MessageVerifier v = live().stateDirectory(dir).build()) {
      assertThat(v.replayMemoryPersistent()).isTrue();
      assertThat(reason(v.verify(unseen))).isEqualTo(Reason.OUTSIDE_WINDOW);
    }
  }

  @Test
  void secondVerifierOnTheSameDirectory_usesTheStartRule() {
    try (MessageVerifier first = live().stateDirectory(dir).build();
        MessageVerifier second = live().stateDirectory(dir).build()) {
      assertThat(first.replayMemoryPersistent()).isTrue();
      assertThat(second.replayMemoryPersistent()).isFalse();
    }
  }

  @Test
  void journal_isCompactedWhenItOutgrowsTheLiveIds() throws Exception {
    try (MessageVerifier v = live().stateDirectory(dir).seenIds(10).build()) {
      for (int i = 0; i < ReplayJournal.MIN_COMPACT + 100; i++) {
        ObjectNode b = body().put("timestamp", clock.instant().getEpochSecond() + i * 0.001);
        // the guard, not signatures, is what is measured here: record directly
        assertThat(replayOf(v).record(b, "ab".repeat(32), clock.instant())).isNull();
      }
    }
    long lines = Files.readAllLines(dir.resolve(ReplayJournal.FILE)).size();
    assertThat(lines).isLessThan(ReplayJournal.MIN_COMPACT);
  }

  @Test
  void compactedJournal_keepsDigests_andARestartStillRefusesTheIdsItHolds() throws Exception {
    List<ObjectNode> recorded = new java.util.ArrayList<>();
    try (MessageVerifier v = live().stateDirectory(dir).seenIds(ReplayJournal.MIN_COMPACT).build()) {
      for (int i = 0; i < 3 * ReplayJournal.MIN_COMPACT; i++) {
        ObjectNode b = body().put("timestamp", clock.instant().getEpochSecond() + i * 0.0001);
        assertThat(replayOf(v).record(b, "cd".repeat(32), clock.instant())).isNull();
        recorded.add(b);
      }
    }
    List<String> lines = Files.readAllLines(dir.resolve(ReplayJournal.FILE));
    assertThat(lines).anyMatch(l -> l.startsWith("H " + "cd".repeat(32) + " "));
    try (MessageVerifier v = live().stateDirectory(dir).seenIds(ReplayJournal.MIN_COMPACT).build()) {
      ReplayGuard guard = replayOf(v);
      // the newest ids are remembered whether the journal holds them as digests or as ids
      for (ObjectNode b : recorded.subList(recorded.size() - 100, recorded.size())) {
        assertThat(GapFillVerifierTest.reason(guard.check(b, "cd".repeat(32), clock.instant()))).isEqualTo(Reason.DUPLICATE);
      }
      // the oldest were forgotten (over the bound): the raised floor refuses them all the same
      assertThat(GapFillVerifierTest.reason(guard.check(recorded.get(0), "cd".repeat(32), clock.instant()))).isEqualTo(Reason.DUPLICATE);
      // an id never seen, newer than the floor, passes
      ObjectNode fresh = body().put("timestamp", clock.instant().getEpochSecond() + 5);
      assertThat(guard.check(fresh, "cd".repeat(32), clock.instant())).isNull();
    }
  }

  private static ReplayGuard replayOf(MessageVerifier v) throws Exception {
    java.lang.reflect.Field f = MessageVerifier.class.getDeclaredField("replay");
    f.setAccessible(true);
    return (ReplayGuard) f.get(v);
  }

  /* --------------- re-encoded certificate: same key, same identity --------------- */

  @Test
  void signerKey_sameForEveryCertificateOfTheKey() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("k").build();
    TestPki.Issued a = ca.issue("svc").build();
    java.security.cert.X509Certificate again = org.fedmsg.crypto.Pem.certificateFromDer(a.certificate().getEncoded());
    assertThat(SignerKeys.id(again)).isEqualTo(SignerKeys.id(a.certificate()));
    assertThat(SignerKeys.id(ca.certificate())).isNotEqualTo(SignerKeys.id(a.certificate()));
  }

  /* --------------- fedmsg/2 certificate binding --------------- */

  @Test
  void fedmsg2_versionOneFrame_refused() {
    List<byte[]> f = v2(PKI.ed, body(), "ep", 1);
    byte[] sf = f.get(2).clone();
    sf[4] = 1;
    try (MessageVerifier v = live().build()) {
      VerificationResult r = v.verify(List.of(f.get(0), f.get(1), sf));
      assertThat(reason(r)).isEqualTo(Reason.MALFORMED);
      assertThat(((VerificationResult.Invalid) r).detail()).contains("version 1");
    }
  }

  @Test
  void fedmsg2_otherChainOfTheSameKey_badSignature() throws Exception {
    List<byte[]> f = v2(PKI.ed, body(), "ep", 1);
    SignatureFrame sf = SignatureFrame.parse(f.get(2));
    // the same leaf followed by its issuer: a different chain field, same key
    byte[] chain = SignatureFrame.chainBytes(List.of(PKI.ed.certificate(), PKI.ed.certificate()));
    List<byte[]> swapped = List.of(f.get(0), f.get(1), SignatureFrame.encode(sf.algorithm, sf.signature, chain));
    try (MessageVerifier v = live().build()) {
      VerificationResult r = v.verify(swapped);
      assertThat(r.isValid()).isFalse();
      assertThat(v.verify(f).isValid()).isTrue();
    }
  }

  /* --------------- duplicate keys --------------- */

  @Test
  void fedmsg1_duplicateKey_malformedWithItsOwnCause() {
    List<byte[]> good = v1(body());
    String text = new String(good.get(1), StandardCharsets.UTF_8);
    byte[] dup = ("{\"msg\":{\"x\":1}," + text.substring(1)).getBytes(StandardCharsets.UTF_8);
    try (MessageVerifier v = live().build()) {
      MessageVerifier.Verdict verdict = v.check(List.of(good.get(0), dup));
      assertThat(reason(verdict.result())).isEqualTo(Reason.MALFORMED);
      assertThat(verdict.cause()).isEqualTo(MessageVerifier.DUPLICATE_KEY);
      assertThat(v.check(good).result().isValid()).isTrue();
      assertThat(v.check(good).cause()).isEqualTo("duplicate");
    }
  }

  @Test
  void fedmsg2_duplicateKeySignedByTheSigner_stillRefused() {
    byte[] topic = TOPIC.getBytes(StandardCharsets.UTF_8);
    ObjectNode b = body().put("epoch", "ep").put("seq", 1);
    String text = new String(CanonicalJson.encode(b), StandardCharsets.UTF_8);
    byte[] dup = ("{\"msg\":{\"x\":1}," + text.substring(1)).getBytes(StandardCharsets.UTF_8);
    byte[] chain = SignatureFrame.chainBytes(PKI.ed.chain());
    byte[] sig = PKI.ed.sign(Fedmsg2.signedBytes(PKI.ed.algorithm(), Fedmsg2.chainDigest(chain), topic, dup));
    try (MessageVerifier v = live().build()) {
      MessageVerifier.Verdict verdict = v.check(List.of(topic, dup, SignatureFrame.encode(PKI.ed.algorithm().wireName(), sig, chain)));
      assertThat(verdict.cause()).isEqualTo(MessageVerifier.DUPLICATE_KEY);
    }
  }

  /* --------------- internal errors --------------- */

  @Test
  void policyThatThrows_rejectedWithCauseInternal_bothFormats() {
    TopicPolicy broken = (topic, cn) -> {
      throw new IllegalStateException("a bug in the policy");
    };
    try (MessageVerifier v = live().policy(broken).build()) {
      MessageVerifier.Verdict v1 = v.check(v1(body()));
      MessageVerifier.Verdict v2 = v.check(v2(PKI.ed, body(), "ep", 1));
      for (MessageVerifier.Verdict verdict : List.of(v1, v2)) {
        assertThat(verdict.result().isValid()).isFalse();
        assertThat(verdict.cause()).isEqualTo(MessageVerifier.INTERNAL);
      }
      // an ordinary refusal keeps the reason's cause
      assertThat(v.check(List.of(new byte[] {1})).cause()).isEqualTo("malformed");
    }
  }
}
