package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.fedmsg.Bus;
import org.fedmsg.Message;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bus to AMQP against a real RabbitMQ: fedora-messaging's format, only verified messages, no loops. */
@Timeout(120)
class BusToAmqpTest extends BrokerTestBase {
  String queue;

  @BeforeAll
  static void broker() throws Exception {
    startBroker("to-amqp");
  }

  @BeforeEach
  void queue() throws Exception {
    queue = "test-" + System.nanoTime();
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      ch.queueDeclare(queue, true, false, false, null);
      ch.queueBind(queue, "amq.topic", "#");
    }
  }

  @Test
  void signedMessage_reachesQueue_inFedoraMessagingFormat() throws Exception {
    try (Bus pkgdb = buses.publisher("pkgdb");
        Bus sub = buses.subscriber(pkgdb.publisherEndpoint());
        BusToAmqp bridge = BusToAmqp.start(sub, rabbit.tls(), "bridge-a")) {
      assertThat(bridge.awaitReady(Duration.ofSeconds(10))).isTrue();
      Message sent = pkgdb.publish("pkgdb", "package.owner.update",
          Map.of("agent", "ralph", "package", Map.of("name", "kernel"), "owner", "toshio"));
      List<GetResponse> got = take(1);
      GetResponse r = got.get(0);
      assertThat(r.getEnvelope().getRoutingKey()).isEqualTo("org.fedoraproject.dev.pkgdb.package.owner.update");
      assertThat(r.getProps().getContentType()).isEqualTo("application/json");
      assertThat(r.getProps().getContentEncoding()).isEqualTo("utf-8");
      assertThat(r.getProps().getDeliveryMode()).isEqualTo(2);
      assertThat(r.getProps().getMessageId()).isEqualTo(sent.msgId().orElseThrow());
      Map<String, Object> h = r.getProps().getHeaders();
      assertThat(h.get("fedora_messaging_schema").toString()).isEqualTo("base.message");
      assertThat(h.get("fedora_messaging_severity")).isEqualTo(20);
      assertThat(h.get("priority")).isEqualTo(0);
      assertThat(h.get("sent-at").toString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00");
      assertThat(h).containsEntry("fedora_messaging_user_ralph", true).containsEntry("fedora_messaging_user_toshio", true)
          .containsEntry("fedora_messaging_rpm_kernel", true);
      assertThat(h.get("fedmsg_bridge_origin").toString()).isEqualTo("bus");
      assertThat(h.get("fedmsg_bridge").toString()).isEqualTo("bridge-a");
      assertThat(h.get("fedmsg_signer").toString()).isEqualTo(BusFixture.PKGDB_CN);
      assertThat(h.get("fedmsg_format").toString()).isEqualTo("fedmsg/2");
      JsonNode body = FedoraMessaging.JSON.readTree(r.getBody());
      assertThat(body).isEqualTo(sent.msg());
      // the carried frames verify as the author's: a consumer need not trust the bridge
      @SuppressWarnings("unchecked")
      List<Object> frames = (List<Object>) h.get("fedmsg_frames");
      List<byte[]> raw = new ArrayList<>();
      frames.forEach(f -> raw.add((byte[]) f));
      assertThat(raw).hasSize(3);
      // an AMQP consumer checks offline (as of now), the way archives are checked
      try (MessageVerifier v = MessageVerifier.builder().asOf(java.time.Instant.now())
          .trust(org.fedmsg.crypto.TrustStore.create(org.fedmsg.crypto.TrustOptions.builder()
              .caCertificates(List.of(rabbit.ca.certificate())).build())).build()) {
        VerificationResult result = v.check(raw).result();
        assertThat(result).isInstanceOf(VerificationResult.Valid.class);
        assertThat(((VerificationResult.Valid) result).signer().commonName()).isEqualTo(BusFixture.PKGDB_CN);
      }
      // counted once the broker's confirm is in, which may come after the queue has it
      await(() -> bridge.stats().forwarded() == 1, "the confirm counted");
    }
  }

  @Test
  void unauthorizedSigner_notForwarded() throws Exception {
    try (Bus pkgdb = buses.publisher("pkgdb");
        Bus rogue = buses.publisher("rogue");
        Bus sub = buses.subscriber(rogue.publisherEndpoint(), pkgdb.publisherEndpoint());
        BusToAmqp bridge = BusToAmqp.start(sub, rabbit.plain(), "bridge-a")) {
      assertThat(bridge.awaitReady(Duration.ofSeconds(10))).isTrue();
      // rogue's own publish policy would stop it: it holds no policy decision for pkgdb, so send
      // through publishForwarded, which the policy checks too, on a topic it may not emit
      try {
        rogue.publish("pkgdb", "package.retire", Map.of("package", "glibc"));
      } catch (org.fedmsg.policy.PolicyViolationException expected) {
        // the publisher refuses itself; the receivers' check is what this test is about
      }
      Message good = pkgdb.publish("pkgdb", "package.update", Map.of("n", 1));
      List<GetResponse> got = take(1);
      assertThat(got.get(0).getProps().getMessageId()).isEqualTo(good.msgId().orElseThrow());
      assertThat(queueDepth()).isZero();
    }
  }

  @Test
  void messageBroughtFromAmqp_notSentBack() throws Exception {
    try (Bus bridgeOut = buses.publisher("bridge");
        Bus pkgdb = buses.publisher("pkgdb");
        Bus sub = buses.subscriber(bridgeOut.publisherEndpoint(), pkgdb.publisherEndpoint());
        BusToAmqp bridge = BusToAmqp.start(sub, rabbit.plain(), "bridge-a")) {
      assertThat(bridge.awaitReady(Duration.ofSeconds(10))).isTrue();
      bridgeOut.publishForwarded("org.fedoraproject.dev.bodhi.update.comment", Map.of("n", 1), "2026-abc",
          Map.of("headers", FedoraMessaging.JSON.createObjectNode().put("fedmsg_bridge_origin", "amqp")));
      Message good = pkgdb.publish("pkgdb", "package.update", Map.of("n", 2));
      List<GetResponse> got = take(1);
      assertThat(got.get(0).getProps().getMessageId()).isEqualTo(good.msgId().orElseThrow());
      await(() -> bridge.stats().loopsSkipped() == 1, "loop skipped");
      assertThat(queueDepth()).isZero();
    }
  }

  @Test
  void topicTooLongForAmqp_droppedAndCounted_nextOneStillCrosses() throws Exception {
    try (Bus pkgdb = buses.publisher("pkgdb");
        Bus sub = buses.subscriber(pkgdb.publisherEndpoint());
        BusToAmqp bridge = BusToAmqp.start(sub, rabbit.plain(), "bridge-a")) {
      assertThat(bridge.awaitReady(Duration.ofSeconds(10))).isTrue();
      // an AMQP routing key holds at most 255 bytes; the bus topic has no such limit
      pkgdb.publish("pkgdb", "package." + "x".repeat(300), Map.of("n", 1));
      Message good = pkgdb.publish("pkgdb", "package.update", Map.of("n", 2));
      List<GetResponse> got = take(1);
      assertThat(got.get(0).getProps().getMessageId()).isEqualTo(good.msgId().orElseThrow());
      assertThat(bridge.stats().dropped()).containsEntry("unmappable", 1L);
    }
  }

  @Test
  void userNameTooLongForAHeaderName_leftOut() throws Exception {
    try (Bus pkgdb = buses.publisher("pkgdb");
        Bus sub = buses.subscriber(pkgdb.publisherEndpoint());
        BusToAmqp bridge = BusToAmqp.start(sub, rabbit.plain(), "bridge-a")) {
      assertThat(bridge.awaitReady(Duration.ofSeconds(10))).isTrue();
      pkgdb.publish("pkgdb", "package.update", Map.of("usernames", List.of("y".repeat(300), "adamw")));
      Map<String, Object> h = take(1).get(0).getProps().getHeaders();
      assertThat(h).containsEntry("fedora_messaging_user_adamw", true);
      assertThat(h.keySet()).noneMatch(k -> k.contains("yyy"));
    }
  }

  private long queueDepth() throws Exception {
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      return ch.messageCount(queue);
    }
  }

  /** Takes exactly {@code n} messages from the test queue, waiting for them. */
  List<GetResponse> take(int n) throws Exception {
    List<GetResponse> out = new ArrayList<>();
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        GetResponse r = ch.basicGet(queue, true);
        if (r == null) {
          Thread.sleep(20);
        } else {
          out.add(r);
        }
      }
    }
    assertThat(out).hasSize(n);
    return out;
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
