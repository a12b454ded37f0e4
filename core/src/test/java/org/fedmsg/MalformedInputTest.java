package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** A subscriber never dies on bad input: it drops, counts and logs, and keeps receiving. */
@Timeout(60)
class MalformedInputTest {
  private static final String TOPIC = "org.fedoraproject.dev.test.thing";
  private static final byte[] GOOD = ("{\"topic\":\"" + TOPIC + "\",\"msg\":{}}").getBytes(UTF_8);

  private ZContext context;
  private ZMQ.Socket raw;
  private Bus bus;
  private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
  private final BlockingQueue<Rejection> rejected = new LinkedBlockingQueue<>();

  @BeforeEach
  void connect() throws Exception {
    context = new ZContext();
    raw = context.createSocket(SocketType.PUB);
    raw.bind("tcp://127.0.0.1:*");
    bus = Bus.create(BusOptions.builder()
        .endpoint("raw", List.of(raw.getLastEndpoint()))
        .validateSignatures(false)
        .listener(new BusListener() {
          @Override
          public void messageRejected(Rejection rejection) {
            rejected.add(rejection);
          }
        })
        .build());
    bus.subscribe("", received::add);
    // A plain PUB socket does not answer probes: send until the first good message arrives.
    while (received.poll(20, TimeUnit.MILLISECONDS) == null) {
      send(TOPIC.getBytes(UTF_8), GOOD);
    }
    // Drain the good messages still in flight: a marker sent last on the same connection arrives last.
    byte[] marker = ("{\"topic\":\"" + TOPIC + "\",\"msg\":{\"marker\":true}}").getBytes(UTF_8);
    send(TOPIC.getBytes(UTF_8), marker);
    Message m;
    do {
      m = received.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("the marker arrives").isNotNull();
    } while (!m.msg().path("marker").asBoolean());
    assertThat(received).isEmpty();
  }

  @AfterEach
  void close() {
    bus.close();
    context.close();
  }

  private void send(byte[]... frames) {
    for (int i = 0; i < frames.length; i++) {
      raw.send(frames[i], i < frames.length - 1 ? ZMQ.SNDMORE : 0);
    }
  }

  private Rejection rejectionOf(byte[]... frames) throws InterruptedException {
    send(frames);
    Rejection r = rejected.poll(10, TimeUnit.SECONDS);
    assertThat(r).as("a rejection is reported").isNotNull();
    // the subscriber is still alive and delivers the next good message
    send(TOPIC.getBytes(UTF_8), GOOD);
    assertThat(received.poll(10, TimeUnit.SECONDS)).as("next good message still delivered").isNotNull();
    return r;
  }

  @Test
  void oneFrame_rejectedAsFrameCount() throws Exception {
    Rejection r = rejectionOf(TOPIC.getBytes(UTF_8));
    assertThat(r.reason()).isEqualTo(Reason.MALFORMED);
    assertThat(r.cause()).isEqualTo("frame-count");
    assertThat(bus.stats().rejectedByCause()).containsEntry("MALFORMED/frame-count", 1L);
  }

  @Test
  void fourFrames_rejectedAsFrameCount() throws Exception {
    assertThat(rejectionOf(TOPIC.getBytes(UTF_8), GOOD, GOOD, GOOD).cause()).isEqualTo("frame-count");
  }

  @Test
  void twentyFrames_rejectedAsFrameCount() throws Exception {
    byte[][] frames = new byte[20][];
    java.util.Arrays.fill(frames, GOOD);
    assertThat(rejectionOf(frames).cause()).isEqualTo("frame-count");
  }

  @Test
  void topicNotUtf8_rejected() throws Exception {
    Rejection r = rejectionOf(new byte[] {(byte) 0xff, (byte) 0xfe}, GOOD);
    assertThat(r.cause()).isEqualTo("not-utf8");
  }

  @Test
  void bodyNotUtf8_rejected() throws Exception {
    Rejection r = rejectionOf(TOPIC.getBytes(UTF_8), new byte[] {'{', (byte) 0xc3, '}'});
    assertThat(r.cause()).isEqualTo("not-utf8");
  }

  @Test
  void bodyNotJson_rejected() throws Exception {
    Rejection r = rejectionOf(TOPIC.getBytes(UTF_8), "{\"topic\": oops".getBytes(UTF_8));
    assertThat(r.reason()).isEqualTo(Reason.MALFORMED);
    assertThat(r.cause()).isEqualTo("not-json");
  }

  @Test
  void bodyWithRepeatedKey_rejectedAsDuplicateKey_evenWithoutSignatureChecks() throws Exception {
    byte[] dup = ("{\"msg\":{\"x\":1},\"topic\":\"" + TOPIC + "\",\"msg\":{}}").getBytes(UTF_8);
    Rejection r = rejectionOf(TOPIC.getBytes(UTF_8), dup);
    assertThat(r.reason()).isEqualTo(Reason.MALFORMED);
    assertThat(r.cause()).isEqualTo("duplicate-key");
    assertThat(bus.stats().rejectedByCause()).containsEntry("MALFORMED/duplicate-key", 1L);
  }

  @Test
  void bodyNotObject_rejected() throws Exception {
    Rejection r = rejectionOf(TOPIC.getBytes(UTF_8), "[1,2,3]".getBytes(UTF_8));
    assertThat(r.cause()).isEqualTo("not-object");
    assertThat(r.detail()).contains("array");
  }

  @Test
  void frameTopicDiffersFromBody_rejected() throws Exception {
    Rejection r = rejectionOf("org.fedoraproject.dev.other.thing".getBytes(UTF_8), GOOD);
    assertThat(r.reason()).isEqualTo(Reason.TOPIC_MISMATCH);
    assertThat(bus.stats().rejected(Reason.TOPIC_MISMATCH)).isEqualTo(1);
  }

  @Test
  void manyBadMessages_allCountedSubscriberAlive() throws Exception {
    for (int i = 0; i < 500; i++) {
      send(TOPIC.getBytes(UTF_8), "nope".getBytes(UTF_8));
    }
    send(TOPIC.getBytes(UTF_8), GOOD);
    assertThat(received.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(bus.stats().rejectedByCause()).containsEntry("MALFORMED/not-json", 500L);
  }
}
