package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.bridge.BusToAmqpTest.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Year;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.Message;
import org.fedmsg.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** AMQP to bus against a real RabbitMQ: signed by the bridge, acked after the bus took it, refusals dead-lettered. */
@Timeout(120)
class AmqpToBusTest extends BrokerTestBase {
  AmqpSettings settings;
  Bus bridgeBus;
  Bus tail;
  AmqpToBus bridge;
  final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();

  @BeforeAll
  static void broker() throws Exception {
    startBroker("from-amqp");
  }

  @BeforeEach
  void start() throws Exception {
    String q = "bridge-" + System.nanoTime();
    settings = rabbit.tls().withQueue(q, List.of("org.fedoraproject.dev.#")).withMaxMessageSize(10_000);
    bridgeBus = buses.publisher("bridge");
    tail = buses.subscriber(bridgeBus.publisherEndpoint());
    Subscription s = tail.subscribe("", received::add);
    assertThat(s.awaitReady(Duration.ofSeconds(10))).isTrue();
    bridge = AmqpToBus.start(bridgeBus, settings, "bridge-b");
    assertThat(bridge.awaitConsuming(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    bridge.close();
    tail.close();
    bridgeBus.close();
  }

  @Test
  void amqpMessage_reachesBus_signedByTheBridge_withItsId() throws Exception {
    String id = UUID.randomUUID().toString();
    publish("org.fedoraproject.dev.bodhi.update.comment", id, Map.of("fedora_messaging_severity", 20),
        "{\"comment\": {\"text\": \"works for me\"}}");
    Message m = received.poll(30, TimeUnit.SECONDS);
    assertThat(m).isNotNull();
    assertThat(m.topic()).isEqualTo("org.fedoraproject.dev.bodhi.update.comment");
    assertThat(m.signer()).hasValue(BrokerFixture.BRIDGE_CN);
    assertThat(m.msgId()).hasValue(Year.now().getValue() + "-" + id);
    assertThat(m.msg().at("/comment/text").asText()).isEqualTo("works for me");
    assertThat(m.field("headers").orElseThrow().get("fedmsg_bridge_origin").asText()).isEqualTo("amqp");
    assertThat(m.field("headers").orElseThrow().get("fedora_messaging_severity").asInt()).isEqualTo(20);
    await(() -> bridge.stats().forwarded() == 1, "counted");
    assertThat(depth(settings.queue())).isZero();
  }

  @Test
  void idWithYear_keptAsIs_andDuplicateDropped() throws Exception {
    String id = "2024-" + UUID.randomUUID();
    publish("org.fedoraproject.dev.copr.build.end", id, Map.of(), "{\"n\": 1}");
    publish("org.fedoraproject.dev.copr.build.end", id, Map.of(), "{\"n\": 1}");
    publish("org.fedoraproject.dev.copr.build.end", "2024-" + UUID.randomUUID(), Map.of(), "{\"n\": 2}");
    Message first = received.poll(30, TimeUnit.SECONDS);
    Message second = received.poll(30, TimeUnit.SECONDS);
    assertThat(first.msgId()).hasValue(id);
    assertThat(second.msg().get("n").asInt()).isEqualTo(2);
    await(() -> bridge.stats().duplicates() == 1, "duplicate counted");
  }

  @Test
  void messageFromTheBus_notSentBack() throws Exception {
    publish("org.fedoraproject.dev.copr.build.start", UUID.randomUUID().toString(),
        Map.of("fedmsg_bridge_origin", "bus"), "{\"n\": 1}");
    publish("org.fedoraproject.dev.copr.build.end", UUID.randomUUID().toString(), Map.of(), "{\"n\": 2}");
    Message m = received.poll(30, TimeUnit.SECONDS);
    assertThat(m.topic()).endsWith("copr.build.end");
    await(() -> bridge.stats().loopsSkipped() == 1, "loop skipped");
    assertThat(received).isEmpty();
  }

  @Test
  void topicThePolicyDenies_deadLetteredWithReason() throws Exception {
    publish("org.fedoraproject.dev.pkgdb.package.retire", UUID.randomUUID().toString(), Map.of(), "{}");
    GetResponse r = deadLetter();
    assertThat(r.getProps().getHeaders().get("fedmsg_bridge_refusal").toString()).isEqualTo("policy");
    assertThat(r.getProps().getHeaders().get("fedmsg_bridge_refusal_detail").toString())
        .contains(BrokerFixture.BRIDGE_CN);
    assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("{}");
    // the broker hands the dead letter on before the bridge has counted its confirm
    await(() -> bridge.stats().deadLettered().getOrDefault("policy", 0L) >= 1, "policy refusal counted");
    assertThat(bridge.stats().deadLettered()).containsEntry("policy", 1L);
    assertThat(received).isEmpty();
  }

  @Test
  void bodyNotJson_deadLetteredAsMalformed() throws Exception {
    publish("org.fedoraproject.dev.copr.build.end", UUID.randomUUID().toString(), Map.of(), "{not json");
    assertThat(deadLetter().getProps().getHeaders().get("fedmsg_bridge_refusal").toString()).isEqualTo("malformed");
  }

  @Test
  void noMessageId_deadLetteredAsMalformed() throws Exception {
    publish("org.fedoraproject.dev.copr.build.end", null, Map.of(), "{}");
    GetResponse r = deadLetter();
    assertThat(r.getProps().getHeaders().get("fedmsg_bridge_refusal").toString()).isEqualTo("malformed");
    assertThat(r.getProps().getHeaders().get("fedmsg_bridge_refusal_detail").toString()).contains("message_id");
  }

  @Test
  void bodyOverTheLimit_deadLetteredAsSize() throws Exception {
    publish("org.fedoraproject.dev.copr.build.end", UUID.randomUUID().toString(), Map.of(),
        "{\"log\": \"" + "x".repeat(20_000) + "\"}");
    assertThat(deadLetter().getProps().getHeaders().get("fedmsg_bridge_refusal").toString()).isEqualTo("size");
  }

  @Test
  void topicWithoutPrefix_deadLetteredAsMalformed() throws Exception {
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      ch.queueBind(settings.queue(), "amq.topic", "elsewhere.#");
    }
    publish("elsewhere.thing", UUID.randomUUID().toString(), Map.of(), "{}");
    assertThat(deadLetter().getProps().getHeaders().get("fedmsg_bridge_refusal").toString()).isEqualTo("malformed");
  }

  private void publish(String routingKey, String messageId, Map<String, Object> headers, String body)
      throws Exception {
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      ch.confirmSelect();
      ch.basicPublish("amq.topic", routingKey, new AMQP.BasicProperties.Builder().contentType("application/json")
          .contentEncoding("utf-8").deliveryMode(2).messageId(messageId).headers(headers).build(),
          body.getBytes(StandardCharsets.UTF_8));
      ch.waitForConfirmsOrDie(10_000);
    }
  }

  private GetResponse deadLetter() throws Exception {
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        GetResponse r = ch.basicGet(settings.deadLetterQueue(), true);
        if (r != null) {
          return r;
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError("nothing in the dead-letter queue");
  }

  private long depth(String queue) throws Exception {
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      return ch.messageCount(queue);
    }
  }
}
