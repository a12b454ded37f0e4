package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.reliable.DurableOutbox;
import org.fedmsg.reliable.ReplayBatch;
import org.fedmsg.reliable.ReplayClient;
import org.fedmsg.reliable.ReplayLimits;
import org.fedmsg.reliable.ReplayServer;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A relay restarted with a gap from its upstream publisher: it continues that publisher's
 * sequence from its outbox, so the first message after the restart shows the seqs sent while it
 * was down (or before it kept them) as a gap, which it fills from the publisher's replay
 * endpoint. Real sockets: the publisher's frames, the publisher's replay server, two relays in
 * turn on the same state directory, a subscriber on the second.
 */
@Timeout(60)
class RelayResumeTest {
  static Signer pkgdb;
  static TrustStore trust;
  static String fingerprint;

  @TempDir Path state;
  ZContext context;
  final String epoch = "e" + Long.toHexString(System.nanoTime());

  @BeforeAll
  static void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("relayresume-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
    pkgdb = Signer.of(leaf.privateKey(), leaf.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
    fingerprint = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(pkgdb.chain().get(0).getEncoded()));
  }

  @AfterAll
  static void closeTrust() {
    trust.close();
  }

  @BeforeEach
  void context() {
    context = new ZContext(1);
    context.setLinger(0);
  }

  @AfterEach
  void close() {
    context.close();
  }

  private Relay relay(String publisherReplay) {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("relay_inbound", "tcp://127.0.0.1:*").put("state_dir", state.resolve("relay").toString());
    tree.putObject("endpoints").putArray("relay_outbound").add("tcp://127.0.0.1:*");
    tree.putObject("replay_endpoints").put("relay_outbound", "tcp://127.0.0.1:*").put("pkgdb", publisherReplay);
    tree.putArray("critical_topics").add("pkgdb.package.*");
    return Relay.start(BusOptions.builder().apply(FedmsgConfig.of(tree))
        .verifier(MessageVerifier.builder().trust(trust).build()).build());
  }

  /** An upstream publisher's socket connected to the relay's inbound side, once the relay subscribed. */
  private ZMQ.Socket upstream(Relay relay) {
    ZMQ.Socket pub = context.createSocket(SocketType.XPUB);
    pub.connect(relay.inboundEndpoint());
    byte[] sub;
    do {
      sub = pub.recv();
    } while (sub == null || sub.length == 0 || sub[0] != 1);
    return pub;
  }

  /** Signs the publisher's next seqs up to {@code to}, keeping each in its outbox before it is sent. */
  private void publish(DurableOutbox outbox, List<byte[][]> m, int to) {
    for (int s = m.size(); s <= to; s++) {
      m.add(GapFillTest.signed(pkgdb, epoch, s));
      outbox.append(epoch, s, m.get(s));
    }
  }

  private static void send(ZMQ.Socket pub, byte[][] frames) {
    pub.send(frames[0], ZMQ.SNDMORE);
    pub.send(frames[1], ZMQ.SNDMORE);
    pub.send(frames[2], 0);
  }

  @Test
  void restartedRelay_resumesTheSignersSequenceFromItsOutbox_andFillsTheGapFromThePublisher() throws Exception {
    List<byte[][]> m = new ArrayList<>();
    m.add(null);
    try (DurableOutbox publisherOutbox = DurableOutbox.open(state.resolve("publisher"), 100, 1 << 20,
            Duration.ofHours(1), Clock.systemUTC());
        ReplayServer publisherReplay = ReplayServer.start(context, "tcp://127.0.0.1:*", null, "pkgdb",
            fp -> fp.equals(fingerprint) ? publisherOutbox : null, ReplayLimits.DEFAULTS)) {
      try (Relay first = relay(publisherReplay.endpoint())) {
        ZMQ.Socket pub = upstream(first);
        publish(publisherOutbox, m, 3);  // signed once the relay runs: older ones are outside its window
        for (int s = 1; s <= 3; s++) {
          send(pub, m.get(s));
        }
        Eventually.assertThat(() -> first.forwarded() == 3, "the first relay forwarded seqs 1..3");
        pub.close();
      }
      List<Long> got = new CopyOnWriteArrayList<>();
      try (Relay second = relay(publisherReplay.endpoint());
          Bus subscriber = Bus.create(BusOptions.builder().endpoint("relay", List.of(second.outboundEndpoint()))
              .verifier(MessageVerifier.builder().trust(trust).build()).build())) {
        assertThat(subscriber.subscribe("", msg -> got.add(msg.body().get("seq").longValue()))
            .awaitReady(Duration.ofSeconds(10))).isTrue();
        ZMQ.Socket pub = upstream(second);
        // 4 and 5 went to the relay in the moment it died: it never kept them, and they reach the
        // subscriber only through the relay's fill (signed now: the subscriber takes them as live)
        publish(publisherOutbox, m, 7);
        send(pub, m.get(6));
        send(pub, m.get(7));
        Eventually.assertThat(() -> got.size() >= 4, "4..7 reached the subscriber through the second relay");
        assertThat(got).containsExactly(4L, 5L, 6L, 7L);
        assertThat(second.stats().gapsFilled()).isEqualTo(2);
        assertThat(second.stats().lost()).isZero();
        // what it filled, it kept: its own replay endpoint serves all of 1..7
        ReplayBatch kept = ReplayClient.fetch(second.replayEndpoint().orElseThrow(), CurveOptions.disabled(),
            fingerprint, epoch, 1, 7, Duration.ofSeconds(10));
        assertThat(kept.messages()).hasSize(7);
        assertThat(kept.missing()).isEmpty();
        assertThat(kept.messages().get(3)[1]).isEqualTo(m.get(4)[1]);
      }
    }
  }
}
