package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.Relay;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.crypto.Signer;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.store.ArchivedMessage;
import org.fedmsg.store.MessageStore;
import org.fedmsg.store.StoreHttpApi;
import org.fedmsg.store.StoreOptions;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.Fedmsg1;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** fedmsg store import, fedmsg replay (store and API sources, --print and --republish), fedmsg verify of API output. */
@Timeout(120)
class StoreCommandsTest {
  @TempDir Path dir;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();
  String url;
  Path config;

  static final TestPki.Issued CA = TestPki.rootCa("replay CA")
      .validity(Instant.now().minus(10, ChronoUnit.DAYS), Instant.now().plus(365, ChronoUnit.DAYS)).build();
  /** Valid from 3 days ago until yesterday: expired now. */
  static final TestPki.Issued EXPIRED = CA.issue("old.example.org").keyType(TestPki.KeyType.RSA_2048)
      .validity(Instant.now().minus(3, ChronoUnit.DAYS), Instant.now().minus(1, ChronoUnit.DAYS)).build();
  static final TestPki.Issued CURRENT = CA.issue("new.example.org").keyType(TestPki.KeyType.RSA_2048).build();

  @BeforeEach
  void setUp() throws Exception {
    url = "jdbc:sqlite:" + dir.resolve("store.db");
    config = Files.writeString(dir.resolve("fedmsg.yaml"), "endpoints: {}\nstore.url: \"" + url + "\"\n");
  }

  int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
  }

  List<JsonNode> lines() {
    return out.toString().lines().map(CanonicalJson::parse).toList();
  }

  @Test
  void import_productionMessagesAsOf2023_all25VerifyAndAreStoredOnce() throws Exception {
    Path certs = Fixtures.copyTestCerts(dir.resolve("certs"));
    Path dump = Files.writeString(dir.resolve("dump.json"), Fixtures.productionMessagesJson());
    String fedora = certs.resolve("fedora_ca.crt").toString();
    int code = run("store", "import", "--config", config.toString(), "--ca", fedora,
        "--at", "2023-06-01T00:00:00Z", dump.toString());
    assertThat(code).as(err.toString() + out).isZero();
    assertThat(lines()).hasSize(25).allSatisfy(l -> assertThat(l.get("valid").booleanValue()).as(l.toString()).isTrue());
    assertThat(err.toString()).contains("25 imported (25 verify, 0 do not), 0 already archived, 0 not imported");
    // as of the signing time (2017) the re-issued Fedora CA did not exist yet: imported, reported as not verifying
    code = run("store", "import", "--config", config.toString(), "--ca", fedora, dump.toString());
    assertThat(code).isZero();
    assertThat(lines()).hasSize(25).allSatisfy(l -> assertThat(l.get("valid").booleanValue()).isFalse());
    assertThat(err.toString()).contains("25 imported (0 verify, 25 do not), 25 already archived");

    // the API serves them with their frames, and `fedmsg verify` accepts its output as it is
    try (MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(url).maxQuerySpan(Duration.ofDays(400))
        .build(), new SimpleMeterRegistry()); StoreHttpApi api = StoreHttpApi.start(store, "127.0.0.1", 0)) {
      HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + api.port() + "/raw?start=1483228800&end=1514764800&rows_per_page=100"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      Path pageFile = Files.writeString(dir.resolve("page.json"), page.body());
      code = run("verify", "--ca", fedora, "--at", "2023-06-01T00:00:00Z", pageFile.toString());
      assertThat(code).as(out.toString()).isZero();
      assertThat(lines()).hasSize(25).allSatisfy(l -> assertThat(l.get("valid").booleanValue()).isTrue());
      // a changed byte in a body frame is caught
      JsonNode tree = CanonicalJson.parse(page.body());
      ObjectNode first = (ObjectNode) tree.get("raw_messages").get(0);
      byte[] body = java.util.Base64.getDecoder().decode(first.get("frames").get(1).textValue());
      String tampered = new String(body, StandardCharsets.UTF_8).replace("\"i\":", "\"i\": ");
      tampered = tampered.replaceFirst("\"msg_id\":\"2017", "\"msg_id\":\"2018");
      ((com.fasterxml.jackson.databind.node.ArrayNode) first.get("frames")).set(1,
          JsonNodeFactory.instance.textNode(java.util.Base64.getEncoder().encodeToString(
              tampered.getBytes(StandardCharsets.UTF_8))));
      Files.writeString(pageFile, tree.toString());
      code = run("verify", "--ca", fedora, "--at", "2023-06-01T00:00:00Z", pageFile.toString());
      assertThat(code).isEqualTo(1);
      assertThat(lines().get(0).get("reason").textValue()).isEqualTo("BAD_SIGNATURE");
    }
  }

  @Test
  void replay_expiredSigner_verifiesAsOfSigningTime_fromStoreAndFromApi() throws Exception {
    Path ca = TestPki.writePem(dir.resolve("ca.crt"), CA.certificate());
    Instant signed = Instant.now().minus(36, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    List<byte[]> a = fedmsg1(Signer.of(EXPIRED.privateKey(), EXPIRED.chain()), "org.fedoraproject.prod.old.a", signed);
    List<byte[]> b = fedmsg1(Signer.of(EXPIRED.privateKey(), EXPIRED.chain()), "org.fedoraproject.prod.old.b",
        signed.plusSeconds(1));
    try (MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(url).build(), new SimpleMeterRegistry())) {
      store.archive(ArchivedMessage.fromFrames(a, "old.example.org", Instant.now()));
      store.archive(ArchivedMessage.fromFrames(b, "old.example.org", Instant.now()));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      String since = String.valueOf(signed.getEpochSecond() - 5);
      int code = run("replay", "--config", config.toString(), "--ca", ca.toString(), "--since", since, "--print");
      assertThat(code).as(err.toString() + out).isZero();
      List<JsonNode> lines = lines();
      assertThat(lines).extracting(l -> l.get("topic").textValue())
          .containsExactly("org.fedoraproject.prod.old.a", "org.fedoraproject.prod.old.b");
      assertThat(lines).allSatisfy(l -> assertThat(l.get("signer").textValue()).isEqualTo("old.example.org"));
      assertThat(java.util.Base64.getDecoder().decode(lines.get(0).get("frames").get(1).textValue())).isEqualTo(a.get(1));
      // the same messages judged now: the certificate has expired
      Path printed = Files.writeString(dir.resolve("printed.jsonl"), out.toString());
      assertThat(run("verify", "--ca", ca.toString(), printed.toString())).isEqualTo(1);
      assertThat(lines()).allSatisfy(l -> assertThat(l.get("reason").textValue()).isEqualTo("CERT_EXPIRED"));

      try (StoreHttpApi api = StoreHttpApi.start(store, "127.0.0.1", 0)) {
        String base = "http://127.0.0.1:" + api.port();
        code = run("replay", "--config", config.toString(), "--ca", ca.toString(), "--api", base,
            "--since", since, "--topic", "org.fedoraproject.prod.old.b", "--print");
        assertThat(code).as(err.toString() + out).isZero();
        assertThat(lines()).extracting(l -> l.get("topic").textValue()).containsExactly("org.fedoraproject.prod.old.b");
        String msgId = CanonicalJson.parse(a.get(1)).get("msg_id").textValue();
        code = run("replay", "--config", config.toString(), "--ca", ca.toString(), "--api", base,
            "--since", since, "--msg-id", msgId, "--print");
        assertThat(code).isZero();
        assertThat(lines()).extracting(l -> l.get("msg_id").textValue()).containsExactly(msgId);
        code = run("replay", "--config", config.toString(), "--ca", ca.toString(), "--since", since,
            "--msg-id", msgId, "--print");
        assertThat(lines()).extracting(l -> l.get("msg_id").textValue()).containsExactly(msgId);
      }
    }
  }

  @Test
  void replay_republish_sendsTheOriginalFramesThroughARelay() throws Exception {
    Path ca = TestPki.writePem(dir.resolve("ca.crt"), CA.certificate());
    List<byte[]> a = fedmsg1(Signer.of(CURRENT.privateKey(), CURRENT.chain()), "org.fedoraproject.prod.new.a",
        Instant.now().truncatedTo(ChronoUnit.SECONDS));
    try (MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(url).build(), new SimpleMeterRegistry())) {
      store.archive(ArchivedMessage.fromFrames(a, "new.example.org", Instant.now()));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
    }
    Path relayCfg = Files.writeString(dir.resolve("relay.yaml"), "relay_inbound: \"tcp://127.0.0.1:*\"\n"
        + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\nvalidate_signatures: false\n");
    try (Relay relay = Relay.start(BusOptions.builder().apply(ConfigLoader.builder().explicit(relayCfg).build().load())
        .name(null).build());
        Bus sub = Bus.create(BusOptions.builder().validateSignatures(false)
            .endpoint("relay_outbound", List.of(relay.outboundEndpoint())).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("org.fedoraproject.prod.new", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      int code = run("replay", "--config", config.toString(), "--ca", ca.toString(), "--since",
          String.valueOf(Instant.now().getEpochSecond() - 60), "--republish", "--to", relay.inboundEndpoint());
      assertThat(code).as(err.toString() + out).isZero();
      assertThat(err.toString()).contains("1 message(s) verified and sent");
      Message m = got.poll(30, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.frames().get(0)).isEqualTo(a.get(0));
      assertThat(m.frames().get(1)).isEqualTo(a.get(1));
    }
  }

  @Test
  void replay_badArguments_usageErrors() {
    assertThat(run("replay", "--config", config.toString(), "--since", "yesterday", "--print")).isEqualTo(2);
    assertThat(err.toString()).contains("--since must be an ISO-8601 instant");
    assertThat(run("replay", "--config", config.toString(), "--since", "100", "--until", "50", "--print"))
        .isEqualTo(2);
    assertThat(run("replay", "--config", config.toString(), "--since", "100")).isEqualTo(2);
  }

  static List<byte[]> fedmsg1(Signer signer, String topic, Instant at) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("topic", topic);
    body.putObject("msg").put("hello", "world");
    body.put("timestamp", at.getEpochSecond());
    body.put("msg_id", "2026-" + UUID.randomUUID());
    body.put("i", 1);
    body.put("username", "apache");
    return List.of(topic.getBytes(StandardCharsets.UTF_8), Fedmsg1.signToWire(body, signer));
  }
}
