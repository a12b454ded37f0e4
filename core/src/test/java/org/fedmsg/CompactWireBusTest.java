package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.testing.RawZmtp;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg2;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Compact fedmsg/2 frames on real sockets: what subscribers that join at different times see from
 * a publisher and from a relay, what an outsider's compact frame with an unknown chain gets, and
 * that a bus with {@code wire_compact} off sends every chain in full.
 */
@Timeout(60)
class CompactWireBusTest {
  static final String TOPIC = "org.fedoraproject.dev.compact.thing.happened";
  static TestPki.Issued ca;
  static Signer ed;
  static Signer stranger;
  static TrustStore trust;

  @BeforeAll
  static void pki() {
    ca = TestPki.rootCa("compact-bus-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-compact.example.org").keyType(KeyType.ED25519).build();
    ed = Signer.of(leaf.privateKey(), leaf.chain());
    TestPki.Issued s = ca.issue("svc-stranger.example.org").keyType(KeyType.ED25519).build();
    stranger = Signer.of(s.privateKey(), s.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    trust.close();
  }

  /** A plain SUB socket and the verifier of a receiver that has seen nothing before. */
  static final class Observer implements AutoCloseable {
    final ZMQ.Socket sub;
    final MessageVerifier verifier = MessageVerifier.builder().trust(trust).build();

    Observer(ZContext context, String endpoint) {
      sub = context.createSocket(SocketType.SUB);
      sub.subscribe(TOPIC.getBytes(UTF_8));
      sub.connect(endpoint);
    }

    /** The next message within {@code millis}, or null. */
    List<byte[]> next(int millis) {
      sub.setReceiveTimeOut(millis);
      byte[] first = sub.recv();
      if (first == null) {
        return null;
      }
      List<byte[]> frames = new ArrayList<>(List.of(first));
      while (sub.hasReceiveMore()) {
        frames.add(sub.recv());
      }
      return frames;
    }

    MessageVerifier.Verdict check(List<byte[]> frames) {
      return verifier.check(frames);
    }

    @Override
    public void close() {
      sub.close();
      verifier.close();
    }
  }

  /** Calls {@code send} until {@code o} receives something; returns that first message. */
  static List<byte[]> firstMessage(Observer o, Runnable send) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      send.run();
      List<byte[]> got = o.next(50);
      if (got != null) {
        return got;
      }
    }
    throw new AssertionError("nothing received within 20 s");
  }

  /**
   * The first message {@code o} can verify, sending until it arrives. It must be the first
   * message {@code o} receives, except for the race docs/wire-format.md describes (a subscription
   * that ZeroMQ takes in while the socket sends): then the one message before it was compact and
   * refused as unknown-certificate, and the next one is full.
   */
  static List<byte[]> firstVerifiable(Observer o, Runnable send, String what) {
    List<byte[]> first = firstMessage(o, send);
    if (!Fedmsg2.isCompact(first.get(2))) {
      assertValid(o, first, what);
      return first;
    }
    assertThat(o.check(first).cause()).isEqualTo(MessageVerifier.UNKNOWN_CERTIFICATE);
    System.out.println(what + ": the first message was compact (the documented subscription race)");
    send.run();
    List<byte[]> second = o.next(10_000);
    assertThat(second).isNotNull();
    assertThat(Fedmsg2.isCompact(second.get(2))).as(what + ": the message after the race").isFalse();
    assertValid(o, second, what);
    return second;
  }

  static void assertValid(Observer o, List<byte[]> frames, String what) {
    MessageVerifier.Verdict v = o.check(frames);
    assertThat(v.result().isValid()).as(what + ": " + v.result()).isTrue();
  }

  static Bus publisher(boolean compact) {
    return Bus.create(BusOptions.builder().name("compact").endpoint("compact", List.of("tcp://127.0.0.1:*"))
        .signer(ed).wireFormat(WireFormat.FEDMSG2).wireCompact(compact).topicPrefix("org.fedoraproject")
        .environment("dev").build());
  }

  /** Drains what {@code o} receives within a short while (in order), for {@code count} messages. */
  static List<List<byte[]>> receive(Observer o, int count) {
    List<List<byte[]>> out = new ArrayList<>();
    while (out.size() < count) {
      List<byte[]> m = o.next(10_000);
      assertThat(m).as("message " + out.size() + " of " + count).isNotNull();
      out.add(m);
    }
    return out;
  }

  @Test
  void publisher_eachNewSubscribersFirstMessageIsFull_restCompactAndValid() {
    try (ZContext context = new ZContext(); Bus pub = publisher(true);
        Observer early = new Observer(context, pub.publisherEndpoint())) {
      Runnable send = () -> pub.publish("compact", "thing.happened", Map.of("x", 1));
      firstVerifiable(early, send, "early subscriber");
      for (int i = 0; i < 5; i++) {
        send.run();
      }
      for (List<byte[]> m : receive(early, 5)) {
        assertThat(Fedmsg2.isCompact(m.get(2))).isTrue();
        assertValid(early, m, "compact message after the full one");
      }

      try (Observer late = new Observer(context, pub.publisherEndpoint())) {
        firstVerifiable(late, send, "late subscriber");
        send.run();
        List<byte[]> lateNext = late.next(10_000);
        assertThat(Fedmsg2.isCompact(lateNext.get(2))).isTrue();
        assertValid(late, lateNext, "late subscriber's second");
      }
    }
  }

  @Test
  void publisherWithCompactOff_sendsEveryChainInFull() {
    try (ZContext context = new ZContext(); Bus pub = publisher(false);
        Observer o = new Observer(context, pub.publisherEndpoint())) {
      Runnable send = () -> pub.publish("compact", "thing.happened", Map.of("x", 1));
      firstMessage(o, send);
      for (int i = 0; i < 5; i++) {
        send.run();
      }
      for (List<byte[]> m : receive(o, 5)) {
        assertThat(Fedmsg2.isCompact(m.get(2))).isFalse();
      }
    }
  }

  @Test
  void busSubscriber_deliversTheFullFrames_ofCompactMessages() throws Exception {
    // what a store or a bridge keeps (Message.frames()) verifies on its own
    try (Bus pub = publisher(true);
        Bus sub = Bus.create(BusOptions.builder().endpoint("compact", List.of(pub.publisherEndpoint()))
            .verifier(MessageVerifier.builder().trust(trust).build()).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      for (int i = 0; i < 5; i++) {
        pub.publish("compact", "thing.happened", Map.of("n", i));
      }
      try (MessageVerifier offline = MessageVerifier.builder().trust(trust).asOf(Instant.now()).build()) {
        for (int i = 0; i < 5; i++) {
          Message m = got.poll(10, TimeUnit.SECONDS);
          assertThat(m).isNotNull();
          assertThat(Fedmsg2.isCompact(m.frames().get(2))).isFalse();
          // a fresh offline verifier knows no chain: the frames must carry it
          try (MessageVerifier fresh = MessageVerifier.builder().trust(trust).asOf(Instant.now()).build()) {
            assertThat(fresh.check(m.frames()).result().isValid()).isTrue();
          }
        }
      }
      assertThat(sub.stats().rejected()).isZero();
    }
  }

  @Test
  void busCounters_nCompactMessages_sentAndReceivedCounted() throws Exception {
    int n = 20;
    try (Bus pub = publisher(true);
        Bus sub = Bus.create(BusOptions.builder().endpoint("compact", List.of(pub.publisherEndpoint()))
            .verifier(MessageVerifier.builder().trust(trust).build()).verifyThreads(1).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("org.fedoraproject.dev.compact", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      BusStats before = pub.stats();
      for (int i = 0; i < n; i++) {
        pub.publish("compact", "thing.happened", Map.of("n", i));
      }
      for (int i = 0; i < n; i++) {
        assertThat(got.poll(10, TimeUnit.SECONDS)).as("message " + i).isNotNull();
      }
      BusStats sent = pub.stats();
      // one subscriber, no new subscription while sending: the first of the n goes full (unless the
      // readiness probe's answer already carried the chain for this topic), the rest compact
      long full = sent.signaturesFull() - before.signaturesFull();
      long compact = sent.signaturesCompact() - before.signaturesCompact();
      assertThat(full + compact).isEqualTo(n);
      assertThat(full).isBetween(0L, 1L);
      assertThat(compact).isBetween((long) n - 1, (long) n);
      // everything the publisher sent compact reached the one subscriber, whose verifier knew the chain
      BusStats received = sub.stats();
      assertThat(received.compactChainKnown() + received.compactChainWaited()).isEqualTo(sent.signaturesCompact());
      assertThat(received.compactChainWaited()).isZero();   // one verifying thread: nothing to wait for
      assertThat(received.compactChainUnknown()).isZero();
      // a receiving-only bus sends nothing
      assertThat(received.signaturesFull() + received.signaturesCompact()).isZero();
    }
  }

  @Test
  void busWithCompactOff_countsNoForm() throws Exception {
    try (Bus pub = publisher(false)) {
      pub.publish("compact", "thing.happened", Map.of("n", 1));
      assertThat(pub.stats().signaturesFull()).isZero();
      assertThat(pub.stats().signaturesCompact()).isZero();
    }
  }

  static ObjectNode body(Instant now, long seq) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", TOPIC).put("timestamp", now.getEpochSecond()).put("msg_id", "2026-" + UUID.randomUUID())
        .put("i", seq).put("username", "compact-test");
    b.putObject("msg").put("n", seq);
    return Fedmsg2.Stamper.withEpoch("feedfacefeedface").stamp(b).put("seq", seq);
  }

  @Test
  void relay_expandsWhatItVerified_andANewSubscriberGetsItsFirstMessageFull() {
    MessageVerifier relayVerifier = MessageVerifier.builder().trust(trust).build();
    try (ZContext context = new ZContext();
        Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").verifier(relayVerifier).build());
        Observer early = new Observer(context, relay.outboundEndpoint())) {
      ZMQ.Socket pub = context.createSocket(SocketType.PUB);
      pub.connect(relay.inboundEndpoint());
      long[] seq = {0};
      // upstream: full until the relay has it, then compact only (the relay must re-expand)
      boolean[] upstreamCompact = {false};
      Runnable send = () -> {
        byte[][] f = Fedmsg2.encode(TOPIC, body(Instant.now(), ++seq[0]), ed);
        byte[] sig = upstreamCompact[0] ? Fedmsg2.compact(f[2]) : f[2];
        pub.send(f[0], ZMQ.SNDMORE);
        pub.send(f[1], ZMQ.SNDMORE);
        pub.send(sig, 0);
      };
      firstVerifiable(early, send, "early subscriber");
      upstreamCompact[0] = true;
      for (int i = 0; i < 3; i++) {
        send.run();
      }
      for (List<byte[]> m : receive(early, 3)) {
        assertValid(early, m, "forwarded");
      }
      try (Observer late = new Observer(context, relay.outboundEndpoint())) {
        firstVerifiable(late, send, "late subscriber of the relay");
      }
      assertThat(relay.stats().rejected()).isZero();
      // the 3 compact frames from upstream (and the late subscriber's messages) found their chain at once
      BusStats stats = relay.stats();
      assertThat(stats.compactChainKnown()).isGreaterThanOrEqualTo(3);
      assertThat(stats.compactChainUnknown()).isZero();
      assertThat(stats.signaturesFull()).isGreaterThanOrEqualTo(2);   // each subscriber's first
      assertThat(stats.signaturesCompact()).isGreaterThanOrEqualTo(3);
    } finally {
      relayVerifier.close();
    }
  }

  @Test
  void relayWithoutValidation_expandsCompactFramesForANewSubscriber_fromChainsItForwardedInFull() {
    try (ZContext context = new ZContext();
        Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").validateSignatures(false).build());
        Observer early = new Observer(context, relay.outboundEndpoint())) {
      ZMQ.Socket pub = context.createSocket(SocketType.PUB);
      pub.connect(relay.inboundEndpoint());
      long[] seq = {0};
      boolean[] upstreamCompact = {false};
      Runnable send = () -> {
        byte[][] f = Fedmsg2.encode(TOPIC, body(Instant.now(), ++seq[0]), ed);
        pub.send(f[0], ZMQ.SNDMORE);
        pub.send(f[1], ZMQ.SNDMORE);
        pub.send(upstreamCompact[0] ? Fedmsg2.compact(f[2]) : f[2], 0);
      };
      firstVerifiable(early, send, "early subscriber");
      upstreamCompact[0] = true;
      try (Observer late = new Observer(context, relay.outboundEndpoint())) {
        firstVerifiable(late, send, "late subscriber of a relay without validation");
      }
    }
  }

  @Test
  void outsidersCompactFrameWithAnUnknownChain_isRejectedAsUnknownCertificate() throws Exception {
    MessageVerifier relayVerifier = MessageVerifier.builder().trust(trust).build();
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*").verifier(relayVerifier).build());
        RawZmtp raw = RawZmtp.connect(RawZmtp.port(relay.inboundEndpoint()), "PUB", 5_000)) {
      // a valid signature by a certificate of the CA, but its chain never sent in full
      byte[][] f = Fedmsg2.encode(TOPIC, body(Instant.now(), 1), stranger);
      raw.sendFrame(f[0], true);
      raw.sendFrame(f[1], true);
      raw.sendFrame(Fedmsg2.compact(f[2]), false);
      Eventually.assertThat(() -> relay.stats().rejectedByCause()
          .getOrDefault("UNTRUSTED_CHAIN/unknown-certificate", 0L) == 1, "rejected as unknown-certificate");
      assertThat(relay.stats().compactChainUnknown()).isEqualTo(1);
      assertThat(relay.stats().compactChainKnown()).isZero();
      assertThat(relay.forwarded()).isZero();
      assertThat(relay.healthy()).isTrue();
    } finally {
      relayVerifier.close();
    }
  }
}
