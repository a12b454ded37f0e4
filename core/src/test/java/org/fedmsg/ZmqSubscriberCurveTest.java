package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.CurveKeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.ZContext;

/** The subscriber's one-socket-per-server-key grouping: connect with keys, subscriptions, disconnect. */
@Timeout(60)
class ZmqSubscriberCurveTest {

  private static Bus publisher(CurveKeyPair keys) {
    return Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).curve(CurveOptions.builder().keyPair(keys).build()).build());
  }

  private static String topic(List<byte[]> frames) {
    return new String(frames.get(0), StandardCharsets.UTF_8);
  }

  @Test
  void connectWithKeys_subscriptionReachesEverySocket_disconnectStopsThatPublisher() throws Exception {
    CurveKeyPair k1 = CurveKeyPair.generate("p1");
    CurveKeyPair k2 = CurveKeyPair.generate("p2");
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    // Every topic the helper takes off the queue while waiting: assertions look here, so nothing is lost.
    List<String> seen = new ArrayList<>();
    try (Bus p1 = publisher(k1);
        Bus p2 = publisher(k2);
        ZContext context = new ZContext(1)) {
      ZmqSubscriber sub = new ZmqSubscriber(context, SocketOptions.DEFAULTS, CurveOptions.builder().build(), null,
          frames -> got.add(topic(frames)), "test");
      try {
        sub.subscribe("org.fedoraproject.dev.m");
        sub.connect(p1.publisherEndpoint(), k1.publicKeyZ85());
        sub.connect(p2.publisherEndpoint(), k2.publicKeyZ85());
        assertThat(sub.connections()).containsExactlyInAnyOrder(p1.publisherEndpoint(), p2.publisherEndpoint());
        awaitTopic(got, seen, p1, "org.fedoraproject.dev.m.one");
        awaitTopic(got, seen, p2, "org.fedoraproject.dev.m.two");

        sub.disconnect(p2.publisherEndpoint());
        assertThat(sub.connections()).containsExactly(p1.publisherEndpoint());
        // Let the disconnect command run: p1's messages published after it keep flowing.
        awaitTopic(got, seen, p1, "org.fedoraproject.dev.m.one");
        got.clear();
        seen.clear();
        for (int i = 0; i < 5; i++) {
          p2.publish("m", "two", Map.of());
        }
        // Several round trips through p1 after p2 published: a p2 socket still connected would have
        // delivered by then. Everything that arrived meanwhile is in seen (or still queued).
        for (int i = 0; i < 3; i++) {
          awaitTopic(got, seen, p1, "org.fedoraproject.dev.m.one");
        }
        got.drainTo(seen);
        assertThat(seen).contains("org.fedoraproject.dev.m.one").doesNotContain("org.fedoraproject.dev.m.two");

        sub.unsubscribe("org.fedoraproject.dev.m");
        // Subscriptions travel in order: once a message on a new prefix arrives, p1 has the unsubscribe too.
        sub.subscribe("org.fedoraproject.dev.x");
        awaitTopic(got, seen, p1, "org.fedoraproject.dev.x.probe");
        got.clear();
        for (int i = 0; i < 5; i++) {
          p1.publish("m", "one", Map.of());
        }
        p1.publish("x", "probe", Map.of());
        assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("org.fedoraproject.dev.x.probe");
        assertThat(sub.handshakeFailures()).isZero();
      } finally {
        sub.close();
      }
    }
  }

  /**
   * A publisher that delivered and then went away (a restart) closed a connection whose CURVE
   * handshake had succeeded: a disconnect, not a handshake failure. JeroMQ 0.5.4 never reports
   * {@code HANDSHAKE_SUCCEEDED}, so the subscriber learns it from the connection's first message.
   */
  @Test
  void publisherLeavesAfterDelivering_disconnectCounted_notAHandshakeFailure() throws Exception {
    CurveKeyPair k = CurveKeyPair.generate("p1");
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    List<String> seen = new ArrayList<>();
    try (ZContext context = new ZContext(1)) {
      ZmqSubscriber sub = new ZmqSubscriber(context, SocketOptions.DEFAULTS, CurveOptions.builder().build(), null,
          frames -> got.add(topic(frames)), "test");
      try {
        long disconnects;
        try (Bus p = publisher(k)) {
          sub.subscribe("org.fedoraproject.dev.m");
          sub.connect(p.publisherEndpoint(), k.publicKeyZ85());
          awaitTopic(got, seen, p, "org.fedoraproject.dev.m.one");
          disconnects = sub.peerDisconnects();
        }
        Eventually.assertThat(() -> sub.peerDisconnects() > disconnects, "the publisher's leaving seen");
        assertThat(sub.handshakeFailures()).isZero();
      } finally {
        sub.close();
      }
    }
  }

  /**
   * Publishes until the topic arrives (the first subscription may still be on its way); every topic taken
   * off the queue meanwhile is added to {@code seen}, in arrival order.
   */
  private static void awaitTopic(BlockingQueue<String> got, List<String> seen, Bus pub, String topic)
      throws InterruptedException {
    String[] modnameAndSuffix = topic.substring("org.fedoraproject.dev.".length()).split("\\.", 2);
    for (int i = 0; i < 100; i++) {
      pub.publish(modnameAndSuffix[0], modnameAndSuffix[1], Map.of());
      String t = got.poll(100, TimeUnit.MILLISECONDS);
      while (t != null) {
        seen.add(t);
        if (t.equals(topic)) {
          return;
        }
        t = got.poll(10, TimeUnit.MILLISECONDS);
      }
    }
    throw new AssertionError(topic + " never arrived");
  }
}
