package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A connecting publisher (what {@code fedmsg logger} uses towards the relay) waits for a relay that
 * reads slowly instead of dropping: the relay's side here is a bound SUB socket that reads nothing
 * until the publisher has demonstrably found its queue full, then reads everything.
 */
@Timeout(120)
class ActivePublisherBackpressureTest {
  private static final int COUNT = 20_000;

  @Test
  void relayNotReading_publisherWaits_thenEveryMessageArrivesInOrder() throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket relay = boundSub(ctx);
      ZmqPublisher publisher = ZmqPublisher.open(ctx, SocketOptions.DEFAULTS, "relay_inbound",
          List.of(relay.getLastEndpoint()), true);
      try {
        awaitSubscription(relay, publisher);
        for (int i = 1; i <= COUNT; i++) {
          assertThat(publisher.send(frames(i))).isTrue();
        }
        // 20,000 messages of 1 KB are far more than the queues (1,000 each side) and TCP buffers hold.
        Eventually.assertThat(() -> publisher.waitedForSubscriber() > 0, "the publisher found the relay's queue full");
        assertThat(publisher.abandoned()).isZero();
        for (int i = 1; i <= COUNT; i++) {
          assertThat(relay.recvStr()).isEqualTo("org.fedoraproject.dev.test.bp");
          assertThat(new String(relay.recv(), StandardCharsets.UTF_8)).startsWith(i + ":");
        }
      } finally {
        publisher.close();
      }
      assertThat(publisher.abandoned()).isZero();
    }
  }

  @Test
  void close_waitsUntilTheRelayHasTakenEverything() throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket relay = boundSub(ctx);
      ZmqPublisher publisher = ZmqPublisher.open(ctx, SocketOptions.DEFAULTS, "relay_inbound",
          List.of(relay.getLastEndpoint()), true);
      awaitSubscription(relay, publisher);
      for (int i = 1; i <= COUNT; i++) {
        assertThat(publisher.send(frames(i))).isTrue();
      }
      CompletableFuture<Void> closing = CompletableFuture.runAsync(publisher::close);
      for (int i = 1; i <= COUNT; i++) {
        relay.recvStr();
        assertThat(new String(relay.recv(), StandardCharsets.UTF_8)).startsWith(i + ":");
      }
      closing.get(60, TimeUnit.SECONDS);
      assertThat(publisher.abandoned()).isZero();
    }
  }

  @Test
  void close_relayNeverReads_givesUpAfterTheFlushTime_andCountsWhatItAbandoned() throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ctx.setLinger(0);
      ZMQ.Socket relay = boundSub(ctx);
      ZmqPublisher publisher = ZmqPublisher.open(ctx, SocketOptions.DEFAULTS, "relay_inbound",
          List.of(relay.getLastEndpoint()), true);
      publisher.flushTimeout(Duration.ofMillis(500));
      awaitSubscription(relay, publisher);
      for (int i = 1; i <= COUNT; i++) {
        assertThat(publisher.send(frames(i))).isTrue();
      }
      Eventually.assertThat(() -> publisher.waitedForSubscriber() > 0, "the publisher found the relay's queue full");
      publisher.close();
      // Everything not handed to the socket when the flush time ran out is counted, never silent.
      assertThat(publisher.abandoned()).isPositive().isLessThan(COUNT);
      assertThat(publisher.send(frames(0))).isFalse();
    }
  }

  @Test
  void boundPublisher_neverWaitsForASubscriber() throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ctx.setLinger(0);
      ZmqPublisher publisher = ZmqPublisher.open(ctx, SocketOptions.DEFAULTS, "svc", List.of("tcp://127.0.0.1:*"),
          false);
      ZMQ.Socket slow = ctx.createSocket(SocketType.SUB);
      slow.subscribe(new byte[0]);
      slow.connect(publisher.endpoint());
      awaitSubscription(slow, publisher);
      for (int i = 1; i <= COUNT; i++) {
        assertThat(publisher.send(frames(i))).isTrue();
      }
      publisher.close();
      assertThat(publisher.waitedForSubscriber()).isZero();
      assertThat(publisher.abandoned()).isZero();
    }
  }

  /**
   * A bound socket attaches a new connection (and sends it its subscriptions) only when its own
   * thread calls into it: asking for its events does that.
   */
  private static void awaitSubscription(ZMQ.Socket relay, ZmqPublisher publisher) throws InterruptedException {
    Eventually.assertThat(() -> {
      relay.getEvents();
      try {
        return publisher.awaitSubscriber(Duration.ofMillis(20));
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }, "the relay's subscription reached the publisher");
  }

  private static ZMQ.Socket boundSub(ZContext ctx) {
    ZMQ.Socket relay = ctx.createSocket(SocketType.SUB);
    relay.subscribe(new byte[0]);
    relay.setReceiveTimeOut(30_000);
    relay.bind("tcp://127.0.0.1:*");
    return relay;
  }

  private static byte[][] frames(int i) {
    return new byte[][] {"org.fedoraproject.dev.test.bp".getBytes(StandardCharsets.UTF_8),
        (i + ":" + "x".repeat(1000)).getBytes(StandardCharsets.UTF_8)};
  }
}
