package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
class HubCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Bus publisher;
  private Path config;

  @BeforeEach
  void setUp() throws Exception {
    publisher = Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build());
    config = dir.resolve("fedmsg.yaml");
    Files.writeString(config, "endpoints:\n  pub: \"" + publisher.publisherEndpoint() + "\"\n"
        + "validate_signatures: false\n");
  }

  @AfterEach
  void tearDown() {
    publisher.close();
  }

  private int run(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("--config", config.toString()));
    all.addAll(List.of(args));
    return Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(java.util.stream.Stream.concat(java.util.stream.Stream.of("hub"), all.stream()).toArray(String[]::new));
  }

  private static void eventually(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void call_withLogConsumerEnabled_printsMessagesAndCounters() throws Exception {
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> run("--with-consumers",
        LogConsumer.class.getName(), "--enable", LogConsumer.CONFIG_KEY, "--no-discover",
        "--heartbeat-interval", "0", "--timeout", "4"));
    eventually(() -> out.toString().contains("hub: running [LogConsumer]"), "the hub is running");
    for (int n = 0; n < 3; n++) {
      publisher.publish("pkgdb", "package.update", Map.of("n", n));
    }
    assertThat(code.get(30, TimeUnit.SECONDS)).isZero();
    String printed = out.toString();
    assertThat(printed).contains("org.fedoraproject.dev.pkgdb.package.update [-] {\"n\":0}",
        "{\"n\":2}", "consumer LogConsumer: received=3 consumed=3 failed=0 dropped=0");
  }

  @Test
  void call_configKeyInConfig_discoveredConsumerRuns() throws Exception {
    Files.writeString(config, "fedmsg.consumers.log.enabled: true\nfedmsg.consumers.log.topics: [org.fedoraproject.dev.bodhi.]\n",
        java.nio.file.StandardOpenOption.APPEND);
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> run("--heartbeat-interval", "0",
        "--timeout", "4"));
    eventually(() -> out.toString().contains("hub: running [LogConsumer]"), "the hub is running");
    publisher.publish("pkgdb", "package.update", Map.of("n", 1));
    publisher.publish("bodhi", "update.request", Map.of("n", 2));
    assertThat(code.get(30, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).contains("bodhi.update.request").doesNotContain("pkgdb.package.update")
        .contains("consumer LogConsumer: received=1 consumed=1");
  }

  @Test
  void call_noConsumerEnabled_exitOneWithHint() {
    int code = run("--with-consumers", LogConsumer.class.getName(), "--no-discover", "--timeout", "1");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("no consumer to run", LogConsumer.CONFIG_KEY, "--enable");
  }

  @Test
  void call_unknownConsumerClass_exitTwoNamingIt() {
    int code = run("--with-consumers", "org.example.Nope", "--timeout", "1");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("org.example.Nope not found");
  }

  @Test
  void call_badHeartbeatInterval_exitTwo() {
    int code = run("--heartbeat-interval", "soon", "--timeout", "1");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("not a duration");
  }
}
