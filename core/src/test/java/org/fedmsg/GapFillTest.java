package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.reliable.SeqRange;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg2;
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
 * Gap fill on a subscribing bus, over real sockets: a test publisher (an XPUB socket sending
 * signed fedmsg/2 frames with chosen seqs, so that it can leave gaps) and a fetcher that serves
 * a publisher's stored frames as a replay endpoint would, and can be held back to order events
 * without sleeping.
 */
@Timeout(60)
class GapFillTest {
  static final String TOPIC = "org.fedoraproject.dev.pkgdb.package.owner.update";
  static Signer pkgdb;
  static Signer other;   // same CA, not allowed to emit pkgdb.* by the policy
  static Signer forger;  // an untrusted CA
  static TrustStore trust;
  static final String POLICY = """
      default: allow
      rules:
        - topics: ["pkgdb.*"]
          signers: ["svc-pkgdb.*"]
          effect: allow
      """;

  @TempDir Path state;
  ZContext context;
  ZMQ.Socket pub;
  String endpoint;
  final String epoch = "e" + Long.toHexString(System.nanoTime());
  /** What the "replay endpoint" holds, by seq. */
  final Map<Long, byte[][]> stored = new ConcurrentHashMap<>();
  final TestFetcher fetcher = new TestFetcher();
  final List<Message> got = new CopyOnWriteArrayList<>();
  final List<String> losses = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("gapfill-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
    TestPki.Issued otherLeaf = ca.issue("svc-other.example.org").keyType(KeyType.ED25519).build();
    TestPki.Issued evilCa = TestPki.rootCa("gapfill-ca").keyType(KeyType.EC_P256).build();
    TestPki.Issued forged = evilCa.issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
    pkgdb = Signer.of(leaf.privateKey(), leaf.chain());
    other = Signer.of(otherLeaf.privateKey(), otherLeaf.chain());
    forger = Signer.of(forged.privateKey(), forged.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
  }

  @AfterAll
  static void closeTrust() {
    trust.close();
  }

  @BeforeEach
  void publisher() {
    context = new ZContext(1);
    context.setLinger(0);
    pub = context.createSocket(SocketType.XPUB);
    pub.bind("tcp://127.0.0.1:*");
    endpoint = pub.getLastEndpoint();
  }

  @AfterEach
  void close() {
    context.close();
  }

  /** Serves {@link #stored}; waits for {@link #release} when {@link #gate} is set. */
  final class TestFetcher implements GapFill.Fetcher {
    volatile CountDownLatch gate;
    final CountDownLatch asked = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean down;
    /** Extra messages served as if they were part of the answer (forged or refused ones). */
    final Map<Long, byte[][]> substitutes = new ConcurrentHashMap<>();

    @Override
    public GapFill.Batch fetch(String fingerprint, String ep, long from, long to) throws GapFill.FetchFailure {
      calls.incrementAndGet();
      asked.countDown();
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (down) {
        throw new GapFill.FetchFailure("unreachable", "endpoint down");
      }
      List<List<byte[]>> messages = new ArrayList<>();
      List<SeqRange> missing = new ArrayList<>();
      long missingFrom = -1;
      for (long s = from; s <= to; s++) {
        byte[][] f = substitutes.containsKey(s) ? substitutes.get(s) : stored.get(s);
        if (f != null && ep.equals(epoch)) {
          if (missingFrom >= 0) {
            missing.add(new SeqRange(missingFrom, s - 1));
            missingFrom = -1;
          }
          messages.add(List.of(f));
        } else if (missingFrom < 0) {
          missingFrom = s;
        }
      }
      if (missingFrom >= 0) {
        missing.add(new SeqRange(missingFrom, to));
      }
      return new GapFill.Batch(messages, missing, List.of());
    }

    @Override
    public boolean available() {
      return true;
    }
  }

  static byte[][] signed(Signer signer, String epoch, long seq) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("topic", TOPIC);
    body.putObject("msg").put("seq", seq);
    body.put("timestamp", System.currentTimeMillis() / 1000.0);
    body.put("msg_id", "2026-" + epoch + "-" + seq + "-" + signer.chain().get(0).getSerialNumber());
    body.put("i", seq);
    body.put("username", "test");
    body.put("epoch", epoch);
    body.put("seq", seq);
    return Fedmsg2.encode(TOPIC, body, signer);
  }

  /** Signs seqs {@code from..to} of the test epoch, keeps them in the store, and returns them. */
  Map<Long, byte[][]> make(long from, long to) {
    Map<Long, byte[][]> out = new TreeMap<>();
    for (long s = from; s <= to; s++) {
      byte[][] f = signed(pkgdb, epoch, s);
      out.put(s, f);
      stored.put(s, f);
    }
    return out;
  }

  void awaitSubscription() {
    byte[] sub;
    do {
      sub = pub.recv();  // XPUB: (un)subscription messages; wait for a subscription
    } while (sub == null || sub.length == 0 || sub[0] != 1);
  }

  void send(byte[][] frames) {
    pub.send(frames[0], ZMQ.SNDMORE);
    pub.send(frames[1], ZMQ.SNDMORE);
    pub.send(frames[2], 0);
  }

  BusOptions.Builder options(boolean late, Duration maxWait) {
    return options(late, maxWait, null);
  }

  BusOptions.Builder options(boolean late, Duration maxWait, FedmsgConfig config) {
    BusOptions.Builder b = BusOptions.builder();
    if (config != null) {
      b.apply(config);
    }
    return b.endpoint("pkgdb", List.of(endpoint)).criticalTopics(List.of("pkgdb.package.*"))
        .verifier(MessageVerifier.builder().trust(trust).policy(TopicPolicy.parse(POLICY, "test", TopicNamespace.DEFAULT))
            .build())
        .gapFill(late, maxWait, 1_000).gapFillFetcher(fetcher).listener(new BusListener() {
          @Override
          public void onLoss(String signer, String fingerprint, String ep, SeqRange range, String reason) {
            losses.add(signer + " " + range.from() + ".." + range.to() + " " + reason);
          }
        });
  }

  Bus subscribe(BusOptions options) {
    Bus bus = Bus.create(options);
    bus.subscribe("", got::add);
    awaitSubscription();
    return bus;
  }

  static List<Long> seqs(List<Message> messages) {
    List<Long> out = new ArrayList<>();
    for (Message m : messages) {
      out.add(m.msg().get("seq").longValue());
    }
    return out;
  }

  static List<Long> lateSeqs(List<Message> messages) {
    List<Long> out = new ArrayList<>();
    for (Message m : messages) {
      if (m.late()) {
        out.add(m.msg().get("seq").longValue());
      }
    }
    return out;
  }

  @Test
  void hold_laterMessagesWaitForTheFill_everythingInOrderOnce() throws Exception {
    fetcher.gate = new CountDownLatch(1);
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30)).build())) {
      Map<Long, byte[][]> m = make(1, 6);
      send(m.get(1L));
      send(m.get(2L));
      send(m.get(5L));   // 3 and 4 lost on the way
      send(m.get(6L));
      fetcher.asked.await(10, TimeUnit.SECONDS);
      Eventually.assertThat(() -> got.size() >= 2, "1 and 2 delivered");
      fetcher.gate.countDown();
      Eventually.assertThat(() -> got.size() >= 6, "all six delivered");
      assertThat(seqs(got)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
      assertThat(lateSeqs(got)).isEmpty();
      assertThat(sub.stats().gaps()).isEqualTo(2);
      assertThat(sub.stats().gapsFilled()).isEqualTo(2);
      assertThat(sub.stats().lost()).isZero();
      assertThat(losses).isEmpty();
    }
  }

  @Test
  void late_laterMessagesGoOnAtOnce_filledOnesFollowFlaggedLate() throws Exception {
    fetcher.gate = new CountDownLatch(1);
    try (Bus sub = subscribe(options(true, Duration.ofSeconds(30)).build())) {
      Map<Long, byte[][]> m = make(1, 5);
      send(m.get(1L));
      send(m.get(2L));
      send(m.get(5L));
      Eventually.assertThat(() -> got.size() >= 3, "1, 2 and 5 delivered before the fill");
      fetcher.gate.countDown();
      Eventually.assertThat(() -> got.size() >= 5, "3 and 4 filled");
      assertThat(seqs(got)).containsExactly(1L, 2L, 5L, 3L, 4L);
      assertThat(lateSeqs(got)).containsExactly(3L, 4L);
      assertThat(sub.stats().gapsFilled()).isEqualTo(2);
    }
  }

  @Test
  void filledSeqReplayedLive_andSeqOutsideTheGap_areRefused() throws Exception {
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30)).build())) {
      Map<Long, byte[][]> m = make(1, 6);
      send(m.get(1L));
      send(m.get(2L));
      send(m.get(5L));
      Eventually.assertThat(() -> got.size() >= 3, "1..5 delivered");
      send(m.get(3L));   // a replay of a filled seq, live
      send(m.get(2L));   // a replay of a seq that was never missing
      send(m.get(6L));
      Eventually.assertThat(() -> got.size() >= 6, "6 delivered");
      assertThat(seqs(got)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
      assertThat(sub.stats().rejected(Reason.DUPLICATE)).isEqualTo(2);
    }
  }

  @Test
  void forgedOrPolicyRefusedFetchedMessages_areRefusedAndTheirSeqsReportedLost() throws Exception {
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30)).build())) {
      Map<Long, byte[][]> m = make(1, 6);
      fetcher.substitutes.put(3L, signed(forger, epoch, 3));           // same name, untrusted CA
      fetcher.substitutes.put(4L, signed(other, epoch, 4));            // trusted, but the policy refuses it
      byte[][] tampered = m.get(5L).clone();
      tampered[1] = new String(tampered[1], java.nio.charset.StandardCharsets.UTF_8)
          .replace("\"seq\":5}", "\"seq\":55}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      fetcher.substitutes.put(5L, tampered);                            // bad signature
      send(m.get(1L));
      send(m.get(6L));   // 2..5 missed
      Eventually.assertThat(() -> got.size() >= 3, "1, 2 and 6 delivered");
      assertThat(seqs(got)).containsExactly(1L, 2L, 6L);
      BusStats stats = sub.stats();
      assertThat(stats.rejected(Reason.UNTRUSTED_CHAIN)).isEqualTo(1);
      assertThat(stats.rejected(Reason.NOT_AUTHORIZED)).isEqualTo(1);
      assertThat(stats.rejected(Reason.BAD_SIGNATURE)).isEqualTo(1);
      assertThat(stats.gapsFilled()).isEqualTo(1);
      assertThat(stats.lost()).isEqualTo(3);
      assertThat(losses).containsExactly("svc-pkgdb.example.org 3..5 refused");
    }
  }

  @Test
  void outboxSmallerThanTheGap_reportsTheExactLostRange() throws Exception {
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30)).build())) {
      Map<Long, byte[][]> m = make(1, 20);
      for (long s = 3; s <= 12; s++) {
        stored.remove(s);   // evicted from the publisher's outbox
      }
      send(m.get(1L));
      send(m.get(20L));  // 2..19 missed; the endpoint holds 2 and 13..19
      Eventually.assertThat(() -> got.size() >= 10, "1, 2, 13..20 delivered");
      assertThat(seqs(got)).containsExactly(1L, 2L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L);
      assertThat(losses).containsExactly("svc-pkgdb.example.org 3..12 missing");
      assertThat(sub.stats().lost()).isEqualTo(10);
      assertThat(sub.stats().gapsFilled()).isEqualTo(8);
    }
  }

  @Test
  void endpointDownPastMaxWait_heldMessagesGoOn_rangeReportedUnreachable() throws Exception {
    fetcher.down = true;
    try (Bus sub = subscribe(options(false, Duration.ofMillis(300)).build())) {
      Map<Long, byte[][]> m = make(1, 4);
      send(m.get(1L));
      send(m.get(4L));
      Eventually.assertThat(() -> got.size() >= 2, "4 released after max_wait");
      assertThat(seqs(got)).containsExactly(1L, 4L);
      assertThat(losses).containsExactly("svc-pkgdb.example.org 2..3 unreachable");
      assertThat(sub.stats().lost()).isEqualTo(2);
      // a copy of the lost range that turns up now is refused: the gap is closed
      send(m.get(2L));
      send(m.get(3L));
      Eventually.assertThat(() -> sub.stats().rejected(Reason.DUPLICATE) == 2, "late copies refused");
    }
  }

  @Test
  void durableSubscriber_restartedAfterMissingSome_getsThemOnce_outboxGapReportedExactly() throws Exception {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("state_dir", state.toString()).put("durable_name", "audit-trail");
    FedmsgConfig config = FedmsgConfig.of(tree);
    Map<Long, byte[][]> m;
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30), config).build())) {
      m = make(1, 6);
      send(m.get(1L));
      send(m.get(2L));
      send(m.get(3L));
      Eventually.assertThat(() -> got.size() >= 3, "1..3 delivered");
    }
    got.clear();
    stored.remove(5L);  // gone from the outbox meanwhile
    // down while 4..6 were published; back up, the next live message is 7
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30), config).build())) {
      send(m.get(3L));   // what this subscriber had already: a replay, refused
      send(make(7, 7).get(7L));
      Eventually.assertThat(() -> got.size() >= 3, "4, 6 and 7 delivered");
      assertThat(seqs(got)).containsExactly(4L, 6L, 7L);
      assertThat(losses).containsExactly("svc-pkgdb.example.org 5..5 missing");
      assertThat(sub.stats().lost()).isEqualTo(1);
    }
    // positions are saved after delivery: a third run asks for nothing before 8
    got.clear();
    int calls = fetcher.calls.get();
    try (Bus sub = subscribe(options(false, Duration.ofSeconds(30), config).build())) {
      send(make(8, 8).get(8L));
      Eventually.assertThat(() -> got.size() >= 1, "8 delivered");
      assertThat(seqs(got)).containsExactly(8L);
      assertThat(fetcher.calls.get()).isEqualTo(calls);
      assertThat(sub.stats().gaps()).isZero();
    }
  }

  @Test
  void realReplayEndpoint_fillsTheGap_skipsStatisticalSeqs_reportsWhatTheOutboxNoLongerHolds() throws Exception {
    String fingerprint = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(pkgdb.chain().get(0).getEncoded()));
    try (org.fedmsg.reliable.DurableOutbox outbox = org.fedmsg.reliable.DurableOutbox.open(state.resolve("outbox"),
            4, 1 << 20, Duration.ofHours(1), java.time.Clock.systemUTC());
        org.fedmsg.reliable.ReplayServer server = org.fedmsg.reliable.ReplayServer.start(context, "tcp://127.0.0.1:*",
            null, "pkgdb", fp -> fp.equals(fingerprint) ? outbox : null, org.fedmsg.reliable.ReplayLimits.DEFAULTS);
        Bus sub = subscribe(options(false, Duration.ofSeconds(30)).gapFillFetcher(null)
            .replayEndpoints(List.of(server.endpoint())).build())) {
      Map<Long, byte[][]> m = make(1, 10);
      for (long s = 2; s <= 9; s++) {
        if (s == 5) {
          outbox.mark(epoch, s);             // a statistical message: nothing to fill
        } else {
          outbox.append(epoch, s, m.get(s)); // bounded to 4: 2, 3 and 4 are evicted by 6..9
        }
      }
      send(m.get(1L));
      send(m.get(10L));
      Eventually.assertThat(() -> got.size() >= 6, "1, 6..10 delivered");
      assertThat(seqs(got)).containsExactly(1L, 6L, 7L, 8L, 9L, 10L);
      assertThat(losses).containsExactly("svc-pkgdb.example.org 2..4 missing");
      assertThat(sub.stats().gapsFilled()).isEqualTo(4);
      assertThat(sub.stats().lost()).isEqualTo(3);
      // the fetched frames are the ones published, byte for byte
      assertThat(got.get(1).rawBody()).isEqualTo(m.get(6L)[1]);
    }
  }

  @Test
  void rangeOneEndpointSaysMissing_isAskedOfTheNextOne_thePublishersOwn() throws Exception {
    String fingerprint = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(pkgdb.chain().get(0).getEncoded()));
    try (org.fedmsg.reliable.DurableOutbox relayOutbox = org.fedmsg.reliable.DurableOutbox.open(state.resolve("relay"),
            4, 1 << 20, Duration.ofHours(1), java.time.Clock.systemUTC());
        org.fedmsg.reliable.DurableOutbox publisherOutbox = org.fedmsg.reliable.DurableOutbox.open(
            state.resolve("publisher"), 100, 1 << 20, Duration.ofHours(1), java.time.Clock.systemUTC());
        org.fedmsg.reliable.ReplayServer relay = org.fedmsg.reliable.ReplayServer.start(context, "tcp://127.0.0.1:*",
            null, "relay_outbound", fp -> fp.equals(fingerprint) ? relayOutbox : null,
            org.fedmsg.reliable.ReplayLimits.DEFAULTS);
        org.fedmsg.reliable.ReplayServer publisher = org.fedmsg.reliable.ReplayServer.start(context,
            "tcp://127.0.0.1:*", null, "pkgdb", fp -> fp.equals(fingerprint) ? publisherOutbox : null,
            org.fedmsg.reliable.ReplayLimits.DEFAULTS);
        Bus sub = subscribe(options(false, Duration.ofSeconds(30)).gapFillFetcher(null)
            .replayEndpoints(List.of(relay.endpoint(), publisher.endpoint())).build())) {
      Map<Long, byte[][]> m = make(1, 10);
      for (long s = 2; s <= 9; s++) {
        relayOutbox.append(epoch, s, m.get(s));      // bounded to 4: the relay answers 2..5 missing
        publisherOutbox.append(epoch, s, m.get(s));  // the publisher still holds them
      }
      send(m.get(1L));
      send(m.get(10L));
      Eventually.assertThat(() -> got.size() >= 10, "1..10 delivered");
      assertThat(seqs(got)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
      assertThat(losses).isEmpty();
      assertThat(sub.stats().gapsFilled()).isEqualTo(8);
      assertThat(sub.stats().lost()).isZero();
    }
  }

  @Test
  void durableName_withoutStateDir_orWithASlash_isAConfigError() {
    for (String name : List.of("ok-name", "../escape")) {
      ObjectNode tree = JsonNodeFactory.instance.objectNode();
      tree.put("durable_name", name);
      if (name.contains("/")) {
        tree.put("state_dir", state.toString());
      }
      try (Bus bus = Bus.create(options(false, Duration.ofSeconds(30), FedmsgConfig.of(tree)).build())) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bus.subscribe("", got::add))
            .isInstanceOf(ConfigException.class).hasMessageContaining("durable_name")
            .hasMessageContaining(name.contains("/") ? "names a directory" : "needs state_dir");
      }
    }
  }

  @Test
  void gapFillMode_badValue_isAConfigError() {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("gap_fill.mode", "sometimes");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BusOptions.builder().apply(FedmsgConfig.of(tree)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("gap_fill.mode").hasMessageContaining("hold, late");
  }
}
