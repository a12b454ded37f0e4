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

        for (int i = 2; i <= 200; i++) {
          assertThat(publisher.send(frames(i))).isTrue();
        }
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
        assertThat(back.recv()).as("a message after the relay came back").isNotNull();
        int first = Integer.parseInt(new String(back.recv(), StandardCharsets.UTF_8));
        // The loss window is what was in flight when the connection died: far less than 199 messages.
        assertThat(first).isBetween(2, 150);
        for (int i = first + 1; i <= 200; i++) {
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
