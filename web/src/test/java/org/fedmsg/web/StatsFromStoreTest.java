package org.fedmsg.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.fedmsg.store.MessageStore;
import org.fedmsg.store.StoreOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /stats.json} reads per-service and per-topic counts from a real SQLite store's archive. */
@Timeout(120)
class StatsFromStoreTest {

  @Test
  void statsJson_showsTheStoresHistory_includingMessagesArchivedBeforeTheGatewayStarted(@TempDir Path dir)
      throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("store.db");
    try (SignedBus signed = new SignedBus()) {
      // real signed messages, archived through the store's API before the gateway exists
      try (MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(url).build(),
          new SimpleMeterRegistry())) {
        for (int i = 0; i < 5; i++) {
          assertThat(store.archive(signed.publisher.publish("pkgdb", "package.update", Map.of("i", i)))).isTrue();
        }
        for (int i = 0; i < 3; i++) {
          assertThat(store.archive(signed.publisher.publish("bodhi", "update.request", Map.of("i", i)))).isTrue();
        }
        assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      }

      try (Gateway gateway = Gateway.start(GatewayOptions.builder().host("127.0.0.1").port(0).statsStoreUrl(url)
          .build(), signed.gatewayBus())) {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.port() + "/stats.json")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode stats = new ObjectMapper().readTree(response.body());

        assertThat(stats.get("source").asText()).isEqualTo("store");
        assertThat(stats.get("messages").asLong()).as("the gateway itself received none").isZero();
        assertThat(stats.get("totals").get("services").get("pkgdb").asLong()).isEqualTo(5);
        assertThat(stats.get("totals").get("services").get("bodhi").asLong()).isEqualTo(3);
        assertThat(stats.get("totals").get("topics").get("org.fedoraproject.dev.bodhi.update.request").asLong())
            .isEqualTo(3);
        for (String window : new String[] {"minutes", "hours"}) {
          JsonNode w = stats.get(window);
          assertThat(sum(w.get("services").get("pkgdb"))).as(window).isEqualTo(5);
          assertThat(sum(w.get("topics").get("org.fedoraproject.dev.pkgdb.package.update"))).as(window).isEqualTo(5);
          assertThat(w.get("services").get("pkgdb").size()).isEqualTo(w.get("labels").size());
        }
        assertThat(stats.get("store_failures").asLong()).isZero();
      }
    }
  }

  @Test
  void storeFailing_statsFallBackToTheGatewaysOwnCounts_andCountTheFailure() throws Exception {
    BusStatistics stats = new BusStatistics(java.time.Clock.systemUTC(), org.fedmsg.policy.TopicNamespace.DEFAULT,
        () -> new org.fedmsg.BusStats(0, 0, 0, 0, 0, 0, Map.of(), Map.of()), (first, width, buckets) -> {
          throw new org.fedmsg.store.StoreException("counts failed: database is locked");
        });
    JsonNode snapshot = stats.snapshot(0, 0);
    assertThat(snapshot.get("source").asText()).isEqualTo("gateway");
    assertThat(snapshot.get("store_failures").asLong()).isEqualTo(1);
    assertThat(snapshot.get("minutes").get("labels")).hasSize(60);
  }

  @Test
  void statsStoreUrl_mustBeAJdbcUrl() throws Exception {
    org.fedmsg.config.FedmsgConfig config = org.fedmsg.config.FedmsgConfig.of(
        new ObjectMapper().readTree("{\"gateway.stats_store_url\": \"http://127.0.0.1:9930/\"}"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GatewayOptions.builder(config))
        .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("gateway.stats_store_url");
    assertThat(GatewayOptions.builder(org.fedmsg.config.FedmsgConfig.of(new ObjectMapper().readTree(
        "{\"gateway.stats_store_url\": \"jdbc:sqlite:/var/lib/fedmsg/store.db\"}"))).build().statsStoreUrl)
        .isEqualTo("jdbc:sqlite:/var/lib/fedmsg/store.db");
  }

  private static long sum(JsonNode values) {
    long n = 0;
    for (JsonNode v : values) {
      n += v.asLong();
    }
    return n;
  }
}
