package org.fedmsg.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.WireFormat;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.json.CanonicalJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load test, out of the default run: stores N messages (default 1,000,000) in each database, then
 * times queries at that size, beside the bus's receive rate (fedmsg/2, verified) measured in the
 * same run. Run it with
 * {@code mvn -B -q -o -pl store -am verify -Dtest=StoreLoadTest -Dstore.load=true -Dstore.load.count=1000000
 * -Dsurefire.failIfNoSpecifiedTests=false}; figures go to standard output and docs/performance.md.
 */
@EnabledIfSystemProperty(named = "store.load", matches = "true")
class StoreLoadTest {
  static final String[] SERVICES = {"buildsys", "copr", "bodhi", "github", "pagure", "mailman", "bugzilla", "fas"};
  @TempDir Path tmp;

  @Test
  void load_bothDatabases_writeRateAndQueryLatencyBesideBusReceiveRate() throws Exception {
    int n = Integer.getInteger("store.load.count", 1_000_000);
    StringBuilder report = new StringBuilder();
    double bus = busReceiveRate(20_000);
    report.append(String.format("bus receive rate (fedmsg/2, ECDSA P-256, verified): %.0f msg/s%n", bus));
    for (Databases db : Databases.values()) {
      report.append(run(db, n, bus));
    }
    System.out.println(report);
    Files.writeString(Path.of("target", "store-load.txt"), report.toString());
  }

  private String run(Databases db, int n, double bus) throws Exception {
    Instant base = Instant.parse("2026-01-01T00:00:00Z");
    long spanMillis = Duration.ofDays(1).toMillis();
    byte[] signature = Signed.fedmsg2("org.example.x", base, Signed.msg(), "e", 1).get(2);
    StoreOptions options = StoreOptions.builder().jdbcUrl(db.freshUrl(tmp)).batchSize(1000).queueSize(60_000).build();
    StringBuilder out = new StringBuilder();
    try (MessageStore store = MessageStore.open(options, new SimpleMeterRegistry())) {
      long started = System.nanoTime();
      for (int i = 0; i < n; i++) {
        while (store.stats().queued() > 50_000) {
          TimeUnit.MILLISECONDS.sleep(1);  // pace the producer: this measures the writer, not the buffer
        }
        store.archive(ArchivedMessage.fromFrames(frames(i, base.plusMillis(i * spanMillis / n), signature),
            "svc" + (i % 4) + ".example.org", Instant.now()));
      }
      assertThat(store.flush(Duration.ofHours(1))).isTrue();
      double seconds = (System.nanoTime() - started) / 1e9;
      assertThat(store.stats().stored()).isEqualTo(n);
      double rate = n / seconds;
      out.append(String.format("%s: stored %,d messages in %.1f s = %.0f msg/s (%.2f x the bus receive rate)%n",
          db, n, seconds, rate, rate / bus));
      Instant end = base.plusMillis(spanMillis);
      Map<String, Supplier<Query>> queries = new java.util.LinkedHashMap<>();
      queries.put("newest page (last 10 min, 20 rows, desc)", () -> page(end.minusSeconds(600), end, List.of(), List.of(),
          List.of(), List.of()));
      queries.put("one topic over 1 day (20 rows)", () -> page(base, end, List.of("org.fedoraproject.prod.copr.build.end"),
          List.of(), List.of(), List.of()));
      queries.put("one user over 1 day (20 rows)", () -> page(base, end, List.of(), List.of(), List.of("user42"), List.of()));
      queries.put("category + contains over 1 hour", () -> page(end.minusSeconds(3600), end, List.of(), List.of("bodhi"),
          List.of(), List.of("needle7")));
      for (Map.Entry<String, Supplier<Query>> q : queries.entrySet()) {
        out.append(String.format("  %s: median %.1f ms%n", q.getKey(), median(() -> {
          Query query = q.getValue().get();
          store.count(query);
          store.query(query, m -> { });
        })));
      }
      String someId = "2026-load-" + (n / 2);
      out.append(String.format("  /id lookup: median %.1f ms%n", median(() -> store.byMsgId(someId).orElseThrow())));
    }
    return out.toString();
  }

  private static Query page(Instant start, Instant end, List<String> topics, List<String> categories,
      List<String> users, List<String> contains) {
    return new Query(start, end, topics, categories, users, List.of(), contains, List.of(), List.of(), List.of(),
        List.of(), 1, 20, true);
  }

  interface Work {
    void run() throws Exception;
  }

  private static double median(Work work) throws Exception {
    double[] ms = new double[5];
    for (int i = 0; i < ms.length; i++) {
      long t = System.nanoTime();
      work.run();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    return ms[ms.length / 2];
  }

  private static List<byte[]> frames(int i, Instant at, byte[] signature) {
    String service = SERVICES[i % SERVICES.length];
    String topic = "org.fedoraproject.prod." + service + ".build." + (i % 3 == 0 ? "end" : "start");
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("topic", topic);
    ObjectNode msg = body.putObject("msg");
    msg.put("owner", "user" + (i % 1000)).put("user", "user" + (i % 1000)).put("name", "pkg" + (i % 500))
        .put("pkg", "pkg" + (i % 500)).put("agent", "user" + (i % 1000)).put("note", "needle" + (i % 100))
        .put("text", "a realistic payload of a few hundred bytes, as build and update messages carry");
    body.put("timestamp", at.getEpochSecond());
    body.put("msg_id", "2026-load-" + i);
    body.put("i", i);
    body.put("username", "apache");
    body.put("epoch", "load");
    body.put("seq", i / 4 + 1L);  // one epoch per signer (i % 4): no gaps
    return List.of(topic.getBytes(StandardCharsets.UTF_8), CanonicalJson.encode(body), signature);
  }

  /** Messages per second a verifying subscriber receives from one fedmsg/2 publisher, in process. */
  private double busReceiveRate(int count) throws Exception {
    Path ca = Signed.writeCa(tmp);
    ObjectNode cfg = JsonNodeFactory.instance.objectNode();
    cfg.put("ca_cert_location", ca.toString());
    cfg.putNull("crl_location");
    try (Bus pub = Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(WireFormat.FEDMSG2).signer(Signed.EC).build())) {
      cfg.putObject("endpoints").putArray("pub").add(pub.publisherEndpoint());
      try (Bus sub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(cfg)).build())) {
        AtomicLong received = new AtomicLong();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        assertThat(sub.subscribe("", m -> {
          long now = System.nanoTime();
          first.compareAndSet(0, now);
          last.set(now);
          received.incrementAndGet();
        }).awaitReady(Duration.ofSeconds(10))).isTrue();
        for (int i = 0; i < count; i++) {
          pub.publish("org.example.load.tick", Map.of("i", i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long seen = -1;
        // wait until nothing more arrives (a publisher's queue may drop beyond the high-water mark)
        while (System.nanoTime() < deadline && received.get() != seen) {
          seen = received.get();
          TimeUnit.MILLISECONDS.sleep(500);
        }
        return received.get() / ((last.get() - first.get()) / 1e9);
      }
    }
  }
}
