package org.fedmsg.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.hub.Recorder.eventually;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A durable hub keeps each consumer's position: stopped without draining while messages wait in
 * a slow consumer's queue, it resumes from the slowest consumer, and every consumer ends with
 * every message once. Real sockets: a fedmsg/2 publisher with an outbox and a replay endpoint.
 */
@Timeout(90)
class HubResumeTest {
  private static final String TOPIC = "org.fedoraproject.dev.pkgdb.";
  @TempDir Path dir;
  private Signer signer;
  private TrustStore trust;

  @BeforeEach
  void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("hub-resume-ca").keyType(TestPki.KeyType.EC_P256).build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(TestPki.KeyType.ED25519).build();
    signer = Signer.of(leaf.privateKey(), leaf.chain());
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
  }

  @AfterEach
  void close() {
    trust.close();
  }

  /** Consumes one message per permit; waits (interruptibly) when it has none. */
  static final class Throttled implements Consumer {
    final String name;
    final Semaphore permits;
    final List<Message> consumed = new CopyOnWriteArrayList<>();

    Throttled(String name, int permits) {
      this.name = name;
      this.permits = new Semaphore(permits);
    }

    @Override public String name() { return name; }
    @Override public String configKey() { return "resume.enabled"; }
    @Override public List<String> topics() { return List.of(TOPIC + "*"); }

    @Override
    public void consume(Message m) throws InterruptedException {
      permits.acquire();
      consumed.add(m);
    }

    List<Integer> numbers() {
      return consumed.stream().map(m -> m.msg().path("n").asInt()).toList();
    }
  }

  private Bus publisher() {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
        .put("state_dir", dir.resolve("publisher").toString());
    tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
    tree.putObject("replay_endpoints").put("pkgdb", "tcp://127.0.0.1:*");
    tree.putArray("critical_topics").add("pkgdb.package.*");
    return Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer).build());
  }

  private Hub hub(Bus pub, Consumer... consumers) {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("resume.enabled", true).put("state_dir", dir.resolve("hub").toString()).put("durable_name", "hub");
    tree.putObject("endpoints").putArray("pkgdb").add(pub.publisherEndpoint());
    tree.putObject("replay_endpoints").put("pkgdb", pub.replayEndpoint().orElseThrow());
    tree.putArray("critical_topics").add("pkgdb.package.*");
    FedmsgConfig config = FedmsgConfig.of(tree);
    Hub.Builder b = Hub.builder().discover(false).heartbeatInterval(Duration.ZERO).drainTimeout(Duration.ZERO)
        .config(config).busOptions(BusOptions.builder().apply(config)
            .verifier(MessageVerifier.builder().trust(trust).build()).build());
    for (Consumer c : consumers) {
      b.consumer(c);
    }
    return b.start();
  }

  @org.junit.jupiter.api.Test
  void durableHub_consumerNameThatIsNoDirectoryName_isAConfigError() {
    try (Bus pub = publisher()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> hub(pub, new Throttled("../escape", 1)).close())
          .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("durable_name")
          .hasMessageContaining("'../escape'").hasMessageContaining("names a directory");
    }
  }

  private static void publish(Bus pub, int from, int to) {
    for (int n = from; n <= to; n++) {
      pub.publish("pkgdb", "package.update", Map.of("n", n));
    }
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> r = new ArrayList<>();
    for (int n = from; n <= to; n++) {
      r.add(n);
    }
    return r;
  }

  /**
   * @param forgetIds the fast consumer's saved {@code msg_id}s are dropped before the restart, as
   *     when it is more messages ahead of the slow one than its dedupe window holds: its position
   *     alone must keep it from seeing 4..10 again
   */
  @ParameterizedTest(name = "forgetIds={0}")
  @ValueSource(booleans = {false, true})
  void stoppedWithMessagesQueuedToTheSlowConsumer_restarted_eachConsumerGetsEveryMessageOnce(boolean forgetIds)
      throws Exception {
    try (Bus pub = publisher()) {
      Throttled fast1 = new Throttled("fast", Integer.MAX_VALUE);
      Throttled slow1 = new Throttled("slow", 3);
      try (Hub hub = hub(pub, fast1, slow1)) {
        assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
        publish(pub, 1, 10);
        // the slow consumer handled 1..3, waits inside consume(4), 5..10 are in its queue
        eventually(() -> fast1.consumed.size() == 10 && hub.stats("slow").backlog() == 6, "fast done, slow behind");
      }  // no drain: the slow consumer is interrupted in consume(4), its queue abandoned
      assertThat(fast1.numbers()).isEqualTo(range(1, 10));
      assertThat(slow1.numbers()).isEqualTo(range(1, 3));

      publish(pub, 11, 15);  // while the hub is down
      if (forgetIds) {
        Path log = dir.resolve("hub/positions/hub/handlers/fast/positions.log");
        List<String> lines = Files.readAllLines(log);
        String[] last = lines.get(lines.size() - 1).split(" ", 6);
        assertThat(last[3]).isEqualTo("10");
        last[4] = "-";
        Files.writeString(log, String.join(" ", last) + "\n");
      }

      Throttled fast2 = new Throttled("fast", Integer.MAX_VALUE);
      Throttled slow2 = new Throttled("slow", Integer.MAX_VALUE);
      try (Hub hub = hub(pub, fast2, slow2)) {
        assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
        publish(pub, 16, 16);  // the first live message shows the gap from the slowest position
        eventually(() -> slow2.consumed.size() >= 13 && fast2.consumed.size() >= 6, "both caught up");
        assertThat(slow2.numbers()).isEqualTo(range(4, 16));
        assertThat(fast2.numbers()).isEqualTo(range(11, 16));
        assertThat(hub.busStats().lost()).isZero();
      }
      // a third run asks for nothing old: both positions are at 16
      Throttled fast3 = new Throttled("fast", Integer.MAX_VALUE);
      Throttled slow3 = new Throttled("slow", Integer.MAX_VALUE);
      try (Hub hub = hub(pub, fast3, slow3)) {
        assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
        publish(pub, 17, 17);
        eventually(() -> slow3.consumed.size() >= 1 && fast3.consumed.size() >= 1, "17 delivered");
        assertThat(slow3.numbers()).containsExactly(17);
        assertThat(fast3.numbers()).containsExactly(17);
        assertThat(hub.busStats().gaps()).isZero();
      }
    }
  }
}
