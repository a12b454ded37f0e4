package org.fedmsg.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.BusStats;
import org.fedmsg.Subscription;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;

/**
 * The critical path beside the statistical one, end to end, in the same run: a bound fedmsg/2
 * publisher (Ed25519) publishes N messages as fast as {@code Bus.publish} returns to one
 * verifying subscriber bus on loopback, which counts what its handler received. Three cases,
 * interleaved round by round so the shared machine's load moves all of them alike:
 *
 * <ol>
 *   <li>statistical: no {@code critical_topics} on either side, no outbox;
 *   <li>statistical topic on a publisher with {@code critical_topics} and {@code state_dir} (a
 *       {@code seq} marker appended to the outbox per message);
 *   <li>critical topic: its signed frames appended to the outbox before the send, the subscriber
 *       treating the topic as critical too.
 * </ol>
 *
 * <p>A first round of each case warms the JIT up and is not counted. The rate is messages delivered to the handler per second, from the first publish to the last
 * delivery; high-water marks are raised so nothing is dropped (a drop would end the round short
 * and is reported). Run:
 *
 * <pre>{@code
 * mvn -B -pl bench -am package -DskipTests
 * java -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp bench/target/benchmarks.jar \
 *   org.fedmsg.bench.CriticalEndToEndBenchmark 5 10000
 * }</pre>
 */
public final class CriticalEndToEndBenchmark {
  private static final String[] CASES = {"statistical, no outbox", "statistical, outbox marker", "critical, outbox frames"};

  private CriticalEndToEndBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int messages = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    TestPki.Issued ca = TestPki.rootCa("bench ca").build();
    TestPki.Issued leaf = ca.issue("svc-pkgdb.example.org").keyType(TestPki.KeyType.ED25519).build();
    Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
    double[][] rate = new double[CASES.length][rounds];
    // One round of every case first, not counted: the JIT compiles the paths (the first round ran
    // at a tenth of the later ones).
    for (int c = 0; c < CASES.length; c++) {
      run(c, messages, ca, signer);
    }
    for (int round = 0; round < rounds; round++) {
      StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
      for (int c = 0; c < CASES.length; c++) {
        rate[c][round] = run(c, messages, ca, signer);
        line.append(String.format(Locale.ROOT, " %s %,.0f/s;", CASES[c], rate[c][round]));
      }
      System.out.println(line);
    }
    System.out.printf(Locale.ROOT, "%nmedians of %d rounds of %,d messages, %d cores, load average %s%n", rounds,
        messages, Runtime.getRuntime().availableProcessors(),
        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    for (int c = 0; c < CASES.length; c++) {
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = rate[c][r] / rate[0][r];
      }
      System.out.printf(Locale.ROOT, "  %-28s %,10.0f/s   ratio to statistical (per-round median) %.2f%n", CASES[c],
          median(rate[c]), median(ratio));
    }
  }

  /** One round of one case: messages delivered per second, end to end. */
  private static double run(int c, int messages, TestPki.Issued ca, Signer signer) throws Exception {
    Path state = Files.createTempDirectory("fedmsg-bench-critical");
    boolean outbox = c > 0;
    String topic = c == 2 ? "package.owner.update" : "stats.daily";
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
        .put("state_dir", state.toString()).put("high_water_mark", 10_000_000);
    tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
    if (outbox) {
      tree.putArray("critical_topics").add("pkgdb.package.*");
    }
    TopicPolicy allowAll = TopicPolicy.parse("default: allow\n", "bench", TopicNamespace.DEFAULT);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).build());
        Bus pub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(signer).build())) {
      ObjectNode subTree = JsonNodeFactory.instance.objectNode().put("high_water_mark", 10_000_000);
      if (outbox) {
        subTree.putArray("critical_topics").add("pkgdb.package.*");
      }
      try (Bus sub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(subTree))
          .verifier(MessageVerifier.builder().trust(trust).policy(allowAll).build())
          .endpoint("pkgdb", List.of(pub.publisherEndpoint())).build())) {
        LongAdder got = new LongAdder();
        long[] last = {0};
        Subscription s = sub.subscribe("", m -> {
          got.increment();
          last[0] = System.nanoTime();
        });
        if (!s.awaitReady(Duration.ofSeconds(30))) {
          throw new IllegalStateException("subscriber not connected");
        }
        Map<String, Object> payload = Map.of("package", "fedmsg-java", "owner", "someone", "n", 42);
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
          pub.publish("pkgdb", topic, payload);
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (got.sum() < messages && System.nanoTime() < deadline) {
          BusStats st = sub.stats();
          if (st.delivered() + st.gaps() >= messages) {
            break;
          }
          Thread.sleep(5);
        }
        if (got.sum() < messages) {
          System.out.printf(Locale.ROOT, "  (%s: %,d of %,d delivered, %s)%n", CASES[c], got.sum(), messages, sub.stats());
        }
        return got.sum() / ((last[0] - start) / 1e9);
      }
    } finally {
      delete(state);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
