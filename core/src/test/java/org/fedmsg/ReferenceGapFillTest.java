package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Signer;
import org.fedmsg.discovery.curve.CurveSockets;
import org.fedmsg.reliable.LostRange;
import org.fedmsg.reliable.ReferenceQueries;
import org.fedmsg.reliable.ReferenceStore;
import org.fedmsg.reliable.SeqRange;
import org.fedmsg.wire.Fedmsg1;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * fedmsg/1 gap fill by the reference replay protocol, between Java parts only: a raw publisher
 * socket that sends chosen messages, a replay socket answering from a {@link ReferenceStore}, and a
 * subscribing bus. Also the publishing side: which publisher signs a {@code seq_id} and keeps its
 * messages.
 */
@Timeout(60)
class ReferenceGapFillTest {
  private static final String APP01 = ReferencePki.APP01;
  private static final String TOPIC = "org.fedoraproject.dev.gapfill.thing.changed";

  @TempDir Path dir;
  private ReferencePki pki;
  private Signer app01;
  private ReferenceStore store;
  private final Map<Long, byte[]> signed = new HashMap<>();
  /** What the subscriber's listener heard of losses, in order. */
  private final List<LostRange> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** When the listener heard each loss ({@link System#nanoTime}). */
  private final List<Long> heardAt = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** When the subscriber accepted each live seq_id ({@link System#nanoTime}). */
  private final Map<Long, Long> acceptedAt = new java.util.concurrent.ConcurrentHashMap<>();
  /** {@code gap_fill.reference_timeout} for the subscriber, or null for the default. */
  private String referenceTimeout;

  private final BusListener listener = new BusListener() {
    @Override
    public void messageAccepted(Message message, long checkNanos) {
      Fedmsg1.seqId(message.bodyTree()).ifPresent(seq -> acceptedAt.putIfAbsent(seq, System.nanoTime()));
    }

    @Override
    public void onLoss(String signer, String fingerprint, String epoch, SeqRange range, String reason) {
      heard.add(new LostRange(signer, fingerprint, epoch, range, reason));
      heardAt.add(System.nanoTime());
    }
  };

  @BeforeEach
  void setUp() {
    pki = ReferencePki.in(dir);
    app01 = pki.signer(APP01);
    store = ReferenceStore.open(dir.resolve("store"), 10_000, 64 << 20, Duration.ofHours(1), Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    if (subscriber != null) {
      subscriber.close();
    }
    store.close();
    pki.close();
  }

  /** The subscriber bus of the test's {@link #run}, closed after the test. */
  private Bus subscriber;

  /** Signs (seq_id included) and keeps messages up to {@code last}, as a publisher of this project does. */
  private void publishUpTo(long last, Signer signer) {
    while (store.nextSeqId() <= last) {
      long seq = store.nextSeqId();
      byte[] body = sign(seq, signer);
      store.append(seq, TOPIC.getBytes(StandardCharsets.UTF_8), body);
      signed.put(seq, body);
    }
  }

  private static byte[] sign(long seq, Signer signer) {
    ObjectNode m = Json.object().put("topic", TOPIC).put("timestamp", System.currentTimeMillis() / 1000)
        .put("msg_id", "2026-" + UUID.randomUUID()).put("i", seq).put("username", "test").put("seq_id", seq);
    m.putObject("msg").put("n", seq);
    return Fedmsg1.signToWire(m, signer);
  }

  private ObjectNode config(String pub, String replay) {
    ObjectNode tree = Json.object()
        .put("ca_cert_location", pki.ssldir().resolve("ca.crt").toString())
        .put("crl_location", pki.ssldir().resolve("crl.pem").toString());
    tree.putObject("endpoints").putArray("svc").add(pub);
    tree.putObject("replay_endpoints").put("svc", replay);
    tree.putObject("certnames").put("svc", APP01);
    if (referenceTimeout != null) {
      tree.put("gap_fill.reference_timeout", referenceTimeout);
    }
    return tree;
  }

  /**
   * Runs a subscriber against a raw publisher that sends what {@code live} returns, once the
   * subscriber is there (messages signed before a verifier starts are refused by it); returns the
   * seq_ids delivered.
   */
  private List<Long> run(String replay, java.util.function.Supplier<List<byte[]>> live, int expected) throws Exception {
    return run(replay, live, expected, null);
  }

  /** @param curveKey the publisher's CURVE key pair (publish and replay socket), or null for plain sockets */
  private List<Long> run(String replay, java.util.function.Supplier<List<byte[]>> live, int expected,
      CurveKeyPair curveKey) throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket pub = ctx.createSocket(SocketType.XPUB);
      if (curveKey != null) {
        CurveSockets.server(pub, curveKey, "pub-test");
      }
      pub.bind("tcp://127.0.0.1:*");
      BusOptions.Builder options = BusOptions.builder().apply(FedmsgConfig.of(config(pub.getLastEndpoint(), replay)))
          .listener(listener);
      if (curveKey != null) {
        // the subscriber knows the publish socket's key only: the replay endpoint has the same
        options.curve(CurveOptions.builder().keyPair(CurveKeyPair.generate("sub"))
            .serverKey(pub.getLastEndpoint(), curveKey.publicKeyZ85()).build());
      }
      Bus sub = Bus.create(options.build());
      subscriber = sub;
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      sub.subscribe("org.fedoraproject.dev.gapfill", got::add);
      pub.setReceiveTimeOut(30_000);
      assertThat(pub.recv()).as("the subscription").isNotNull();
      for (byte[] body : live.get()) {
        pub.sendMore(TOPIC);
        pub.send(body);
      }
      List<Long> seqIds = new ArrayList<>();
      while (seqIds.size() < expected) {
        Message m = got.poll(30, TimeUnit.SECONDS);
        assertThat(m).as("delivered so far: " + seqIds).isNotNull();
        seqIds.add(Fedmsg1.seqId(m.body()).orElseThrow());
      }
      return seqIds;
    }
  }

  @Test
  void gap_filledInOrderBeforeTheLiveMessage_once() throws Exception {
    try (ReferenceReplaySocket socket = new ReferenceReplaySocket().start(new ReferenceQueries(store))) {
      List<Long> seqIds = run(socket.endpoint(), () -> {
        publishUpTo(8, app01);
        return List.of(signed.get(1L), signed.get(2L), signed.get(6L), signed.get(8L));
      }, 8);
      assertThat(seqIds).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      ReferenceGapFill gaps = ((FedmsgBus) subscriber).referenceGaps();
      assertThat(gaps.filled()).isEqualTo(4);
      assertThat(gaps.lost()).isZero();
      assertThat(heard).isEmpty();
      assertThat(socket.answered()).isEqualTo(2);
    }
  }

  @Test
  void gap_filledOverCurve_withThePublishSocketsKey() throws Exception {
    CurveKeyPair server = CurveKeyPair.generate("publisher");
    try (ReferenceReplaySocket socket = new ReferenceReplaySocket(server).start(new ReferenceQueries(store))) {
      List<Long> seqIds = run(socket.endpoint(), () -> {
        publishUpTo(3, app01);
        return List.of(signed.get(1L), signed.get(3L));
      }, 3, server);
      assertThat(seqIds).containsExactly(1L, 2L, 3L);
      assertThat(((FedmsgBus) subscriber).referenceGaps().filled()).isEqualTo(1);
    }
  }

  @Test
  void lowerSeqId_isANewNumbering_deliveredWithoutAsking() throws Exception {
    try (ReferenceReplaySocket socket = new ReferenceReplaySocket().start(new ReferenceQueries(store))) {
      // 5 and 6 from before a restart whose store was lost, then 1 and 2 again (new messages, new msg_ids)
      List<Long> seqIds = run(socket.endpoint(), () -> {
        publishUpTo(6, app01);
        return List.of(signed.get(5L), signed.get(6L), sign(1, app01), sign(2, app01));
      }, 4);
      assertThat(seqIds).containsExactly(5L, 6L, 1L, 2L);
      assertThat(socket.answered()).isZero();
    }
  }

  @Test
  void replayEndpointDown_gapReported_liveMessageStillDelivered() throws Exception {
    String nobody;
    try (ReferenceReplaySocket closed = new ReferenceReplaySocket()) {
      nobody = closed.endpoint();
    }
    List<Long> seqIds = run(nobody, () -> {
      publishUpTo(3, app01);
      return List.of(signed.get(1L), signed.get(3L));
    }, 2);
    assertThat(seqIds).containsExactly(1L, 3L);
    ReferenceGapFill gaps = ((FedmsgBus) subscriber).referenceGaps();
    assertThat(gaps.lost()).isEqualTo(1);
    assertThat(gaps.filled()).isZero();
    LostRange loss = new LostRange(APP01, app01.identity().fingerprint(), ReferenceGapFill.NO_EPOCH,
        new SeqRange(2, 2), "unreachable");
    assertThat(heard).containsExactly(loss);
    assertThat(subscriber.lostRanges()).containsExactly(loss);
    assertThat(subscriber.stats().lost()).isEqualTo(1);
  }

  @Test
  void gapLargerThanOneRequest_restReportedLost() throws Exception {
    int last = ReferenceGapFill.MAX_GAP + 3;
    try (ReferenceReplaySocket socket = new ReferenceReplaySocket().start(new ReferenceQueries(store, 2000, 64 << 20))) {
      List<Long> seqIds = run(socket.endpoint(), () -> {
        publishUpTo(last, app01);
        return List.of(signed.get(1L), signed.get((long) last));
      }, ReferenceGapFill.MAX_GAP + 2);
      assertThat(seqIds.get(0)).isEqualTo(1L);
      assertThat(seqIds.get(seqIds.size() - 2)).isEqualTo(ReferenceGapFill.MAX_GAP + 1L);
      assertThat(seqIds.get(seqIds.size() - 1)).isEqualTo((long) last);
      ReferenceGapFill gaps = ((FedmsgBus) subscriber).referenceGaps();
      assertThat(gaps.filled()).isEqualTo(ReferenceGapFill.MAX_GAP);
      assertThat(gaps.lost()).isEqualTo(1);   // seq_id MAX_GAP + 2
      assertThat(heard).containsExactly(new LostRange(APP01, app01.identity().fingerprint(), ReferenceGapFill.NO_EPOCH,
          new SeqRange(ReferenceGapFill.MAX_GAP + 2, ReferenceGapFill.MAX_GAP + 2), "overflow"));
    }
  }

  @Test
  void gapPartlyInTheStore_restReportedMissing_exactRange() throws Exception {
    try (ReferenceReplaySocket socket = new ReferenceReplaySocket().start(new ReferenceQueries(store))) {
      // the store holds 1 and 2 only: of the gap 2..5 before the live 6, 3..5 cannot be had
      List<Long> seqIds = run(socket.endpoint(), () -> {
        publishUpTo(2, app01);
        return List.of(signed.get(1L), sign(6, app01));
      }, 3);
      assertThat(seqIds).containsExactly(1L, 2L, 6L);
      LostRange loss = new LostRange(APP01, app01.identity().fingerprint(), ReferenceGapFill.NO_EPOCH,
          new SeqRange(3, 5), "missing");
      assertThat(heard).containsExactly(loss);
      assertThat(subscriber.lostRanges()).containsExactly(loss);
      assertThat(subscriber.stats().lost()).isEqualTo(3);
      assertThat(subscriber.stats().gapsFilled()).isEqualTo(1);
    }
  }

  /* --------------- gap_fill.reference_timeout --------------- */

  @Test
  void referenceTimeout_fromConfig_boundsEachFetch() throws Exception {
    referenceTimeout = "300ms";
    String nobody;
    try (ReferenceReplaySocket closed = new ReferenceReplaySocket()) {
      nobody = closed.endpoint();
    }
    List<Long> seqIds = run(nobody, () -> {
      publishUpTo(3, app01);
      return List.of(signed.get(1L), signed.get(3L));
    }, 2);
    assertThat(seqIds).containsExactly(1L, 3L);
    assertThat(((FedmsgBus) subscriber).referenceGaps().timeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(heard).extracting(LostRange::reason).containsExactly("unreachable");
    // from the live 3's arrival to the loss: the fetch gave up after 300 ms, not the default 5 s
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(heardAt.get(0) - acceptedAt.get(3L));
    assertThat(waitedMillis).isBetween(250L, 3_000L);
  }

  @Test
  void referenceTimeout_default5s_builderRefusesNotPositive() {
    ObjectNode tree = Json.object();
    tree.putObject("replay_endpoints").put("a", "tcp://127.0.0.1:1");
    tree.putObject("certnames").put("a", "a-cert");
    try (ReferenceGapFill fill = ReferenceGapFill.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).build(),
        null)) {
      assertThat(fill.timeout()).isEqualTo(Duration.ofSeconds(5)).isEqualTo(ReferenceGapFill.TIMEOUT);
    }
    try (ReferenceGapFill fill = ReferenceGapFill.create(BusOptions.builder().apply(FedmsgConfig.of(tree))
        .referenceReplayTimeout(Duration.ofMillis(1500)).build(), null)) {
      assertThat(fill.timeout()).isEqualTo(Duration.ofMillis(1500));
    }
    assertThatThrownBy(() -> BusOptions.builder().referenceReplayTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reference replay timeout");
    assertThatThrownBy(() -> BusOptions.builder().referenceReplayTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /* --------------- which publishers are followed --------------- */

  @Test
  void create_followsOnlyUnambiguousCertificates() {
    ObjectNode tree = Json.object();
    tree.putObject("replay_endpoints").put("a", "tcp://127.0.0.1:1").put("b", "tcp://127.0.0.1:2")
        .put("c", "tcp://127.0.0.1:3");
    tree.putObject("certnames").put("a", "shared-cert").put("b", "shared-cert").put("c", "own-cert");
    BusOptions options = BusOptions.builder().apply(FedmsgConfig.of(tree)).build();
    try (ReferenceGapFill fill = ReferenceGapFill.create(options, null)) {
      assertThat(fill).isNotNull();
    }
    tree.with("certnames").put("c", "shared-cert");
    assertThat(ReferenceGapFill.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).build(), null)).isNull();
    assertThat(ReferenceGapFill.create(BusOptions.builder().build(), null)).isNull();
  }

  /* --------------- the publishing side --------------- */

  private Bus publisher(boolean stateDir, String wireFormat) {
    return publisher(stateDir, wireFormat, app01);
  }

  private Bus publisher(boolean stateDir, String wireFormat, Signer signer) {
    ObjectNode tree = Json.object().put("name", "javasvc").put("validate_signatures", false)
        .put("wire_format", wireFormat);
    if (stateDir) {
      tree.put("state_dir", dir.resolve("state").toString());
    }
    tree.putObject("endpoints").putArray("javasvc").add("tcp://127.0.0.1:*");
    tree.putObject("replay_endpoints").put("javasvc", "tcp://127.0.0.1:*");
    return Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer).build());
  }

  @Test
  void publisher_signsSeqId_keepsExactBodies_continuesAfterRestart() {
    List<Message> sent = new ArrayList<>();
    try (Bus pub = publisher(true, "fedmsg1")) {
      sent.add(pub.publish("gapfill", "thing.changed", Map.of("n", 1)));
      sent.add(pub.publish("gapfill", "thing.changed", Map.of("n", 2)));
      assertThatThrownBy(() -> pub.publishForwarded(TOPIC, Map.of(), "2026-x",
          Map.of("seq_id", Json.MAPPER.getNodeFactory().numberNode(9)))).isInstanceOf(IllegalArgumentException.class);
      // its replay endpoint answers reference queries from the store; it holds no fedmsg/2 outbox
      String url = pub.replayEndpoint().orElseThrow();
      try (org.fedmsg.reliable.ReferenceReplayClient client = new org.fedmsg.reliable.ReferenceReplayClient(
          Duration.ofSeconds(20))) {
        assertThat(client.query(url, (ObjectNode) org.fedmsg.json.CanonicalJson.parse("{\"seq_id\":2}")))
            .containsExactly(sent.get(1).rawBody());
      }
      assertThatThrownBy(() -> org.fedmsg.reliable.ReplayClient.fetch(url, CurveOptions.disabled(), "0".repeat(64), "e", 1, 2,
          Duration.ofSeconds(20))).isInstanceOfSatisfying(org.fedmsg.reliable.ReplayException.class,
              e -> assertThat(e.reason()).isEqualTo(org.fedmsg.reliable.ReplayException.Reason.UNKNOWN_SIGNER));
    }
    try (Bus pub = publisher(true, "fedmsg1")) {
      sent.add(pub.publish("gapfill", "thing.changed", Map.of("n", 3)));
    }
    assertThat(sent).extracting(m -> Fedmsg1.seqId(m.body()).orElseThrow()).containsExactly(1L, 2L, 3L);
    try (ReferenceStore kept = ReferenceStore.open(dir.resolve("state/reference-replay/javasvc"), 10, 1 << 20,
        Duration.ofHours(1), Clock.systemUTC())) {
      List<byte[]> frames = new ReferenceQueries(kept).answer("{\"seq_id_range\":[1,3]}".getBytes(StandardCharsets.UTF_8));
      assertThat(frames).hasSize(3);
      for (int i = 0; i < 3; i++) {
        assertThat(frames.get(i)).isEqualTo(sent.get(i).rawBody());
        assertThat(Fedmsg1.verify(sent.get(i).body(), pki.trust(), null, java.time.Instant.now()).isValid()).isTrue();
      }
    }
  }

  @Test
  void publisher_withoutStateDirOrInFedmsg2_keepsNothing_sendsNoSeqId() {
    try (Bus pub = publisher(false, "fedmsg1")) {
      assertThat(Fedmsg1.seqId(pub.publish("gapfill", "thing.changed", Map.of()).body())).isEmpty();
      assertThat(pub.replayEndpoint()).isEmpty();
    }
    org.fedmsg.testing.TestPki.Issued ca = org.fedmsg.testing.TestPki.rootCa("ca")
        .keyType(org.fedmsg.testing.TestPki.KeyType.EC_P256).build();
    org.fedmsg.testing.TestPki.Issued leaf = ca.issue("javasvc.example.org")
        .keyType(org.fedmsg.testing.TestPki.KeyType.ED25519).build();
    try (Bus pub = publisher(true, "fedmsg2", Signer.of(leaf.privateKey(), leaf.chain()))) {
      Message m = pub.publish("gapfill", "thing.changed", Map.of());
      assertThat(m.body().has("seq_id")).isFalse();
    }
    assertThat(dir.resolve("state/reference-replay")).doesNotExist();
  }
}
