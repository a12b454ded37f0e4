package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A subscriber reads its socket ahead of its handlers (up to {@link
 * ParallelReceiver#SUBSCRIBER_BUFFER_BYTES}): a burst from a bound publisher, which cannot wait for
 * it, is held in the subscriber's memory while its handler is stuck, instead of overflowing the
 * publisher's per-subscriber queue (ZeroMQ's high-water mark, 1,000 messages) and being dropped.
 * With the pipeline bounded by count (512 messages on two workers) this burst lost messages.
 */
@Timeout(120)
class SubscriberReadAheadTest {
  /**
   * 8,000 messages of ~3.5 KiB (28 MiB): more than the kernel's loopback buffers, ZeroMQ's two
   * queues and 512 messages in flight hold together, less than the read-ahead.
   */
  private static final int BURST = 8_000;
  private static final String FILLER = "x".repeat(3_000);
  private static final TestPki.Issued CA = TestPki.rootCa("read-ahead test ca").build();

  @Test
  void handlerStuckDuringBurst_publisherClosed_everyMessageDeliveredInOrderWithoutGaps() throws Exception {
    TestPki.Issued leaf = CA.issue("burst.example.org").keyType(TestPki.KeyType.ED25519).build();
    TopicPolicy allowAll = TopicPolicy.parse("default: allow\n", "test", org.fedmsg.policy.TopicNamespace.DEFAULT);
    Bus publisher = Bus.create(BusOptions.builder().name("burst").endpoint("burst", List.of("tcp://127.0.0.1:*"))
        .signer(Signer.of(leaf.privateKey(), leaf.chain())).wireFormat(WireFormat.FEDMSG2).build());
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(CA.certificate())).build());
        Bus sub = Bus.create(BusOptions.builder().verifyThreads(2)
            .verifier(MessageVerifier.builder().trust(trust).policy(allowAll).build())
            .endpoint("burst", List.of(publisher.publisherEndpoint())).build())) {
      CountDownLatch publisherClosed = new CountDownLatch(1);
      List<Integer> seen = new CopyOnWriteArrayList<>();
      Subscription s = sub.subscribe("", m -> {
        seen.add(m.msg().get("n").intValue());
        // The handler is stuck on the first message until the publisher has sent everything and
        // closed: whatever the subscriber did not take off the connection by then is gone.
        publisherClosed.await(60, TimeUnit.SECONDS);
      });
      assertThat(s.awaitReady(Duration.ofSeconds(20))).isTrue();
      try (publisher) {
        for (int n = 0; n < BURST; n++) {
          publisher.publish("svc", "t", Map.of("n", n, "filler", FILLER));
        }
      }
      publisherClosed.countDown();

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sub.stats().delivered() + sub.stats().gaps() < BURST && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(sub.stats().gaps()).as("%s", sub.stats()).isZero();
      assertThat(seen).hasSize(BURST).isSorted().doesNotHaveDuplicates();
    }
  }
}
