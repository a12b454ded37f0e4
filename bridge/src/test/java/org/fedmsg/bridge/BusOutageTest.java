package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.bridge.BusToAmqpTest.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.fedmsg.Bus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When the bus cannot take a message, it stays in the AMQP queue, unacknowledged, and is retried. */
@Timeout(120)
class BusOutageTest extends BrokerTestBase {

  @BeforeAll
  static void broker() throws Exception {
    startBroker("bus-outage");
  }

  @Test
  void busClosed_messageStaysInTheQueue() throws Exception {
    AmqpSettings settings = rabbit.plain().withQueue("bus-outage-" + System.nanoTime(),
        List.of("org.fedoraproject.dev.#"));
    Bus bus = buses.publisher("bridge");
    // a bus that can no longer send: every publish is refused
    bus.close();
    try (AmqpToBus bridge = AmqpToBus.start(bus, settings, "bridge-b")) {
      assertThat(bridge.awaitConsuming(Duration.ofSeconds(30))).isTrue();
      try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
        ch.basicPublish("amq.topic", "org.fedoraproject.dev.copr.build.end", new AMQP.BasicProperties.Builder()
            .messageId(UUID.randomUUID().toString()).deliveryMode(2).build(), "{}".getBytes(StandardCharsets.UTF_8));
      }
      await(() -> bridge.stats().retries() >= 2, "the bridge tried twice");
      assertThat(bridge.stats().forwarded()).isZero();
      assertThat(bridge.stats().deadLetteredTotal()).isZero();
    }
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      assertThat(ch.messageCount(settings.queue())).isEqualTo(1);
      assertThat(ch.messageCount(settings.deadLetterQueue())).isZero();
    }
  }
}
