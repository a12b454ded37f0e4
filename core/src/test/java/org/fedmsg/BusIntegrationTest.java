package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BusIntegrationTest {
  private static final SocketOptions BIG_HWM = new SocketOptions(100_000, 0, -1, -1, -1, -1, 100, 1000);

  static Bus publisher(String name) {
    return Bus.create(BusOptions.builder()
        .name(name)
        .endpoint(name, List.of("tcp://127.0.0.1:*"))
        .socketOptions(BIG_HWM)
        .validateSignatures(false)
        .build());
  }

  static Bus subscriberOf(String... endpoints) {
    return Bus.create(BusOptions.builder()
        .endpoint("pub", List.of(endpoints))
        .socketOptions(BIG_HWM)
        .validateSignatures(false)
        .build());
  }

  @Test
  void publish_tenThousandToTwoSubscribers_noneLostOrderKept() throws Exception {
    int count = 10_000;
    try (Bus pub = publisher("pkgdb");
        Bus sub1 = subscriberOf(pub.publisherEndpoint());
        Bus sub2 = subscriberOf(pub.publisherEndpoint())) {
      List<Long> got1 = new CopyOnWriteArrayList<>();
      List<Long> got2 = new CopyOnWriteArrayList<>();
      CountDownLatch done = new CountDownLatch(2 * count);
      Subscription s1 = sub1.subscribe("org.fedoraproject.dev.pkgdb", m -> {
        got1.add(m.msg().get("n").longValue());
        done.countDown();
      });
      Subscription s2 = sub2.subscribe("", m -> {
        got2.add(m.msg().get("n").longValue());
        done.countDown();
      });
      assertThat(s1.awaitReady(Duration.ofSeconds(10))).isTrue();
      assertThat(s2.awaitReady(Duration.ofSeconds(10))).isTrue();

      for (long n = 1; n <= count; n++) {
        pub.publish("pkgdb", "package.update", Map.of("n", n));
      }

      assertThat(done.await(30, TimeUnit.SECONDS)).as("all messages arrive").isTrue();
      List<Long> expected = java.util.stream.LongStream.rangeClosed(1, count).boxed().toList();
      assertThat(got1).isEqualTo(expected);
      assertThat(got2).isEqualTo(expected);
      assertThat(sub1.stats().rejected()).isZero();
      assertThat(pub.stats().published()).isEqualTo(count);
    }
  }

  @Test
  void publish_rightAfterAwaitReady_arrives() throws Exception {
    try (Bus pub = publisher("bodhi"); Bus sub = subscriberOf(pub.publisherEndpoint())) {
      CountDownLatch got = new CountDownLatch(1);
      Subscription s = sub.subscribe("org.fedoraproject.dev.bodhi.update", m -> got.countDown());
      assertThat(s.awaitReady(Duration.ofSeconds(10))).isTrue();
      // No sleep between readiness and the first message: the probe answer proved the
      // subscription is in force at the publisher.
      pub.publish("bodhi", "update.request", Map.of("update", "FEDORA-1"));
      assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void awaitReady_noPublisherAnswering_timesOutFalse() throws Exception {
    try (Bus sub = subscriberOf("tcp://127.0.0.1:1")) {
      Subscription s = sub.subscribe("", m -> {});
      assertThat(s.awaitReady(Duration.ofMillis(300))).isFalse();
    }
  }

  @Test
  void publish_fieldsFollowTheReference() throws Exception {
    try (Bus pub = publisher("pkgdb")) {
      Message m = pub.publish("pkgdb", "package.update", null);
      assertThat(m.topic()).isEqualTo("org.fedoraproject.dev.pkgdb.package.update");
      assertThat(m.msg().isObject() && m.msg().isEmpty()).isTrue();
      assertThat(m.msgId()).hasValueSatisfying(id -> assertThat(id).matches("\\d{4}-[0-9a-f-]{36}"));
      assertThat(m.i()).hasValue(1);
      assertThat(pub.publish("pkgdb", "x", "").i()).hasValue(2);
      assertThat(new String(m.rawBody(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("{\"i\":1,\"msg\":{}");
    }
  }

  @Test
  void handlerThrows_busKeepsDelivering() throws Exception {
    try (Bus pub = publisher("pkgdb"); Bus sub = subscriberOf(pub.publisherEndpoint())) {
      CountDownLatch got = new CountDownLatch(2);
      Subscription s = sub.subscribe("", m -> {
        got.countDown();
        throw new IllegalStateException("handler bug");
      });
      assertThat(s.awaitReady(Duration.ofSeconds(10))).isTrue();
      pub.publish("pkgdb", "a", Map.of("k", 1));
      pub.publish("pkgdb", "b", Map.of("k", 2));
      assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
      Eventually.assertThat(() -> sub.stats().handlerErrors() == 2, "both handler errors counted");
    }
  }

  @Test
  void publishOnlyBus_neverLoadsTheTrustStore_subscribingThenFailsClearly() {
    com.fasterxml.jackson.databind.node.ObjectNode tree = Json.object()
        .put("ca_cert_location", "/nonexistent/ca.crt")
        .put("validate_signatures", true);
    BusOptions options = BusOptions.builder().apply(org.fedmsg.config.FedmsgConfig.of(tree))
        .name("pkgdb").endpoint("pkgdb", List.of("tcp://127.0.0.1:*")).build();
    try (Bus bus = Bus.create(options)) {
      assertThat(bus.publish("pkgdb", "package.update", Map.of("n", 1)).topic())
          .isEqualTo("org.fedoraproject.dev.pkgdb.package.update");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> bus.subscribe("", m -> {}))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("/nonexistent/ca.crt");
    }
  }
}
