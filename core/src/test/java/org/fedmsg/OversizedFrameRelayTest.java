package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedmsg.testing.RawZmtp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Issue 10 item 4 in process: a raw ZMTP peer announcing a frame one byte over {@code
 * max_message_size} is disconnected by the relay, the disconnect is counted, and the relay keeps
 * forwarding (the process-level attack with a 2 GB frame is {@code OversizedFrameAttackIT}).
 */
@Timeout(60)
class OversizedFrameRelayTest {
  private static final String TOPIC = "org.fedoraproject.dev.test.thing";
  private static final byte[] GOOD = ("{\"topic\":\"" + TOPIC + "\",\"msg\":{}}").getBytes(UTF_8);
  private static final long LIMIT = 64 * 1024;

  @Test
  void frameOverTheLimit_peerDropped_disconnectCounted_relayStillForwards() throws Exception {
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").validateSignatures(false)
            .socketOptions(SocketOptions.DEFAULTS.withMaxMessageSize(LIMIT)).build());
        ZContext ctx = new ZContext(1)) {
      ZMQ.Socket pub = ctx.createSocket(SocketType.PUB);
      pub.connect(relay.inboundEndpoint());
      ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
      sub.setReceiveTimeOut(100);
      sub.subscribe(new byte[0]);
      sub.connect(relay.outboundEndpoint());
      assertThat(forwardOne(pub, sub)).as("a good message before").isTrue();

      long before = relay.peerDisconnects();
      try (RawZmtp attacker = RawZmtp.connect(RawZmtp.port(relay.inboundEndpoint()), "PUB", 20_000)) {
        attacker.announceFrame(LIMIT + 1);    // one byte over the limit
        assertThat(attacker.droppedByPeer()).as("the relay closed the connection").isTrue();
      }
      Eventually.assertThat(() -> relay.peerDisconnects() > before, "the disconnect was counted");
      assertThat(relay.stats().peerDisconnects()).isEqualTo(relay.peerDisconnects());
      assertThat(forwardOne(pub, sub)).as("a good message after").isTrue();
      assertThat(relay.healthy()).isTrue();
    }
  }

  @Test
  void frameAtTheLimit_accepted() throws Exception {
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").validateSignatures(false)
            .socketOptions(SocketOptions.DEFAULTS.withMaxMessageSize(LIMIT)).build())) {
      try (RawZmtp peer = RawZmtp.connect(RawZmtp.port(relay.inboundEndpoint()), "PUB", 20_000)) {
        peer.sendFrame(new byte[(int) LIMIT], false);   // a (malformed, single-frame) message of exactly the limit
        Eventually.assertThat(() -> relay.stats().received() == 1, "the relay read the message");
      }
    }
  }

  /** Sends good messages until one is forwarded (subscriptions take a moment), for up to 20 s. */
  private static boolean forwardOne(ZMQ.Socket pub, ZMQ.Socket sub) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      pub.sendMore(TOPIC);
      pub.send(GOOD);
      if (sub.recv() != null) {
        while (sub.hasReceiveMore()) {
          sub.recv();
        }
        while (sub.recv(ZMQ.DONTWAIT) != null) {
          // later copies
        }
        return true;
      }
    }
    return false;
  }
}
