package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fedmsg.testing.RawZmtp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.ZContext;

/**
 * A bound subscriber (a relay's inbound side) is subscribed to everything by the time its
 * constructor returns: a peer that connects and sends at once is not lost. Formerly the relay
 * subscribed afterwards, as a command to the subscriber's thread, and JeroMQ's SUB silently
 * dropped a message that arrived first (OversizedFrameRelayTest lost one about one run in three).
 */
@Timeout(30)
class ZmqSubscriberBoundTest {
  @Test
  void boundSubscriber_receivesAPeersFirstMessage_withoutASubscribeCall() throws Exception {
    List<List<byte[]>> received = new CopyOnWriteArrayList<>();
    try (ZContext context = new ZContext(1);
        ZmqSubscriber sub = new ZmqSubscriber(context, SocketOptions.DEFAULTS, CurveOptions.disabled(),
            "tcp://127.0.0.1:*", received::add, "bound")) {
      // no sub.subscribe(...): nothing but the constructor may stand between binding and receiving
      try (RawZmtp peer = RawZmtp.connect(RawZmtp.port(sub.boundEndpoint()), "PUB", 10_000)) {
        peer.sendFrame("topic".getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
        peer.sendFrame(new byte[1000], false);
        Eventually.assertThat(() -> received.size() == 1, "the bound subscriber read the peer's message");
      }
      assertThat(received.get(0)).hasSize(2);
      assertThat(received.get(0).get(1)).hasSize(1000);
    }
  }
}
