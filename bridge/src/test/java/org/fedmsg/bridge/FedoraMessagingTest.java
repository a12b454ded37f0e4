package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mapping alone, from frames (no broker). */
class FedoraMessagingTest {
  private static final AmqpSettings SETTINGS = AmqpSettings.of(URI.create("amqp://127.0.0.1/%2F"));

  private static List<byte[]> frames(String body) {
    return List.of("org.fedoraproject.prod.bodhi.update.request".getBytes(StandardCharsets.UTF_8),
        body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void sentAt_isTheAuthorsTimestamp_inPythonIsoformat() throws Exception {
    FedoraMessaging.Outbound out = FedoraMessaging.toAmqp(frames(
        "{\"topic\":\"org.fedoraproject.prod.bodhi.update.request\",\"msg\":{},\"timestamp\":1714564800.75}"),
        null, "b", SETTINGS);
    assertThat(out.properties().getHeaders().get("sent-at")).isEqualTo("2024-05-01T12:00:00+00:00");
    assertThat(out.properties().getHeaders()).doesNotContainKey("fedmsg_signer");
    assertThat(out.properties().getHeaders().get("fedmsg_format")).isEqualTo("fedmsg/1");
  }

  @Test
  void envelopeHeaders_carried_butOursWin() throws Exception {
    FedoraMessaging.Outbound out = FedoraMessaging.toAmqp(frames("{\"msg\":{\"x\":1},\"msg_id\":\"2024-a\","
        + "\"headers\":{\"fedora_messaging_severity\":40,\"fedmsg_bridge_origin\":\"amqp\",\"custom\":\"yes\","
        + "\"nested\":{\"no\":1}}}"), "s", "b", SETTINGS);
    Map<String, Object> h = out.properties().getHeaders();
    assertThat(h).containsEntry("custom", "yes").containsEntry("fedmsg_bridge_origin", "bus")
        .containsEntry("fedora_messaging_severity", 20).doesNotContainKey("nested");
    assertThat(out.properties().getMessageId()).isEqualTo("2024-a");
    assertThat(new String(out.body(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":1}");
  }

  @Test
  void names_fromStringsAndListsOnly() throws Exception {
    JsonNode msg = FedoraMessaging.JSON.readTree(
        "{\"agent\":\"bowlofeggs\",\"usernames\":[\"a\",\"\",3,\"b\"],\"owner\":{\"name\":\"x\"},\"package\":{\"name\":\"kernel\"}}");
    assertThat(FedoraMessaging.names(msg, AmqpSettings.DEFAULT_USER_POINTERS)).containsExactly("a", "b", "bowlofeggs");
    assertThat(FedoraMessaging.names(msg, AmqpSettings.DEFAULT_PACKAGE_POINTERS)).containsExactly("kernel");
  }

  @Test
  void priority_setAsPropertyOnlyAboveZero() throws Exception {
    String body = "{\"msg\":{}}";
    assertThat(FedoraMessaging.toAmqp(frames(body), null, "b", SETTINGS).properties().getPriority()).isNull();
    AmqpSettings high = new AmqpSettings(SETTINGS.url(), SETTINGS.caCert(), SETTINGS.cert(), SETTINGS.key(),
        SETTINGS.exchange(), SETTINGS.topics(), SETTINGS.queue(), SETTINGS.bindings(), SETTINGS.deadLetterQueue(),
        SETTINGS.bufferSize(), SETTINGS.spoolDir(), SETTINGS.spoolLimit(), SETTINGS.criticalTopics(),
        SETTINGS.dedupeWindow(), SETTINGS.reconnectMax(), 5, SETTINGS.maxMessageSize(), SETTINGS.userPointers(),
        SETTINGS.packagePointers());
    FedoraMessaging.Outbound out = FedoraMessaging.toAmqp(frames(body), null, "b", high);
    assertThat(out.properties().getPriority()).isEqualTo(5);
    assertThat(out.properties().getHeaders().get("priority")).isEqualTo(5);
  }
}
