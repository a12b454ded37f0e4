package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Certnames;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.testing.PostgresServer;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, as separate processes: signing publishers ({@code fedmsg logger}, fedmsg/1 and
 * fedmsg/2) → {@code fedmsg relay} → {@code fedmsg store} → its HTTP API, queried by a real HTTP
 * client for every documented parameter; every returned message verifies from its frames. A
 * second run stops PostgreSQL under the store and checks that every message is stored or reported.
 */
@Timeout(300)
class StoreProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<Process> processes = new ArrayList<>();
  @TempDir Path dir;
  Path ssl;
  Path ca;
  String inbound;
  String outbound;

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private Process start(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private void pki() {
    TestPki.Issued root = TestPki.rootCa("store e2e root").build();
    ssl = root.issue("svc-publisher").keyType(TestPki.KeyType.RSA_2048).build().writeTo(dir.resolve("ssl"));
    ca = TestPki.writePem(dir.resolve("ca.crt"), root.certificate());
  }

  private void relay() throws Exception {
    Path cfg = Files.writeString(dir.resolve("relay.yaml"), "relay_inbound: \"tcp://127.0.0.1:*\"\nendpoints:\n"
        + "  relay_outbound: [\"tcp://127.0.0.1:*\"]\nvalidate_signatures: false\n");
    Process relay = start(fedmsg("relay", "--config", cfg.toString()).redirectErrorStream(true));
    BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("inbound (\\S+) outbound (\\S+)").matcher(readLineMatching(out, Pattern.compile("^relay: inbound")));
    assertThat(m.find()).isTrue();
    inbound = m.group(1);
    outbound = m.group(2);
  }

  /** Starts fedmsg store on this database; returns the API's base URL. */
  private String store(String url, String extra) throws Exception {
    Path cfg = Files.writeString(dir.resolve("store.yaml"), "endpoints:\n  relay_outbound: [\"" + outbound + "\"]\n"
        + "validate_signatures: true\nca_cert_location: \"" + ca + "\"\ncrl_location: null\n"
        + "store.url: \"" + url + "\"\nstore.max_query_span: 2d\n" + extra);
    Process store = start(fedmsg("store", "--config", cfg.toString(), "--http", "127.0.0.1:0")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE));
    BufferedReader out = new BufferedReader(new InputStreamReader(store.getInputStream(), StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("API on (http://\\S+);").matcher(readLineMatching(out, Pattern.compile("^store: archiving")));
    assertThat(m.find()).isTrue();
    // keep draining its output (logs) so the process never blocks on a full pipe
    Path log = dir.resolve("store.log");
    Thread drain = new Thread(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          Files.writeString(log, l + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
      } catch (java.io.IOException e) {
        // the process ended; the log is for diagnosis only
      }
    });
    drain.setDaemon(true);
    drain.start();
    return m.group(1);
  }

  /** A logger reading JSON lines from its standard input, kept open for phases. */
  private Process logger(String modname, String topic, String format) throws Exception {
    Path cfg = Files.writeString(dir.resolve("logger-" + modname + ".yaml"), "relay_inbound: \"" + inbound + "\"\n"
        + "endpoints: {}\nvalidate_signatures: false\nsign_messages: true\nssldir: \"" + ssl + "\"\n"
        + "certnames:\n  \"ops." + Certnames.shortHostname() + "\": svc-publisher\nwire_format: " + format + "\n");
    return start(fedmsg("logger", "--config", cfg.toString(), "--cert-prefix", "ops", "--modname", modname,
        "--topic", topic, "--json-lines").redirectErrorStream(true));
  }

  private static void send(Process logger, String... jsonLines) throws Exception {
    OutputStream in = logger.getOutputStream();
    for (String l : jsonLines) {
      in.write((l + "\n").getBytes(StandardCharsets.UTF_8));
    }
    in.flush();
  }

  private JsonNode get(String base, String pathAndQuery, int status) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(pathAndQuery + ": " + r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  /** Polls /healthz until the condition holds (the store's own report of what it has stored). */
  private JsonNode awaitHealth(String base, Predicate<JsonNode> condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      last = JSON.readTree(r.body());
      if (condition.test(last)) {
        return last;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError("store never reported " + what + "; last /healthz: " + last);
  }

  private List<String> topics(String base, String query) throws Exception {
    long now = Instant.now().getEpochSecond();
    JsonNode page = get(base, "/raw?start=" + (now - 3600) + "&end=" + (now + 60) + "&order=asc&rows_per_page=100"
        + query, 200);
    List<String> out = new ArrayList<>();
    page.get("raw_messages").forEach(m -> out.add(m.get("msg").toString()));
    return out;
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void publishersRelayStoreApi_everyParameterAnswers_everyMessageVerifies() throws Exception {
    pki();
    relay();
    String api = store("jdbc:sqlite:" + dir.resolve("store.db"), "");
    Process koji = logger("buildsys", "build.tag", "fedmsg1");
    Process copr = logger("copr", "build.end", "fedmsg2");
    send(koji, "{\"owner\":\"alice\",\"name\":\"kernel\"}", "{\"owner\":\"bob\",\"name\":\"glibc\",\"note\":\"needle\"}");
    send(copr, "{\"user\":\"carol\",\"pkg\":\"kernel\"}");
    koji.getOutputStream().close();
    copr.getOutputStream().close();
    assertThat(koji.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(copr.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(koji.exitValue()).as(new String(koji.getInputStream().readAllBytes())).isZero();
    assertThat(copr.exitValue()).as(new String(copr.getInputStream().readAllBytes())).isZero();
    awaitHealth(api, h -> h.get("stored").asInt() == 3, "3 stored");

    String tag = "org.fedoraproject.dev.buildsys.build.tag";
    String end = "org.fedoraproject.dev.copr.build.end";
    String alice = "{\"owner\":\"alice\",\"name\":\"kernel\"}";
    String bob = "{\"owner\":\"bob\",\"name\":\"glibc\",\"note\":\"needle\"}";
    String carol = "{\"user\":\"carol\",\"pkg\":\"kernel\"}";
    // bodies travel as canonical JSON: keys sorted
    alice = "{\"name\":\"kernel\",\"owner\":\"alice\"}";
    bob = "{\"name\":\"glibc\",\"note\":\"needle\",\"owner\":\"bob\"}";
    carol = "{\"pkg\":\"kernel\",\"user\":\"carol\"}";
    assertThat(topics(api, "")).containsExactlyInAnyOrder(alice, bob, carol);
    assertThat(topics(api, "&topic=" + q(end))).containsExactly(carol);
    assertThat(topics(api, "&topic=" + q(end) + "&topic=" + q(tag))).hasSize(3);
    assertThat(topics(api, "&category=buildsys")).containsExactlyInAnyOrder(alice, bob);
    assertThat(topics(api, "&user=carol&user=bob")).containsExactlyInAnyOrder(bob, carol);
    assertThat(topics(api, "&package=kernel")).containsExactlyInAnyOrder(alice, carol);
    assertThat(topics(api, "&contains=needle")).containsExactly(bob);
    assertThat(topics(api, "&not_topic=" + q(tag))).containsExactly(carol);
    assertThat(topics(api, "&not_category=copr")).containsExactlyInAnyOrder(alice, bob);
    assertThat(topics(api, "&not_user=alice")).containsExactlyInAnyOrder(bob, carol);
    assertThat(topics(api, "&not_package=kernel")).containsExactly(bob);
    JsonNode page = get(api, "/raw?delta=3600&rows_per_page=2&page=2&order=desc&meta=usernames", 200);
    assertThat(page.get("count").asInt()).isEqualTo(1);
    assertThat(page.get("pages").asInt()).isEqualTo(2);
    assertThat(page.get("total").asInt()).isEqualTo(3);
    assertThat(page.get("raw_messages").get(0).get("meta").get("usernames")).isNotNull();
    assertThat(get(api, "/raw?rows_per_page=1000", 400).get("error").asText()).contains("rows_per_page");
    assertThat(get(api, "/raw?delta=9999999", 400).get("error").asText()).contains("store.max_query_span");
    String id = page.get("raw_messages").get(0).get("msg_id").asText();
    assertThat(get(api, "/id?id=" + q(id), 200).get("msg_id").asText()).isEqualTo(id);
    assertThat(get(api, "/topics", 200)).hasSize(2);

    // every message verifies from the frames the API returned
    JsonNode all = get(api, "/raw?delta=3600&rows_per_page=100", 200);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(ca).backgroundRefresh(false).build());
        MessageVerifier verifier = MessageVerifier.builder().trust(trust).asOf(Instant.now()).build()) {
      Set<Integer> frameCounts = new HashSet<>();
      for (JsonNode m : all.get("raw_messages")) {
        List<byte[]> frames = new ArrayList<>();
        m.get("frames").forEach(f -> frames.add(Base64.getDecoder().decode(f.asText())));
        frameCounts.add(frames.size());
        VerificationResult r = verifier.verify(frames);
        assertThat(r.isValid()).as(m.get("topic") + " " + r).isTrue();
      }
      assertThat(frameCounts).containsExactlyInAnyOrder(2, 3);
    }
    // and `fedmsg verify` accepts the API's output as it is
    Path saved = Files.writeString(dir.resolve("page.json"), all.toString());
    Process verify = start(fedmsg("verify", "--ca", ca.toString(), saved.toString()));
    String verdicts = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(verify.exitValue()).as(verdicts).isZero();
    assertThat(verdicts.lines()).hasSize(3);
  }

  @Test
  void postgresStoppedMidway_everyMessageStoredOrReported() throws Exception {
    pki();
    relay();
    try (PostgresServer pg = PostgresServer.start(Path.of("target", "pg-e2e-" + ProcessHandle.current().pid())
        .toAbsolutePath())) {
      String url = pg.createDatabase("e2e");
      // a small buffer, so the outage overflows it: what is dropped must be reported
      String api = store(url, "store.queue_size: 20\n");
      Process copr = logger("copr", "build.end", "fedmsg2");
      int sent = 0;
      // in steps of 10, under the buffer's 20: on a loaded machine a burst of 30 could overflow
      // the buffer before the outage begins
      JsonNode before = null;
      for (int i = 0; i < 30; i++, sent++) {
        send(copr, "{\"user\":\"u" + i + "\",\"phase\":\"before\"}");
        if (i % 10 == 9) {
          int stored = i + 1;
          before = awaitHealth(api, h -> h.get("stored").asInt() == stored, stored + " stored before the outage");
        }
      }
      assertThat(before.get("dropped").asInt()).as("nothing dropped before the outage").isZero();

      pg.stop();
      for (int i = 0; i < 60; i++, sent++) {
        send(copr, "{\"user\":\"v" + i + "\",\"phase\":\"during\"}");
      }
      // the bus side keeps receiving: the buffer fills, then drops are counted
      JsonNode during = awaitHealth(api, h -> h.get("dropped").asInt() + h.get("queued").asInt() == 60,
          "the outage buffered or dropped");
      assertThat(during.get("status").asText()).isEqualTo("unavailable");
      assertThat(during.get("stored").asInt()).isEqualTo(30);
      // the buffer (20) and the batch the writer holds for its retries take some; the rest is dropped
      assertThat(during.get("dropped").asInt()).as("the outage overflowed the buffer").isBetween(30, 40);

      pg.startAgain();
      int held = during.get("queued").asInt();
      awaitHealth(api, h -> h.get("queued").asInt() == 0 && h.get("stored").asInt() == 30 + held, "the buffer written");
      for (int i = 0; i < 30; i++, sent++) {
        send(copr, "{\"user\":\"w" + i + "\",\"phase\":\"after\"}");
      }
      copr.getOutputStream().close();
      assertThat(copr.waitFor(60, TimeUnit.SECONDS)).isTrue();
      int total = sent;
      JsonNode end = awaitHealth(api, h -> h.get("queued").asInt() == 0
          && h.get("stored").asInt() + h.get("dropped").asInt() == total, "every message stored or dropped");
      int dropped = end.get("dropped").asInt();
      int stored = end.get("stored").asInt();
      assertThat(dropped).isEqualTo(during.get("dropped").asInt());
      // the drops show as a seq gap of the publisher's epoch too: reported twice, never silent
      assertThat(end.get("missed").asInt()).as(Files.readString(dir.resolve("store.log"))).isEqualTo(dropped);
      JsonNode all = get(api, "/raw?delta=3600&rows_per_page=100&order=asc", 200);
      assertThat(all.get("total").asInt()).isEqualTo(stored);
      assertThat(stored + dropped).isEqualTo(total);
    }
  }
}
