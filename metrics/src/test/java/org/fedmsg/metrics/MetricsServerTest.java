package org.fedmsg.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MetricsServerTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void scrape_afterRealTraffic_countsWhatTheBusesDid() throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    try (Bus pub = Bus.create(BusOptions.builder().name("pkgdb")
            .endpoint("pkgdb", List.of("tcp://127.0.0.1:*")).validateSignatures(false).build());
        Bus sub = Bus.create(BusOptions.builder().endpoint("pkgdb", List.of(pub.publisherEndpoint()))
            .validateSignatures(false).build());
        MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
      BusMeters.bind(registry, "publisher", pub::stats);
      BusMeters.bind(registry, "subscriber", sub::stats);
      CountDownLatch got = new CountDownLatch(3);
      Subscription subscription = sub.subscribe("org.fedoraproject.dev.pkgdb", m -> got.countDown());
      assertThat(subscription.awaitReady(Duration.ofSeconds(10))).isTrue();
      for (int n = 0; n < 3; n++) {
        pub.publish("pkgdb", "package.update", Map.of("n", n));
      }
      assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();

      HttpResponse<String> response = get(server, "/metrics");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValue(MetricsServer.CONTENT_TYPE);
      String body = response.body();
      assertThat(value(body, "fedmsg_messages_published_total", "component=\"publisher\"")).isEqualTo(3.0);
      assertThat(value(body, "fedmsg_messages_delivered_total", "component=\"subscriber\"")).isEqualTo(3.0);
      assertThat(value(body, "fedmsg_messages_rejected_total", "component=\"subscriber\",reason=\"UNTRUSTED_CHAIN\""))
          .isEqualTo(0.0);
      assertThat(body).contains("# HELP fedmsg_gaps_total");

      pub.close();   // the subscriber's connection to it ends
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (sub.stats().peerDisconnects() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(value(get(server, "/metrics").body(), "fedmsg_peer_disconnects_total", "component=\"subscriber\""))
          .isGreaterThanOrEqualTo(1.0);
    }
  }

  @Test
  void otherPathsAndMethods_refused() throws Exception {
    try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, MetricsServer.newRegistry())) {
      assertThat(get(server, "/").statusCode()).isEqualTo(404);
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(server, "/metrics"))
          .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
  }

  private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(MetricsServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  /** The value of the sample {@code name} whose labels contain {@code labels}. */
  static double value(String exposition, String name, String labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(exposition);
    while (m.find()) {
      if (m.group(1).contains(labels)) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no sample " + name + "{" + labels + "} in:\n" + exposition);
  }
}
