package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
      int port = Integer.parseInt(relay.inboundEndpoint().substring(relay.inboundEndpoint().lastIndexOf(':') + 1));
      try (Socket attacker = handshake(port)) {
        DataOutputStream out = new DataOutputStream(attacker.getOutputStream());
        out.write(0x02);             // a long, last frame
        out.writeLong(LIMIT + 1);    // one byte over the limit
        out.flush();
        assertThat(droppedByPeer(attacker)).as("the relay closed the connection").isTrue();
      }
      Eventually.assertThat(() -> relay.peerDisconnects() > before, "the disconnect was counted");
      assertThat(forwardOne(pub, sub)).as("a good message after").isTrue();
      assertThat(relay.healthy()).isTrue();
    }
  }

  @Test
  void frameAtTheLimit_accepted() throws Exception {
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").validateSignatures(false)
            .socketOptions(SocketOptions.DEFAULTS.withMaxMessageSize(LIMIT)).build())) {
      int port = Integer.parseInt(relay.inboundEndpoint().substring(relay.inboundEndpoint().lastIndexOf(':') + 1));
      try (Socket peer = handshake(port)) {
        DataOutputStream out = new DataOutputStream(peer.getOutputStream());
        out.write(0x02);
        out.writeLong(LIMIT);
        out.write(new byte[(int) LIMIT]);   // a (malformed, single-frame) message of exactly the limit
        out.flush();
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

  /** Connects and completes a ZMTP 3.0 NULL handshake as a PUB socket. */
  static Socket handshake(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(20_000);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    byte[] greeting = new byte[64];
    greeting[0] = (byte) 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    System.arraycopy("NULL".getBytes(StandardCharsets.US_ASCII), 0, greeting, 12, 4);
    out.write(greeting);
    ByteArrayOutputStream ready = new ByteArrayOutputStream();
    ready.write(5);
    ready.writeBytes("READY".getBytes(StandardCharsets.US_ASCII));
    ready.write(11);
    ready.writeBytes("Socket-Type".getBytes(StandardCharsets.US_ASCII));
    ready.writeBytes(new byte[] {0, 0, 0, 3});
    ready.writeBytes("PUB".getBytes(StandardCharsets.US_ASCII));
    out.write(0x04);
    out.write(ready.size());
    out.write(ready.toByteArray());
    out.flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    in.readFully(new byte[64]);
    int flags = in.readUnsignedByte();
    long size = (flags & 0x02) != 0 ? in.readLong() : in.readUnsignedByte();
    in.readFully(new byte[(int) size]);
    return s;
  }

  /** Whether the peer closed the connection before the read timeout (what it sends first is skipped). */
  static boolean droppedByPeer(Socket s) throws IOException {
    try {
      byte[] skip = new byte[256];
      while (s.getInputStream().read(skip) >= 0) {
        // its subscriptions
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }
}
