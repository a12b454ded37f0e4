package org.fedmsg.reliable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.CurveOptions;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The native protocol on a plain socket: answers, caps, and every rejection reason. */
@Timeout(30)
class ReplayServerTest {
  static final String SIGNER = "ab".repeat(32);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final TestClock clock = new TestClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));
  private final AtomicLong nanos = new AtomicLong();
  private ZContext context;
  private DurableOutbox outbox;
  private ReplayServer server;

  @BeforeEach
  void setUp() {
    context = new ZContext();
    outbox = DurableOutbox.open(dir.resolve("outbox"), 1000, 1 << 24, Duration.ofHours(1), clock);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    context.close();
    outbox.close();
  }

  static byte[][] frames(long seq) {
    return new byte[][] {"org.fedoraproject.dev.pkgdb.x".getBytes(StandardCharsets.UTF_8),
        ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2, (byte) seq}};
  }

  private void start(ReplayLimits limits) {
    server = ReplayServer.start(context, "tcp://127.0.0.1:*", null, "test",
        s -> s.equals(SIGNER) ? outbox : null, limits, null, nanos::get);
  }

  private ReplayBatch fetch(long from, long to) {
    return ReplayClient.fetch(server.endpoint(), CurveOptions.disabled(), SIGNER, "e1", from, to, TIMEOUT);
  }

  /** Sends raw frames from a DEALER and returns the reply's frames. */
  private List<byte[]> raw(byte[]... frames) {
    try (ZContext c = new ZContext(1)) {
      ZMQ.Socket s = c.createSocket(SocketType.DEALER);
      s.setReceiveTimeOut((int) TIMEOUT.toMillis());
      s.connect(server.endpoint());
      for (int i = 0; i < frames.length; i++) {
        s.send(frames[i], i + 1 < frames.length ? ZMQ.SNDMORE : 0);
      }
      List<byte[]> out = new ArrayList<>();
      byte[] f = s.recv(0);
      assertThat(f).as("a reply").isNotNull();
      out.add(f);
      while (s.hasReceiveMore()) {
        out.add(s.recv(0));
      }
      return out;
    }
  }

  private static JsonNode json(byte[] b) throws Exception {
    return JSON.readTree(b);
  }

  /* --------------- answers --------------- */

  @Test
  void fetch_returnsStoredFramesVerbatim_missingAndStatisticalRanges() {
    for (long s = 3; s <= 5; s++) {
      outbox.append("e1", s, frames(s));
    }
    outbox.mark("e1", 6);
    outbox.mark("e1", 7);
    outbox.append("e1", 8, frames(8));
    outbox.append("other", 4, frames(99));
    start(ReplayLimits.DEFAULTS);

    ReplayBatch got = fetch(1, 10);

    assertThat(got.messages()).hasSize(4);
    assertThat(got.messages().get(0)).isDeepEqualTo(frames(3));
    assertThat(got.messages().get(3)).isDeepEqualTo(frames(8));
    assertThat(got.missing()).containsExactly(new SeqRange(1, 2), new SeqRange(9, 10));
    assertThat(got.statistical()).containsExactly(new SeqRange(6, 7));
    assertThat(got.truncatedAt()).isEmpty();
    assertThat(server.stats().ok()).isEqualTo(1);
    assertThat(server.stats().messagesServed()).isEqualTo(4);
  }

  @Test
  void fetch_overTheMessageCap_pagesUntilDone() {
    for (long s = 1; s <= 10; s++) {
      outbox.append("e1", s, frames(s));
    }
    start(new ReplayLimits(3, 1 << 20, 1000, 100, 100));

    ReplayBatch got = fetch(1, 10);

    assertThat(got.messages()).hasSize(10);
    assertThat(got.missing()).isEmpty();
    assertThat(got.truncatedAt()).isEmpty();
    assertThat(server.stats().ok()).isEqualTo(4);   // 3 + 3 + 3 + 1
  }

  @Test
  void reply_overTheByteCap_stopsAndSaysWhere() throws Exception {
    for (long s = 1; s <= 5; s++) {
      outbox.append("e1", s, frames(s));
    }
    long oneMessage = 0;
    for (byte[] f : frames(1)) {
      oneMessage += f.length;
    }
    start(new ReplayLimits(100, 2 * oneMessage, 1000, 100, 100));

    List<byte[]> reply = raw(ReplayServer.NATIVE.getBytes(StandardCharsets.US_ASCII), request(1, 5));

    JsonNode header = json(reply.get(0));
    assertThat(header.get("status").asText()).isEqualTo("ok");
    assertThat(header.get("count").asInt()).isEqualTo(2);
    assertThat(header.get("truncated_at").asLong()).isEqualTo(3);
    assertThat(header.get("missing")).isEmpty();
    assertThat(reply).hasSize(1 + 6);
  }

  /* --------------- rejections --------------- */

  private static byte[] request(long from, long to) {
    return ("{\"signer\":\"" + SIGNER + "\",\"epoch\":\"e1\",\"from\":" + from + ",\"to\":" + to + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private void assertError(List<byte[]> reply, String reason) throws Exception {
    assertThat(reply).hasSize(1);
    JsonNode header = json(reply.get(0));
    assertThat(header.get("status").asText()).isEqualTo("error");
    assertThat(header.get("reason").asText()).isEqualTo(reason);
    assertThat(header.get("detail").asText()).isNotEmpty();
  }

  @Test
  void malformedRequests_areBadRequests_andCounted() throws Exception {
    start(ReplayLimits.DEFAULTS);
    byte[] nat = ReplayServer.NATIVE.getBytes(StandardCharsets.US_ASCII);
    List<byte[][]> bad = List.of(
        new byte[][] {nat, "not json".getBytes(StandardCharsets.UTF_8)},
        new byte[][] {nat, "[1,2]".getBytes(StandardCharsets.UTF_8)},
        new byte[][] {nat},
        new byte[][] {nat, request(1, 2), request(1, 2)},
        new byte[][] {nat, request(5, 2)},
        new byte[][] {nat, request(-1, 2)},
        new byte[][] {nat, ("{\"signer\":\"ABC\",\"epoch\":\"e1\",\"from\":1,\"to\":2}").getBytes(StandardCharsets.UTF_8)},
        new byte[][] {nat, ("{\"signer\":\"" + SIGNER + "\",\"epoch\":\"\",\"from\":1,\"to\":2}")
            .getBytes(StandardCharsets.UTF_8)},
        new byte[][] {nat, ("{\"signer\":\"" + SIGNER + "\",\"epoch\":\"e1\",\"from\":1.5,\"to\":2}")
            .getBytes(StandardCharsets.UTF_8)},
        new byte[][] {nat, ("{\"signer\":\"" + SIGNER + "\",\"epoch\":\"e1\",\"from\":1,\"to\":2,\"x\":1}")
            .getBytes(StandardCharsets.UTF_8)},
        new byte[][] {"hello".getBytes(StandardCharsets.UTF_8)});
    for (byte[][] frames : bad) {
      assertError(raw(frames), "bad-request");
    }
    assertThat(server.stats().badRequest()).isEqualTo(bad.size());
    assertThat(server.stats().ok()).isZero();
  }

  @Test
  void wideRequest_isRangeTooLarge() {
    start(new ReplayLimits(100, 1 << 20, 50, 100, 100));
    assertThatThrownBy(() -> fetch(1, 51)).isInstanceOfSatisfying(ReplayException.class,
        e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.RANGE_TOO_LARGE));
    assertThat(fetch(1, 50).missing()).containsExactly(new SeqRange(1, 50));
    assertThat(server.stats().rangeTooLarge()).isEqualTo(1);
  }

  @Test
  void unknownSigner_isSaid() {
    start(ReplayLimits.DEFAULTS);
    assertThatThrownBy(() -> ReplayClient.fetch(server.endpoint(), CurveOptions.disabled(), "cd".repeat(32), "e1", 1,
        2, TIMEOUT)).isInstanceOfSatisfying(ReplayException.class,
            e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.UNKNOWN_SIGNER));
    assertThat(server.stats().unknownSigner()).isEqualTo(1);
  }

  @Test
  void closedOutbox_isRefused() {
    start(ReplayLimits.DEFAULTS);
    outbox.close();
    assertThatThrownBy(() -> fetch(1, 2)).isInstanceOfSatisfying(ReplayException.class,
        e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.REFUSED));
    assertThat(server.stats().refused()).isEqualTo(1);
  }

  @Test
  void overTheRate_isRateLimited_untilTokensRefill() {
    start(new ReplayLimits(100, 1 << 20, 1000, 2, 3));
    for (int i = 0; i < 3; i++) {
      fetch(1, 1);
    }
    assertThatThrownBy(() -> fetch(1, 1)).isInstanceOfSatisfying(ReplayException.class,
        e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.RATE_LIMITED));
    nanos.addAndGet(500_000_000L);   // half a second at 2 per second: one token
    fetch(1, 1);
    assertThatThrownBy(() -> fetch(1, 1)).isInstanceOf(ReplayException.class);
    assertThat(server.stats().rateLimited()).isEqualTo(2);
    assertThat(server.stats().ok()).isEqualTo(4);
  }

  @Test
  void referenceQuery_withoutHandler_getsTheReferenceError() {
    start(ReplayLimits.DEFAULTS);
    List<byte[]> reply = raw("{\"seq_id\": 3}".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(reply.get(0), StandardCharsets.UTF_8)).isEqualTo("error: 'reference replay not configured'");
    assertThat(server.stats().reference()).isEqualTo(1);
  }

  @Test
  void referenceQuery_fromReq_goesToTheHandler_andTheReplyKeepsTheDelimiter() {
    server = ReplayServer.start(context, "tcp://127.0.0.1:*", null, "test", s -> null, ReplayLimits.DEFAULTS,
        q -> List.of(q, "second".getBytes(StandardCharsets.UTF_8)), nanos::get);
    try (ZContext c = new ZContext(1)) {
      ZMQ.Socket req = c.createSocket(SocketType.REQ);
      req.setReceiveTimeOut((int) TIMEOUT.toMillis());
      req.connect(server.endpoint());
      req.send("{\"msg_id\": \"x\"}");
      assertThat(req.recvStr()).isEqualTo("{\"msg_id\": \"x\"}");
      assertThat(req.hasReceiveMore()).isTrue();
      assertThat(req.recvStr()).isEqualTo("second");
    }
  }

  @Test
  void nativeRequest_fromReq_isAnswered() throws Exception {
    outbox.append("e1", 1, frames(1));
    start(ReplayLimits.DEFAULTS);
    try (ZContext c = new ZContext(1)) {
      ZMQ.Socket req = c.createSocket(SocketType.REQ);
      req.setReceiveTimeOut((int) TIMEOUT.toMillis());
      req.connect(server.endpoint());
      req.sendMore(ReplayServer.NATIVE);
      req.send(request(1, 1), 0);
      JsonNode header = json(req.recv(0));
      assertThat(header.get("count").asInt()).isEqualTo(1);
      assertThat(req.recv(0)).isEqualTo(frames(1)[0]);
    }
  }

  @Test
  void client_timesOut_whenNobodyAnswers() {
    assertThatThrownBy(() -> ReplayClient.fetch("tcp://127.0.0.1:1", CurveOptions.disabled(), SIGNER, "e1", 1, 2,
        Duration.ofMillis(300))).isInstanceOfSatisfying(ReplayException.class,
            e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.TIMEOUT));
  }

  /* --------------- who a client is, for the rate limit --------------- */

  @Test
  void rateLimit_plainClients_areTheirAddress_soANewConnectionDoesNotGetANewBucket() {
    start(new ReplayLimits(100, 1 << 20, 1000, 1, 1));
    fetch(1, 1);
    assertThatThrownBy(() -> fetch(1, 1)).isInstanceOfSatisfying(ReplayException.class,
        e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.RATE_LIMITED));
  }

  @Test
  void rateLimit_curveClients_areTheirKey() {
    org.fedmsg.discovery.curve.ZapHandler zap = org.fedmsg.discovery.curve.ZapHandler.start(context, null, "test");
    try {
      org.fedmsg.crypto.CurveKeyPair key = org.fedmsg.crypto.CurveKeyPair.generate("replay-test");
      server = ReplayServer.start(context, "tcp://127.0.0.1:*", key, "test", s -> s.equals(SIGNER) ? outbox : null,
          new ReplayLimits(100, 1 << 20, 1000, 1, 1), null, nanos::get);
      CurveOptions a = CurveOptions.builder().keyPair(org.fedmsg.crypto.CurveKeyPair.generate("a")).build();
      CurveOptions b = CurveOptions.builder().keyPair(org.fedmsg.crypto.CurveKeyPair.generate("b")).build();
      ReplayClient.fetch(server.endpoint(), a, key.publicKeyZ85(), SIGNER, "e1", 1, 1, TIMEOUT);
      assertThatThrownBy(() -> ReplayClient.fetch(server.endpoint(), a, key.publicKeyZ85(), SIGNER, "e1", 1, 1,
          TIMEOUT)).isInstanceOfSatisfying(ReplayException.class,
              e -> assertThat(e.reason()).isEqualTo(ReplayException.Reason.RATE_LIMITED));
      // Same address, another key: its own bucket.
      ReplayClient.fetch(server.endpoint(), b, key.publicKeyZ85(), SIGNER, "e1", 1, 1, TIMEOUT);
      assertThat(server.stats().ok()).isEqualTo(2);
      assertThat(server.stats().rateLimited()).isEqualTo(1);
    } finally {
      server.close();
      server = null;
      zap.close();
    }
  }
}
