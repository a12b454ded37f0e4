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
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fedmsg tail} shows which bus a message is on: critical ({@code critical_topics}) or statistical. */
@Timeout(60)
class TailCriticalTest {
  @TempDir Path dir;

  private String tail(String format) throws Exception {
    TestPki.Issued leaf = TestPki.rootCa("tail-critical-ca").build().issue("svc-pkgdb.example.org")
        .keyType(TestPki.KeyType.ED25519).build();
    Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
    try (Bus pub = Bus.create(BusOptions.builder().name("pkgdb").endpoint("pkgdb", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(WireFormat.FEDMSG2).signer(signer).build())) {
      Path config = Files.writeString(dir.resolve("tail-" + format.substring(2) + ".yaml"),
          "validate_signatures: false\ncritical_topics: [\"pkgdb.package.*\"]\nendpoints:\n  pkgdb: [\""
              + pub.publisherEndpoint() + "\"]\n");
      StringWriter out = new StringWriter();
      CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> new CommandLine(new TailCommand())
          .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(new StringWriter(), true))
          .execute("--config", config.toString(), format, "--count", "4", "--timeout", "30"));
      // The tail subscribes on its own thread: publish pairs until it has printed enough.
      while (!run.isDone()) {
        pub.publish("pkgdb", "package.owner.update", Map.of("n", 1));
        pub.publish("pkgdb", "stats.daily", Map.of("n", 2));
        Thread.sleep(20);
      }
      assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
      return out.toString();
    }
  }

  @Test
  void json_namesTheBus() throws Exception {
    String out = tail("--json");
    assertThat(out.lines().filter(l -> l.contains("\"topic\":\"org.fedoraproject.dev.pkgdb.package.owner.update\"")))
        .isNotEmpty().allSatisfy(l -> assertThat(l).contains("\"bus\":\"critical\""));
    assertThat(out.lines().filter(l -> l.contains("\"topic\":\"org.fedoraproject.dev.pkgdb.stats.daily\"")))
        .isNotEmpty().allSatisfy(l -> assertThat(l).contains("\"bus\":\"statistical\""));
  }

  @Test
  void terse_marksCriticalTopics() throws Exception {
    String out = tail("--terse");
    assertThat(out.lines().filter(l -> l.contains("pkgdb.package.owner.update")))
        .isNotEmpty().allSatisfy(l -> assertThat(l).contains(" ! org.fedoraproject.dev.pkgdb.package.owner.update"));
    assertThat(out.lines().filter(l -> l.contains("pkgdb.stats.daily")))
        .isNotEmpty().allSatisfy(l -> assertThat(l).doesNotContain(" ! "));
  }
}
