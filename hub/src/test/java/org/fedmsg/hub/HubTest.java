package org.fedmsg.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fedmsg.hub.Recorder.eventually;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.config.FedmsgConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hub on loopback, unsigned traffic (validation off): routing, config keys, queues, failures, shutdown. */
@Timeout(60)
class HubTest {
  private static final String P = "org.fedoraproject.dev.";
  private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

  private Bus publisher;

  @BeforeEach
  void publisher() {
    publisher = Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build());
  }

  @AfterEach
  void close() {
    publisher.close();
  }

  private static FedmsgConfig config(String yaml) throws Exception {
    return FedmsgConfig.of(YAML.readTree(yaml));
  }

  private Hub.Builder hub(FedmsgConfig config) {
    return Hub.builder().config(config).discover(false).heartbeatInterval(Duration.ZERO)
        .busOptions(BusOptions.builder().endpoint("pub", List.of(publisher.publisherEndpoint()))
            .validateSignatures(false).build());
  }

  private static FedmsgConfig enabled() throws Exception {
    return config("a.enabled: true\nb.enabled: true\nall.enabled: true\n");
  }

  /* --------------- routing --------------- */

  @Test
  void consumers_receiveMatchingTopicsOnly() throws Exception {
    Recorder pkgdb = new Recorder("pkgdb", "a.enabled", P + "pkgdb.*");
    Recorder bodhi = new Recorder("bodhi", "b.enabled", P + "bodhi.", P + "bodhi.update.");
    Recorder all = new Recorder("all", "all.enabled", "*");
    try (Hub hub = hub(enabled()).consumer(pkgdb).consumer(bodhi).consumer(all).start()) {
      assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
      assertThat(hub.stats("bodhi").topics()).containsExactly(P + "bodhi.");
      for (int n = 0; n < 5; n++) {
        publisher.publish("pkgdb", "package.update", Map.of("n", n));
        publisher.publish("bodhi", "update.request", Map.of("n", n));
        publisher.publish("koji", "build.tag", Map.of("n", n));
      }
      eventually(() -> all.consumed.size() == 15, "the catch-all consumer saw all 15");
      eventually(() -> pkgdb.consumed.size() == 5 && bodhi.consumed.size() == 5, "5 each");
      assertThat(pkgdb.consumed).allSatisfy(m -> assertThat(m.topic()).isEqualTo(P + "pkgdb.package.update"));
      assertThat(bodhi.consumed).allSatisfy(m -> assertThat(m.topic()).isEqualTo(P + "bodhi.update.request"));
      assertThat(bodhi.consumed).extracting(m -> m.msg().get("n").asInt()).containsExactly(0, 1, 2, 3, 4);
      assertThat(hub.stats("pkgdb").received()).isEqualTo(5);
      assertThat(hub.stats("all").consumed()).isEqualTo(15);
      assertThat(pkgdb.context.topic("pkgdb", "package.update")).isEqualTo(P + "pkgdb.package.update");
    }
  }

  @Test
  void prefixes_starsRemovedAndCoveredPrefixesDropped() {
    assertThat(Hub.prefixes(List.of("*"))).containsExactly("");
    assertThat(Hub.prefixes(List.of("a.b.*", "a.", "c.d"))).containsExactly("a.", "c.d");
    assertThatThrownBy(() -> Hub.prefixes(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  /* --------------- config keys --------------- */

  @Test
  void start_configKeyFalsyOrAbsent_consumerNotStarted() throws Exception {
    FedmsgConfig cfg = config("""
        off.enabled: false
        zero.enabled: 0
        empty.enabled: ""
        on.enabled: "yes"
        nested: {consumer: {enabled: true}}
        """);
    Recorder off = new Recorder("off", "off.enabled", "*");
    Recorder zero = new Recorder("zero", "zero.enabled", "*");
    Recorder empty = new Recorder("empty", "empty.enabled", "*");
    Recorder absent = new Recorder("absent", "absent.enabled", "*");
    Recorder on = new Recorder("on", "on.enabled", "*");
    Recorder nested = new Recorder("nested", "nested.consumer.enabled", "*");
    Recorder forced = new Recorder("forced", "forced.enabled", "*");
    try (Hub hub = hub(cfg).consumer(off).consumer(zero).consumer(empty).consumer(absent).consumer(on)
        .consumer(nested).consumer(forced).enable("forced.enabled").start()) {
      assertThat(hub.consumers()).containsExactly("on", "nested", "forced");
      assertThat(hub.notStarted()).containsOnlyKeys("off", "zero", "empty", "absent");
      assertThat(hub.notStarted().get("off")).contains("off.enabled");
      assertThat(off.context).isNull();
      assertThat(on.context).isNotNull();
    }
  }

  @Test
  void start_consumerByClassNameOrServiceLoader_isFoundOnce() throws Exception {
    FedmsgConfig cfg = config("test.named.enabled: true\nhub.consumers: [org.fedmsg.hub.NamedConsumer]\n");
    try (Hub hub = hub(cfg).discover(true).start()) {
      assertThat(hub.consumers()).containsExactly("NamedConsumer");
    }
    try (Hub hub = hub(config("test.named.enabled: true")).discover(true).start()) {
      assertThat(hub.consumers()).containsExactly("NamedConsumer");
    }
    try (Hub hub = hub(config("test.named.enabled: false")).discover(true).start()) {
      assertThat(hub.consumers()).isEmpty();
      assertThat(hub.notStarted()).containsOnlyKeys("NamedConsumer");
    }
  }

  @Test
  void start_badConsumerClass_failsNamingIt() throws Exception {
    assertThatThrownBy(() -> hub(enabled()).consumerClasses(List.of("org.example.Missing")).start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("org.example.Missing not found");
    assertThatThrownBy(() -> hub(enabled()).consumerClasses(List.of("java.lang.String")).start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not implement");
    assertThatThrownBy(() -> hub(enabled()).consumerClasses(List.of(Recorder.class.getName())).start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no public no-argument constructor");
  }

  @Test
  void start_twoConsumersWithOneName_fails() throws Exception {
    assertThatThrownBy(() -> hub(enabled()).consumer(new Recorder("x", "a.enabled", "*"))
        .consumer(new Recorder("x", "b.enabled", "*")).start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
  }

  @Test
  void start_consumerStartThrows_othersRun() throws Exception {
    Recorder good = new Recorder("good", "a.enabled", "*");
    Recorder bad = new Recorder("bad", "b.enabled", "*") {
      @Override
      public void start(HubContext context) {
        throw new IllegalStateException("no database");
      }
    };
    try (Hub hub = hub(enabled()).consumer(bad).consumer(good).start()) {
      assertThat(hub.consumers()).containsExactly("good");
      assertThat(hub.notStarted().get("bad")).contains("no database");
    }
  }

  @Test
  void builder_badArguments_rejected() {
    assertThatThrownBy(() -> Hub.builder().queueSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Hub.builder().heartbeatInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Hub.builder().drainTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Hub.builder().enable(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void start_badHubSettings_configException() throws Exception {
    assertThatThrownBy(() -> hub(config("hub.queue_size: 0")).heartbeatInterval(Duration.ZERO).start())
        .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("hub.queue_size");
    assertThatThrownBy(() -> config("heartbeat_interval: soon"))
        .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("heartbeat_interval");
    assertThatThrownBy(() -> config("hub.consumers: 42"))
        .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("hub.consumers");
    assertThat(config("hub.consumers: [a.B]\nhub.queue_size: 5\nhub.drain_timeout: 1s\nheartbeat_interval: 0")
        .warnings()).isEmpty();
  }

  /* --------------- queues, drops, failures --------------- */

  @Test
  void slowConsumerWithTinyQueue_dropsCountedWhileFastConsumerGetsEverything() throws Exception {
    Recorder slow = new Recorder("slow", "a.enabled", "*");
    slow.queueSize = 2;
    slow.gate = new CountDownLatch(1);
    Recorder fast = new Recorder("fast", "b.enabled", "*");
    try (Hub hub = hub(enabled()).consumer(slow).consumer(fast).start()) {
      assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
      publisher.publish("pkgdb", "package.update", Map.of("n", 0));
      assertThat(slow.entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      for (int n = 1; n < 50; n++) {
        publisher.publish("pkgdb", "package.update", Map.of("n", n));
      }
      eventually(() -> fast.consumed.size() == 50, "the fast consumer got all 50");
      eventually(() -> hub.stats("slow").received() == 50, "the slow consumer was offered all 50");
      ConsumerStats s = hub.stats("slow");
      // one message is held by the blocked consume(), two wait in the queue, the rest are dropped
      assertThat(s.dropped()).isEqualTo(47);
      assertThat(s.backlog()).isEqualTo(2);
      assertThat(s.queueCapacity()).isEqualTo(2);
      assertThat(hub.stats("fast").dropped()).isZero();
      slow.gate.countDown();
      eventually(() -> hub.stats("slow").consumed() == 3, "the slow consumer finished what it kept");
      assertThat(slow.consumed).extracting(m -> m.msg().get("n").asInt()).containsExactly(0, 1, 2);
    }
  }

  @Test
  void throwingConsumer_countedAndKeepsReceiving() throws Exception {
    Recorder thrower = new Recorder("thrower", "a.enabled", "*");
    thrower.throwOnEven = true;
    Recorder other = new Recorder("other", "b.enabled", "*");
    try (Hub hub = hub(enabled()).consumer(thrower).consumer(other).start()) {
      assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
      for (int n = 0; n < 10; n++) {
        publisher.publish("pkgdb", "package.update", Map.of("n", n));
      }
      eventually(() -> hub.stats("thrower").consumed() + hub.stats("thrower").failed() == 10, "all 10 handled");
      assertThat(hub.stats("thrower").failed()).isEqualTo(5);
      assertThat(hub.stats("thrower").consumed()).isEqualTo(5);
      eventually(() -> other.consumed.size() == 10, "the other consumer got all 10");
      assertThat(hub.busStats().handlerErrors()).isZero();
    }
  }

  /* --------------- shutdown --------------- */

  @Test
  void close_drainsQueuesThenStopsConsumers() throws Exception {
    Recorder slow = new Recorder("slow", "a.enabled", "*");
    slow.gate = new CountDownLatch(1);
    Hub hub = hub(enabled()).consumer(slow).drainTimeout(Duration.ofSeconds(20)).start();
    assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
    for (int n = 0; n < 20; n++) {
      publisher.publish("pkgdb", "package.update", Map.of("n", n));
    }
    eventually(() -> hub.stats("slow").received() == 20, "all 20 queued");
    slow.gate.countDown();
    hub.close();
    assertThat(slow.consumed).hasSize(20);
    assertThat(hub.stats("slow").dropped()).isZero();
    assertThat(slow.stopped).isTrue();
  }

  @Test
  void close_drainTimeoutPassed_leftoversCountedAsDropped() throws Exception {
    Recorder stuck = new Recorder("stuck", "a.enabled", "*");
    stuck.gate = new CountDownLatch(1);
    Hub hub = hub(enabled()).consumer(stuck).drainTimeout(Duration.ofMillis(100)).start();
    assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
    for (int n = 0; n < 5; n++) {
      publisher.publish("pkgdb", "package.update", Map.of("n", n));
    }
    eventually(() -> hub.stats("stuck").received() == 5, "all 5 offered");
    hub.close();
    ConsumerStats s = hub.stats("stuck");
    // the first message was interrupted inside consume(), the other four never started
    assertThat(s.failed()).isEqualTo(1);
    assertThat(s.dropped()).isEqualTo(4);
    assertThat(s.backlog()).isZero();
    assertThat(stuck.stopped).isTrue();
  }
}
