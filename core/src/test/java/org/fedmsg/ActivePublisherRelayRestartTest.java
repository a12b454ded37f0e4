package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A connecting publisher whose relay goes away does not send into the void: once its connection
 * is seen closed, what it publishes waits in its queue (bounded by the high-water mark; the
 * publishing thread then waits) and reaches the relay that comes back on the same endpoint, in
 * order. What was written to the connection in the moment it died is lost on this hop (a gap the
 * subscribers fill from the publisher's replay endpoint); that window is a prefix, never a hole
 * later on.
 */
@Timeout(60)
class ActivePublisherRelayRestartTest {
  /** More than the publisher's hand-off queue could hide: the relay must get one well before. */
  private static final int MAX_MESSAGES = 50_000;

  @Test
  void relayGoneAndBack_messagesPublishedMeanwhileArrive() throws Exception {
    try (ZContext relayCtx = new ZContext(1); ZContext pubCtx = new ZContext(1)) {
      relayCtx.setLinger(0);
      ZMQ.Socket relay = boundSub(relayCtx, "tcp://127.0.0.1:*");
      String endpoint = relay.getLastEndpoint();
      ZmqPublisher publisher = ZmqPublisher.open(pubCtx, SocketOptions.DEFAULTS, "relay_inbound", List.of(endpoint),
          true);
      try {
        Eventually.assertThat(() -> {
          relay.getEvents();
          try {
            return publisher.awaitSubscriber(Duration.ofMillis(20));
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
        }, "the relay's subscription reached the publisher");
        assertThat(publisher.send(frames(1))).isTrue();
        assertThat(new String(relay.recv(), StandardCharsets.UTF_8)).isEqualTo("org.fedoraproject.dev.test.restart");
        assertThat(new String(relay.recv(), StandardCharsets.UTF_8)).isEqualTo("1");
        relayCtx.destroySocket(relay);   // the relay is gone: its connection closes

        // The old socket's port is released asynchronously: bind as soon as it is free.
        ZMQ.Socket back = relayCtx.createSocket(SocketType.SUB);
        back.subscribe(new byte[0]);
        back.setReceiveTimeOut(20_000);
        Eventually.assertThat(() -> {
          try {
            back.bind(endpoint);
            return true;
          } catch (org.zeromq.ZMQException e) {
            return false;
          }
        }, "the relay's endpoint is free again");
        // Publish until the new relay has a message: how many were written into the dead
        // connection before the publisher saw it close depends on scheduling, so no count is
        // assumed; what must hold is that the loss is a prefix and everything after it arrives.
        int sent = 1;
        byte[] topic = null;
        while (topic == null && sent < MAX_MESSAGES) {
          sent++;
          assertThat(publisher.send(frames(sent))).isTrue();
          topic = back.recv(ZMQ.DONTWAIT);
        }
        if (topic == null) {
          topic = back.recv();
        }
        assertThat(topic).as("a message after the relay came back").isNotNull();
        int first = Integer.parseInt(new String(back.recv(), StandardCharsets.UTF_8));
        assertThat(first).isBetween(2, sent);
        for (int i = first + 1; i <= sent; i++) {
          assertThat(back.recv()).as("message %d after the relay came back (first was %d)", i, first).isNotNull();
          assertThat(new String(back.recv(), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(i));
        }
        assertThat(publisher.abandoned()).isZero();
      } finally {
        publisher.close();
      }
    }
  }

  private static ZMQ.Socket boundSub(ZContext ctx, String endpoint) {
    ZMQ.Socket relay = ctx.createSocket(SocketType.SUB);
    relay.subscribe(new byte[0]);
    relay.setReceiveTimeOut(20_000);
    relay.bind(endpoint);
    return relay;
  }

  private static byte[][] frames(int i) {
    return new byte[][] {"org.fedoraproject.dev.test.restart".getBytes(StandardCharsets.UTF_8),
        Integer.toString(i).getBytes(StandardCharsets.UTF_8)};
  }
}
