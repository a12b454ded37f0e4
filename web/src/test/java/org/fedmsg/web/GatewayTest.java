package org.fedmsg.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class GatewayTest {

  private static GatewayOptions.Builder local() {
    return GatewayOptions.builder().host("127.0.0.1").port(0);
  }

  /* --------------- delivery --------------- */

  @Test
  void signedMessage_deliveredWithSignerFormatAndOriginalFrames() throws Exception {
    try (SignedBus signed = new SignedBus();
        Gateway gateway = Gateway.start(local().build(), signed.gatewayBus());
        WsProbe client = WsProbe.connect(gateway.port(), "?topic=pkgdb.*&frames=true", null, false)) {
      assertThat(client.next("subscribed").get("topics").get(0).asText()).isEqualTo("org.fedoraproject.dev.pkgdb.*");
      assertThat(gateway.awaitReady(Duration.ofSeconds(10))).isTrue();

      Message sent = signed.publisher.publish("pkgdb", "package.update", Map.of("package", "kernel"));
      JsonNode got = client.next("message");

      assertThat(got.get("topic").asText()).isEqualTo("org.fedoraproject.dev.pkgdb.package.update");
      assertThat(got.get("signer").asText()).isEqualTo(SignedBus.SIGNER);
      assertThat(got.get("verified").asBoolean()).isTrue();
      assertThat(got.get("format").asText()).isEqualTo("fedmsg/2");
      assertThat(got.get("msg_id").asText()).isEqualTo(sent.msgId().orElseThrow());
      assertThat(got.get("timestamp").isNumber()).isTrue();
      assertThat(got.get("body").get("msg").get("package").asText()).isEqualTo("kernel");
      List<byte[]> frames = new ArrayList<>();
      got.get("frames").forEach(f -> frames.add(Base64.getDecoder().decode(f.asText())));
      assertThat(frames).hasSize(3);
      assertThat(new String(frames.get(0), StandardCharsets.UTF_8)).isEqualTo(sent.topic());
      assertThat(frames.get(1)).isEqualTo(sent.rawBody());
      assertThat(frames.get(2)).isNotEmpty();
    }
  }

  @Test
  void slowClient_droppedWithReason_whileFastClientGetsEverything() throws Exception {
    try (Bus publisher = Bus.create(BusOptions.builder().name("pkgdb")
            .endpoint("pkgdb", List.of("tcp://127.0.0.1:*")).validateSignatures(false).build());
        Gateway gateway = Gateway.start(local().clientQueue(8).build(), BusOptions.builder()
            .endpoint("pkgdb", List.of(publisher.publisherEndpoint())).validateSignatures(false));
        WsProbe fast = WsProbe.connect(gateway.port(), "", null, false);
        WsProbe slow = WsProbe.connect(gateway.port(), "", null, true)) {
      fast.next("subscribed");
      Eventually.assertThat(() -> gateway.clients() == 2, "both clients registered");
      assertThat(gateway.awaitReady(Duration.ofSeconds(10))).isTrue();
      // Large messages fill the socket buffers between the gateway and the paused client quickly.
      String filler = "x".repeat(64 * 1024);
      List<String> published = new ArrayList<>();
      List<String> fastGot = new ArrayList<>();
      int batches = 0;
      while (droppedSlow(gateway) == 0 || batches < 2) {
        assertThat(batches++).as("batches before the slow client was dropped").isLessThan(100);
        if (droppedSlow(gateway) > 0) {
          batches = Math.max(batches, 1);
        }
        // A batch at a time, each awaited by the fast client: ZeroMQ's own high-water mark
        // never comes into play, so whatever is lost is the gateway's doing.
        for (int i = 0; i < 20; i++) {
          published.add(publisher.publish("pkgdb", "package.update", Map.of("n", published.size(), "filler", filler))
              .msgId().orElseThrow());
        }
        while (fastGot.size() < published.size()) {
          JsonNode m = fast.next("message");
          fastGot.add(m.get("msg_id").asText());
        }
      }

      assertThat(fastGot).isEqualTo(published);
      assertThat(fast.closed).isNotDone();
      slow.resume();
      assertThat(slow.closed.get(30, TimeUnit.SECONDS))
          .isEqualTo("1008 slow client: more than 8 messages waiting, disconnected");
      assertThat(droppedSlow(gateway)).isEqualTo(1.0);
      Eventually.assertThat(() -> gateway.clients() == 1, "the slow client is gone");
      assertThat(gateway.registry().get("fedmsg.gateway.messages.dropped").counter().count()).isGreaterThanOrEqualTo(8);
    }
  }

  private static double droppedSlow(Gateway gateway) {
    return gateway.registry().get("fedmsg.gateway.clients.dropped").tag("reason", "slow").counter().count();
  }

  @Test
  void serverSentEvents_deliverTheSameJson() throws Exception {
    try (SignedBus signed = new SignedBus();
        Gateway gateway = Gateway.start(local().build(), signed.gatewayBus())) {
      assertThat(gateway.awaitReady(Duration.ofSeconds(10))).isTrue();
      HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/sse?topic=pkgdb.*"))
              .header("Accept", "text/event-stream").build(),
          HttpResponse.BodyHandlers.ofLines());
      assertThat(response.statusCode()).isEqualTo(200);
      Eventually.assertThat(() -> gateway.clients() == 1, "the stream registered");
      signed.publisher.publish("pkgdb", "package.update", Map.of("package", "kernel"));
      Iterator<String> lines = response.body().iterator();
      JsonNode message = null;
      while (message == null && lines.hasNext()) {
        String line = lines.next();
        if (line.startsWith("data: ") && line.contains("\"type\":\"message\"")) {
          message = MessageJson.MAPPER.readTree(line.substring("data: ".length()));
        }
      }
      assertThat(message).isNotNull();
      assertThat(message.get("signer").asText()).isEqualTo(SignedBus.SIGNER);
      assertThat(message.has("frames")).isFalse();
      response.body().close();
    }
  }

  /* --------------- refusals --------------- */

  @Test
  void disallowedOrigin_refusedBeforeTheUpgrade_listedAndOwnOriginsAccepted() throws Exception {
    try (SignedBus signed = new SignedBus();
        Gateway gateway = Gateway.start(local().allowedOrigins(List.of("https://apps.example.org")).build(),
            signed.gatewayBus())) {
      assertThatThrownBy(() -> WsProbe.connect(gateway.port(), "", "https://evil.example.com", false))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(WebSocketHandshakeException.class)
          .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(403));
      assertThat(gateway.registry().get("fedmsg.gateway.connections.refused").tag("reason", "origin").counter().count())
          .isEqualTo(1.0);
      assertThat(gateway.clients()).isZero();

      try (WsProbe listed = WsProbe.connect(gateway.port(), "", "https://apps.example.org", false);
          WsProbe own = WsProbe.connect(gateway.port(), "", "http://127.0.0.1:" + gateway.port(), false)) {
        listed.next("subscribed");
        own.next("subscribed");
      }
      HttpResponse<String> sse = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/sse"))
              .header("Origin", "https://evil.example.com").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(sse.statusCode()).isEqualTo(403);
    }
  }

  @Test
  void restrictedTopic_subscriptionRefused_andNeverServed() throws Exception {
    try (SignedBus signed = new SignedBus();
        Gateway gateway = Gateway.start(local().topics(List.of("bodhi.*")).build(), signed.gatewayBus())) {
      try (WsProbe refused = WsProbe.connect(gateway.port(), "?topic=pkgdb.*", null, false)) {
        assertThat(refused.closed.get(10, TimeUnit.SECONDS))
            .isEqualTo("1008 topic not served by this gateway: org.fedoraproject.dev.pkgdb.*");
      }
      try (WsProbe everything = WsProbe.connect(gateway.port(), "", null, false)) {
        assertThat(everything.next("subscribed").get("topics").toString()).isEqualTo("[\"org.fedoraproject.dev.bodhi.*\"]");
        everything.send("{\"subscribe\": [\"*\"]}");
        assertThat(everything.next("error").get("error").asText())
            .isEqualTo("topic not served by this gateway: *");
        assertThat(gateway.awaitReady(Duration.ofSeconds(10))).isTrue();
        Eventually.assertThat(() -> gateway.clients() == 1, "client registered");

        signed.publisher.publish("pkgdb", "package.update", Map.of("secret", true));
        signed.publisher.publish("bodhi", "update.request", Map.of("public", true));

        // Same publisher, so the pkgdb message arrived first: the first one served is bodhi's.
        JsonNode first = everything.next("message");
        assertThat(first.get("topic").asText()).isEqualTo("org.fedoraproject.dev.bodhi.update.request");
        Eventually.assertThat(() -> gateway.registry().get("fedmsg.gateway.messages.restricted").counter().count() == 1,
            "the pkgdb message counted as restricted");
      }
      assertThat(gateway.registry().get("fedmsg.gateway.connections.refused").tag("reason", "subscription")
          .counter().count()).isEqualTo(2.0);
    }
  }

  @Test
  void connectionCap_refusesTheNextClient() throws Exception {
    try (SignedBus signed = new SignedBus();
        Gateway gateway = Gateway.start(local().maxConnections(1).build(), signed.gatewayBus());
        WsProbe first = WsProbe.connect(gateway.port(), "", null, false)) {
      first.next("subscribed");
      assertThatThrownBy(() -> WsProbe.connect(gateway.port(), "", null, false))
          .cause().isInstanceOf(WebSocketHandshakeException.class)
          .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(503));
    }
  }

  @Test
  void tooManySubscriptions_refused() throws Exception {
    try (SignedBus signed = new SignedBus();
        Gateway gateway = Gateway.start(local().maxSubscriptions(2).build(), signed.gatewayBus());
        WsProbe client = WsProbe.connect(gateway.port(), "?topic=a.*&topic=b.*", null, false)) {
      client.next("subscribed");
      client.send("{\"subscribe\": \"c.*\"}");
      assertThat(client.next("error").get("error").asText()).isEqualTo("too many subscriptions (at most 2)");
      client.send("not json");
      assertThat(client.next("error").get("error").asText()).isEqualTo("not JSON");
    }
  }
}
