package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Verification on several threads: every publisher's messages still reach handlers in order, one
 * at a time, with the fedmsg/2 sequence checks seeing them in order (no false gaps or replays),
 * and rejections are counted exactly.
 */
@Timeout(120)
class ParallelVerificationTest {
  private static final int PER_PUBLISHER = 600;
  private static final TestPki.Issued CA = TestPki.rootCa("parallel test ca").build();

  private static Signer signer(String cn, TestPki.Issued ca) {
    TestPki.Issued leaf = ca.issue(cn).keyType(TestPki.KeyType.ED25519).build();
    return Signer.of(leaf.privateKey(), leaf.chain());
  }

  private static Bus publisher(String name, Signer signer) {
    return Bus.create(BusOptions.builder().name(name).endpoint(name, List.of("tcp://127.0.0.1:*")).signer(signer)
        .wireFormat(WireFormat.FEDMSG2).build());
  }

  private static Bus subscriber(TrustStore trust, TopicPolicy policy, int threads, Bus... publishers) {
    BusOptions.Builder b = BusOptions.builder().verifyThreads(threads)
        .verifier(MessageVerifier.builder().trust(trust).policy(policy).build());
    for (Bus p : publishers) {
      b.endpoint("p" + p.publisherEndpoint().hashCode(), List.of(p.publisherEndpoint()));
    }
    return Bus.create(b.build());
  }

  @Test
  void fourThreads_twoPublishers_eachInOrderOneAtATime_noFalseGaps() throws Exception {
    TopicPolicy allowAll = TopicPolicy.parse("default: allow\n", "test", org.fedmsg.policy.TopicNamespace.DEFAULT);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(CA.certificate())).build());
        Bus a = publisher("a", signer("a.example.org", CA));
        Bus b = publisher("b", signer("b.example.org", CA));
        Bus sub = subscriber(trust, allowAll, 4, a, b)) {
      Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
      AtomicInteger inHandler = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      Subscription s = sub.subscribe("", m -> {
        if (inHandler.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        seen.computeIfAbsent(m.signer().orElseThrow(), k -> Collections.synchronizedList(new ArrayList<>()))
            .add(m.msg().get("n").intValue());
        inHandler.decrementAndGet();
      });
      assertThat(s.awaitReady(Duration.ofSeconds(20))).isTrue();
      while (sub.connectedEndpoints().size() < 2 || !s.awaitReady(Duration.ofSeconds(1))) {
        // awaitReady covers the publishers connected so far; both must be
      }
      for (int n = 0; n < PER_PUBLISHER; n++) {
        a.publish("svc", "t", Map.of("n", n));
        b.publish("svc", "t", Map.of("n", n));
      }
      await(sub, () -> sub.stats().delivered() == 2L * PER_PUBLISHER, "every message delivered");

      List<Integer> expected = new ArrayList<>();
      for (int n = 0; n < PER_PUBLISHER; n++) {
        expected.add(n);
      }
      assertThat(seen.get("a.example.org")).containsExactlyElementsOf(expected);
      assertThat(seen.get("b.example.org")).containsExactlyElementsOf(expected);
      assertThat(overlaps).hasValue(0);
      BusStats stats = sub.stats();
      assertThat(stats.gaps()).isZero();
      assertThat(stats.rejected()).isZero();
    }
  }

  @Test
  void fourThreads_goodAndRefusedInterleaved_rejectionsCountedExactly() throws Exception {
    TestPki.Issued otherCa = TestPki.rootCa("untrusted ca").build();
    TopicPolicy policy = TopicPolicy.parse("default: deny\nrules:\n  - topics: [\"svc.*\"]\n"
        + "    signers: [\"good.example.org\"]\n    effect: allow\n", "test", org.fedmsg.policy.TopicNamespace.DEFAULT);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(CA.certificate())).build());
        Bus good = publisher("good", signer("good.example.org", CA));
        Bus unauthorized = publisher("unauthorized", signer("other.example.org", CA));
        Bus untrusted = publisher("untrusted", signer("good.example.org", otherCa));
        Bus sub = subscriber(trust, policy, 4, good, unauthorized, untrusted)) {
      List<Integer> got = Collections.synchronizedList(new ArrayList<>());
      Subscription s = sub.subscribe("", m -> got.add(m.msg().get("n").intValue()));
      while (sub.connectedEndpoints().size() < 3 || !s.awaitReady(Duration.ofSeconds(1))) {
        // every publisher must have confirmed the subscription before the count starts
      }
      for (int n = 0; n < 200; n++) {
        good.publish("svc", "t", Map.of("n", n));
        unauthorized.publish("svc", "t", Map.of("n", n));
        untrusted.publish("svc", "t", Map.of("n", n));
      }
      await(sub, () -> sub.stats().delivered() + sub.stats().rejected() == 600, "every message judged");

      BusStats stats = sub.stats();
      assertThat(stats.delivered()).isEqualTo(200);
      assertThat(stats.rejected(Reason.NOT_AUTHORIZED)).isEqualTo(200);
      assertThat(stats.rejected(Reason.UNTRUSTED_CHAIN)).isEqualTo(200);
      assertThat(stats.rejected()).isEqualTo(400);
      List<Integer> expected = new ArrayList<>();
      for (int n = 0; n < 200; n++) {
        expected.add(n);
      }
      assertThat(got).containsExactlyElementsOf(expected);
    }
  }

  /** Waits on a condition (a loaded machine verifies slowly); fails with the counters. */
  private static void await(Bus sub, java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what + "; " + sub.stats());
      }
      Thread.sleep(5);
    }
  }

  @Test
  void verifyThreads_belowOne_refused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BusOptions.builder().verifyThreads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("verify_threads");
  }

  @Test
  void verifyThreads_fromConfig() {
    com.fasterxml.jackson.databind.node.ObjectNode tree = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode().put("verify_threads", 3);
    org.fedmsg.config.FedmsgConfig config = org.fedmsg.config.FedmsgConfig.of(tree);
    assertThat(config.warnings()).isEmpty();
    assertThat(BusOptions.builder().apply(config).build().verifyThreads()).isEqualTo(3);
    assertThat(BusOptions.builder().build().verifyThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }
}
