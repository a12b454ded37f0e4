package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.testing.RawZmtp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Issue 10 item 10: anyone who can connect may subscribe to a probe topic, and a publisher answers
 * probes to every subscriber of {@code ""}. Hand-written ZMTP peers ({@link RawZmtp}, no ZeroMQ
 * library on the attacker's side) subscribe to probe topics of their own choosing: a 100 KB one, one
 * of the longest size accepted, malformed ones and a flood of well-formed ones. The publisher
 * survives, answers only the well-formed ones, at a bounded rate, with small answers, and a bus
 * application subscribed to everything never sees an answer as a message while good traffic flows.
 *
 * <p>JeroMQ stores and removes a subscription with one recursive call per byte, in whichever of
 * its threads handles the subscribing peer (the publishing thread, or the reaper once the socket
 * is closed). Once the JIT has compiled that recursion, a 4 KB subscription from a peer that then
 * left overflowed the publishing thread's stack (the limit is now 1 KiB): the thread died without closing its socket and
 * closing the bus hung in {@code ZContext.destroy}. The second test repeats that.
 */
// A separate thread: a hang in ZContext.destroy ignores interrupts, and must fail the test, not block the run.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProbeAnswerAttackTest {
  private static final String TOPIC = "org.fedoraproject.dev.test.thing";
  private static final int FLOOD = 500;
  private static final String NONCE = "0123456789abcdef";

  @Test
  void probeSubscriptions_onlyFixedFormAnswered_rateBounded_small_neverDelivered() throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ZmqPublisher publisher = ZmqPublisher.open(ctx, SocketOptions.DEFAULTS, "victim", List.of("tcp://127.0.0.1:*"),
          false);
      ZMQ.Socket everything = ctx.createSocket(SocketType.SUB);   // a reference-style subscriber of ""
      everything.subscribe(new byte[0]);
      everything.setReceiveTimeOut(100);
      everything.connect(publisher.endpoint());
      BlockingQueue<Message> delivered = new LinkedBlockingQueue<>();
      try (Bus bus = Bus.create(BusOptions.builder().endpoint("victim", List.of(publisher.endpoint()))
          .validateSignatures(false).build())) {
        bus.subscribe("", delivered::add);
        warmUp(publisher, everything, delivered);

        long start = System.nanoTime();
        int port = RawZmtp.port(publisher.endpoint());
        try (RawZmtp huge = RawZmtp.connect(port, "SUB", 20_000)) {
          boolean dropped;
          try {
            huge.subscribe(("org." + "A".repeat(100_000) + ZmqPublisher.PROBE_MARKER + NONCE).getBytes(UTF_8));
            dropped = huge.droppedByPeer();
          } catch (java.net.SocketException e) {
            dropped = true;   // reset while still writing
          }
          assertThat(dropped).as("a subscription over the limit drops the peer").isTrue();
        }
        try (RawZmtp flood = RawZmtp.connect(port, "SUB", 20_000)) {
          flood.subscribe(longestProbe('B'));
          flood.subscribe(("org.fedoraproject\nforged line" + ZmqPublisher.PROBE_MARKER + NONCE).getBytes(UTF_8));
          flood.subscribe(("org.fedoraproject" + ZmqPublisher.PROBE_MARKER + "not-hex-at-all!!").getBytes(UTF_8));
          for (int i = 0; i < FLOOD; i++) {
            flood.subscribe(String.format("org.fedoraproject%s%016x", ZmqPublisher.PROBE_MARKER, i).getBytes(UTF_8));
          }
          int probes = FLOOD + 3;
          Eventually.assertThat(() -> publisher.probesAnswered() + publisher.probesRefused() == probes,
              "every probe subscription reached the publisher");
          // Answers and messages leave through the same socket in order: once this message is
          // read, every answer sent before it has been read too.
          publisher.send(frames("end"));
          List<byte[][]> answers = new ArrayList<>();
          readUntil(everything, "end", answers);
          double seconds = (System.nanoTime() - start) / 1e9;

          long allowed = ZmqPublisher.PROBE_BURST + (long) Math.ceil(seconds * ZmqPublisher.PROBES_PER_SECOND);
          assertThat(answers).as("answers in %.1f s", seconds).hasSizeLessThanOrEqualTo((int) allowed).isNotEmpty();
          assertThat(publisher.probesRefused()).isGreaterThanOrEqualTo(probes - allowed);
          for (byte[][] answer : answers) {
            String topic = new String(answer[0], UTF_8);
            assertThat(topic).matches("org\\.fedoraproject\\._heartbeat\\.probe\\.[0-9a-f]{16}");
            assertThat(answer[0].length + answer[1].length).isLessThan(300);
          }
        }
        Eventually.assertThat(() -> delivered.stream().anyMatch(m -> m.body().path("msg").path("n").asText().equals("end")),
            "the good message after the attack reached the application");
        assertThat(delivered).noneMatch(m -> m.topic().contains(ZmqPublisher.PROBE_MARKER));
      } finally {
        publisher.close();
      }
    }
  }

  @Test
  void longestSubscriptions_fromPeersThatLeave_publisherKeepsSending_closeReturns() throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ZmqPublisher publisher = ZmqPublisher.open(ctx, SocketOptions.DEFAULTS, "victim", List.of("tcp://127.0.0.1:*"),
          false);
      try {
        ZMQ.Socket everything = ctx.createSocket(SocketType.SUB);
        everything.subscribe(new byte[0]);
        everything.setReceiveTimeOut(100);
        everything.connect(publisher.endpoint());
        int port = RawZmtp.port(publisher.endpoint());
        // Enough rounds for the JIT to compile the recursion: compiled frames are larger.
        for (int i = 0; i < 200; i++) {
          try (RawZmtp peer = RawZmtp.connect(port, "SUB", 20_000)) {
            peer.subscribe(longestProbe((char) ('a' + i % 26)));
            long refused = i + 1;
            Eventually.assertThat(() -> publisher.probesRefused() >= refused, "the subscription was read");
          }
        }
        // One peer still subscribed when the publisher closes: the reaper removes its subscription.
        RawZmtp last = RawZmtp.connect(port, "SUB", 20_000);
        last.subscribe(longestProbe('z'));
        Eventually.assertThat(() -> publisher.probesRefused() >= 201, "the last subscription was read");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean arrived = false;
        while (!arrived && System.nanoTime() < deadline) {
          publisher.send(frames("after"));
          byte[] topic = everything.recv();
          arrived = topic != null;
        }
        assertThat(arrived).as("the publisher still sends after 200 peers left").isTrue();
        publisher.close();
        last.close();
      } finally {
        publisher.close();
      }
    }   // the context's destruction returns: the @Timeout catches a hang
  }

  /** A malformed probe subscription (a SUBSCRIBE frame) of exactly the largest size a publisher accepts. */
  private static byte[] longestProbe(char filler) {
    String tail = ZmqPublisher.PROBE_MARKER + NONCE;
    String topic = "org." + String.valueOf(filler).repeat(SocketOptions.MAX_SUBSCRIPTION_BYTES - 1 - 4 - tail.length()) + tail;
    assertThat(topic.length() + 1).isEqualTo(SocketOptions.MAX_SUBSCRIPTION_BYTES);
    return topic.getBytes(UTF_8);
  }

  @Test
  void isProbeTopic_acceptsOnlyTheFixedForm() {
    assertThat(ZmqPublisher.isProbeTopic("org.fedoraproject._heartbeat.probe.0123456789abcdef")).isTrue();
    assertThat(ZmqPublisher.isProbeTopic("._heartbeat.probe.0123456789abcdef")).isTrue();
    assertThat(ZmqPublisher.isProbeTopic("org.fedoraproject._heartbeat.probe.0123456789abcdef.x")).isFalse();
    assertThat(ZmqPublisher.isProbeTopic("org.fedoraproject._heartbeat.probe.0123456789ABCDEF")).isFalse();
    assertThat(ZmqPublisher.isProbeTopic("org fedora._heartbeat.probe.0123456789abcdef")).isFalse();
    assertThat(ZmqPublisher.isProbeTopic("a".repeat(200) + "._heartbeat.probe.0123456789abcdef")).isFalse();
  }

  private static byte[][] frames(String n) {
    return new byte[][] {TOPIC.getBytes(UTF_8),
        ("{\"msg\":{\"n\":\"" + n + "\"},\"topic\":\"" + TOPIC + "\"}").getBytes(UTF_8)};
  }

  /** Sends until both the raw subscriber and the bus application have a message. */
  private static void warmUp(ZmqPublisher publisher, ZMQ.Socket everything, BlockingQueue<Message> delivered)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    boolean raw = false;
    while (!raw || delivered.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no message reached the subscribers");
      }
      publisher.send(frames("warm-up"));
      while (everything.recv(ZMQ.DONTWAIT) != null) {
        raw = true;
      }
      Thread.sleep(20);
    }
    while (everything.recv(ZMQ.DONTWAIT) != null) {
      // the rest of the warm-up
    }
  }

  /** Reads two-frame messages until the one numbered {@code n}; probe answers go to {@code answers}. */
  private static void readUntil(ZMQ.Socket socket, String n, List<byte[][]> answers) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      byte[] topic = socket.recv();
      if (topic == null) {
        continue;
      }
      byte[] body = socket.hasReceiveMore() ? socket.recv() : new byte[0];
      while (socket.hasReceiveMore()) {
        socket.recv();
      }
      if (new String(topic, UTF_8).contains(ZmqPublisher.PROBE_MARKER)) {
        answers.add(new byte[][] {topic, body});
      } else if (new String(body, UTF_8).contains("\"" + n + "\"")) {
        return;
      }
    }
    throw new AssertionError("message " + n + " never arrived");
  }
}
