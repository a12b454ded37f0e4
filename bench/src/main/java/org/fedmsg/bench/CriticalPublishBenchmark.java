package org.fedmsg.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The publishing path of the critical bus beside the statistical one, in the same run: one bound
 * fedmsg/2 publisher (Ed25519) with {@code critical_topics} and a {@code state_dir}, publishing
 * either a critical topic (signed frames appended to the durable outbox before the hand-off) or a
 * statistical one (a {@code seq} marker appended), and the same publisher without critical
 * topics (no outbox at all). {@code Bus.publish} is measured end to end up to the hand-off to the
 * publishing thread; nobody subscribes, so the network is not part of it.
 *
 * <p>Run: {@code mvn -B -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * CriticalPublish -f 1 -wi 2 -i 3}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CriticalPublishBenchmark {

  /** What is published. */
  public enum Case {
    /** No critical_topics: no outbox. */
    STATISTICAL_NO_OUTBOX,
    /** critical_topics set, a statistical topic: a seq marker is appended. */
    STATISTICAL_WITH_OUTBOX,
    /** A critical topic: the signed frames are appended. */
    CRITICAL
  }

  /** One publisher per trial, its state directory removed afterwards. */
  @State(Scope.Thread)
  public static class Setting {
    @Param({"STATISTICAL_NO_OUTBOX", "STATISTICAL_WITH_OUTBOX", "CRITICAL"})
    Case path;

    Bus bus;
    Path state;
    String topic;
    final Map<String, Object> payload = Map.of("package", "fedmsg-java", "owner", "someone", "n", 42);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      TestPki.Issued leaf = TestPki.rootCa("bench-ca").keyType(KeyType.EC_P256).build()
          .issue("svc-pkgdb.example.org").keyType(KeyType.ED25519).build();
      Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
      state = Files.createTempDirectory("fedmsg-bench-outbox");
      ObjectNode tree = JsonNodeFactory.instance.objectNode();
      tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
          .put("state_dir", state.toString());
      tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
      if (path != Case.STATISTICAL_NO_OUTBOX) {
        tree.putArray("critical_topics").add("pkgdb.package.*");
      }
      bus = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer).build());
      topic = path == Case.CRITICAL ? "package.owner.update" : "stats.daily";
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      bus.close();
      try (Stream<Path> files = Files.walk(state)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Benchmark
  public Message publish(Setting s) {
    return s.bus.publish("pkgdb", s.topic, s.payload);
  }
}
