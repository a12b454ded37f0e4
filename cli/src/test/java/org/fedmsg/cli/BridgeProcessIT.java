package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.certs.CertificateAuthority;
import org.fedmsg.certs.IssuedCertificate;
import org.fedmsg.certs.KeyType;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.testing.ExternalTools;
import org.fedmsg.testing.RabbitMq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code fedmsg bridge} processes, one each way, on one bus and one real RabbitMQ, checked by an
 * independent AMQP client (Debian's python3-pika) and a {@code fedmsg tail} process: bus messages reach
 * AMQP in fedora-messaging's format, pika's messages reach the bus signed by the bridge, a refused
 * message lands in the dead-letter queue with its reason, and nothing crosses twice or loops. Every
 * certificate (the broker's TLS one, the bridge's EXTERNAL login and signing key) comes from fedmsg-certs.
 */
@Timeout(300)
class BridgeProcessIT {
  static final int N = 20;

  @Test
  void twoBridges_eachWay_everyMessageCrossesOnce_noneLoops(@TempDir Path tmp) throws Exception {
    Path python = ExternalTools.python3WithPika();
    RabbitMq.server();
    Path dir = Files.createDirectories(Path.of("target", "bridge-it-" + ProcessHandle.current().pid()))
        .toAbsolutePath();
    // every certificate from fedmsg-certs, as a deployment would have them: the broker's (with its
    // address), the bridge's (EXTERNAL login and bus signing), pkgdb's; and the CA's CRL
    CertificateAuthority ca = CertificateAuthority.init(dir.resolve("pki"), "fedmsg test CA", KeyType.EC_P256,
        Duration.ofDays(30), null, false);
    IssuedCertificate server = ca.issue("rabbitmq", "localhost", KeyType.EC_P256, Duration.ofDays(10),
        List.of("IP:127.0.0.1"), false);
    String bridgeCn = ca.issue("bridge", "app01.example.org", KeyType.EC_P256, Duration.ofDays(10), List.of(), false)
        .certname();
    String pkgdbCn = ca.issue("pkgdb", "app01.example.org", KeyType.EC_P256, Duration.ofDays(10), List.of(), false)
        .certname();
    ca.writeCrl(Duration.ofDays(7));
    Path caFile = ca.certificateFile();
    Path ssldir = ca.dir();
    Path script = Path.of("src/test/resources/pika_bridge_check.py").toAbsolutePath();
    List<Process> processes = new ArrayList<>();
    try (ca; RabbitMq rabbit = RabbitMq.start(dir.resolve("broker"), caFile, server.certificateFile(),
        server.keyFile(), List.of(bridgeCn))) {
      String common = "topic_prefix: org.fedoraproject\nenvironment: dev\n"
          + "ssldir: \"" + ssldir + "\"\nca_cert_location: \"" + caFile + "\"\ncrl_location: \"" + ca.crlFile() + "\"\n"
          + "certnames: {bridge: \"" + bridgeCn + "\", pkgdb: \"" + pkgdbCn + "\"}\n"
          + "sign_messages: true\nvalidate_signatures: true\nwire_format: fedmsg2\n"
          + "policy:\n  default: deny\n  rules:\n"
          + "    - {topics: [\"pkgdb.*\"], signers: [\"" + pkgdbCn + "\"], effect: allow}\n"
          + "    - {topics: [\"bodhi.*\"], signers: [\"" + bridgeCn + "\"], effect: allow}\n"
          + "amqp:\n  url: \"amqps://127.0.0.1:" + rabbit.amqpsPort() + "/%2F\"\n"
          + "  ca_cert: \"" + caFile + "\"\n  cert: \"" + ssldir.resolve(bridgeCn + ".crt") + "\"\n"
          + "  key: \"" + ssldir.resolve(bridgeCn + ".key") + "\"\n"
          + "  bindings: [\"org.fedoraproject.dev.#\"]\n  queue: fedmsg-bridge\n";

      // AMQP -> bus, publishing as "bridge"
      Path fromCfg = tmp.resolve("from.yaml");
      Files.writeString(fromCfg, common + "endpoints: {bridge: \"tcp://127.0.0.1:*\"}\n");
      int fromMetrics = freePort();
      Process from = start(processes, fedmsg("bridge", "--from-amqp", "--name", "bridge", "--config",
          fromCfg.toString(), "--metrics-port", String.valueOf(fromMetrics)).redirectErrorStream(true));
      BufferedReader fromOut = reader(from);
      Matcher fm = Pattern.compile("-> bus (\\S+)").matcher(readLineMatching(fromOut, Pattern.compile("^bridge: ")));
      assertThat(fm.find()).isTrue();
      String bridgeEndpoint = fm.group(1);

      // the bus's own publisher
      ObjectNodeConfig pkgdbCfg = new ObjectNodeConfig(common + "name: pkgdb\n");
      try (Bus pkgdb = Bus.create(BusOptions.builder().apply(pkgdbCfg.config())
          .endpoint("pkgdb", List.of("tcp://127.0.0.1:*")).build())) {
        // bus -> AMQP, listening to pkgdb and to the other bridge's messages (which it must not send back)
        Path toCfg = tmp.resolve("to.yaml");
        Files.writeString(toCfg, common + "endpoints: {pkgdb: \"" + pkgdb.publisherEndpoint() + "\", bridge: \""
            + bridgeEndpoint + "\"}\n");
        int toMetrics = freePort();
        Process to = start(processes, fedmsg("bridge", "--to-amqp", "--name", "bridge-out", "--config",
            toCfg.toString(), "--metrics-port", String.valueOf(toMetrics)).redirectErrorStream(true));
        readLineMatching(reader(to), Pattern.compile("^bridge: bus -> amqps://"));

        // fedmsg tail on what the AMQP->bus bridge publishes
        Path tailCfg = tmp.resolve("tail.yaml");
        Files.writeString(tailCfg, common + "endpoints: {bridge: \"" + bridgeEndpoint + "\"}\n");
        Process tail = start(processes, fedmsg("tail", "--json", "--config", tailCfg.toString(), "--count",
            String.valueOf(N)));
        BufferedReader tailErr = new BufferedReader(new InputStreamReader(tail.getErrorStream(), StandardCharsets.UTF_8));
        readLineMatching(tailErr, Pattern.compile("^fedmsg tail: listening"));

        // the independent consumer: every pkgdb message (through the bridge) and every bodhi one (pika's own)
        Process pika = start(processes, new ProcessBuilder(python.toString(), script.toString(), "consume",
            String.valueOf(rabbit.amqpPort()), "pika-check", String.valueOf(2 * N), "60",
            "org.fedoraproject.dev.pkgdb.#", "org.fedoraproject.dev.bodhi.#"));
        BufferedReader pikaOut = reader(pika);
        readLineMatching(pikaOut, Pattern.compile("^ready$"));

        Set<String> pkgdbIds = new HashSet<>();
        for (int i = 0; i < N; i++) {
          pkgdbIds.add(pkgdb.publish("pkgdb", "package.update", Map.of("n", i, "agent", "ralph")).msgId().orElseThrow());
        }
        Process publisher = new ProcessBuilder(python.toString(), script.toString(), "publish",
            String.valueOf(rabbit.amqpPort()), "org.fedoraproject.dev.bodhi.update.comment", String.valueOf(N)).start();
        List<String> pikaIds = new String(publisher.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
            .toList();
        assertThat(publisher.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(pikaIds).hasSize(N);

        // pika sees each pkgdb message once, in fedora-messaging's format, and its own messages once
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> seen = new ArrayList<>();
        for (int i = 0; i < 2 * N; i++) {
          String line = pikaOut.readLine();
          assertThat(line).isNotNull().isNotEqualTo("timeout");
          seen.add(json.readTree(line));
        }
        List<JsonNode> fromBus = seen.stream().filter(n -> "bus".equals(n.path("origin").asText(null))).toList();
        assertThat(fromBus).hasSize(N).allSatisfy(n -> {
          assertThat(n.get("problems")).as(n.toString()).isEmpty();
          assertThat(n.get("routing_key").asText()).isEqualTo("org.fedoraproject.dev.pkgdb.package.update");
          assertThat(n.get("signer").asText()).isEqualTo(pkgdbCn);
          assertThat(n.get("users").toString()).isEqualTo("[\"ralph\"]");
        });
        assertThat(fromBus.stream().map(n -> n.get("message_id").asText())).containsExactlyInAnyOrderElementsOf(pkgdbIds);
        List<JsonNode> original = seen.stream().filter(n -> n.get("origin").isNull()).toList();
        assertThat(original.stream().map(n -> n.get("message_id").asText())).containsExactlyInAnyOrderElementsOf(pikaIds);

        // fedmsg tail sees pika's messages on the bus, signed by the bridge, with their AMQP ids
        assertThat(tail.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<JsonNode> tailed = new ArrayList<>();
        for (String line : new String(tail.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
          tailed.add(json.readTree(line));
        }
        assertThat(tail.exitValue()).isZero();
        assertThat(tailed).hasSize(N).allSatisfy(n -> {
          assertThat(n.get("signer").asText()).isEqualTo(bridgeCn);
          assertThat(n.at("/body/topic").asText()).isEqualTo("org.fedoraproject.dev.bodhi.update.comment");
          assertThat(n.at("/body/msg/from").asText()).isEqualTo("pika");
          assertThat(n.at("/body/headers/fedmsg_bridge_origin").asText()).isEqualTo("amqp");
        });
        Set<String> year = new HashSet<>();
        pikaIds.forEach(id -> year.add(java.time.Year.now().getValue() + "-" + id));
        assertThat(tailed.stream().map(n -> n.at("/body/msg_id").asText())).containsExactlyInAnyOrderElementsOf(year);

        // none loops: each bridge saw every message of the other side's origin and skipped it
        awaitMetric(toMetrics, "fedmsg_bridge_loops_skipped_total\\{direction=\"to_amqp\",?\\} " + N + "\\.0");
        awaitMetric(fromMetrics, "fedmsg_bridge_loops_skipped_total\\{direction=\"from_amqp\",?\\} " + N + "\\.0");
        awaitMetric(toMetrics, "fedmsg_bridge_forwarded_total\\{direction=\"to_amqp\",?\\} " + N + "\\.0");
        awaitMetric(fromMetrics, "fedmsg_bridge_forwarded_total\\{direction=\"from_amqp\",?\\} " + N + "\\.0");

        // a message the policy refuses lands in the dead-letter queue with its reason
        Process refused = new ProcessBuilder(python.toString(), script.toString(), "publish",
            String.valueOf(rabbit.amqpPort()), "org.fedoraproject.dev.pkgdb.package.retire", "1").start();
        String refusedId = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Process dlq = new ProcessBuilder(python.toString(), script.toString(), "deadletter",
            String.valueOf(rabbit.amqpPort()), "fedmsg-bridge.dlq", "60").start();
        String dead = new String(dlq.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(dlq.waitFor(60, TimeUnit.SECONDS)).isTrue();
        JsonNode d = json.readTree(dead);
        assertThat(d.get("reason").asText()).isEqualTo("policy");
        assertThat(d.get("message_id").asText()).isEqualTo(refusedId);
        assertThat(d.get("routing_key").asText()).isEqualTo("org.fedoraproject.dev.pkgdb.package.retire");
        assertThat(d.get("detail").asText()).contains(bridgeCn);
        awaitMetric(fromMetrics, "fedmsg_bridge_dead_lettered_total\\{direction=\"from_amqp\",reason=\"policy\",?\\} 1\\.0");
      }
    } finally {
      for (Process p : processes) {
        p.toHandle().destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  /** A config tree from YAML text. */
  record ObjectNodeConfig(String yaml) {
    FedmsgConfig config() throws Exception {
      return FedmsgConfig.of(new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml));
    }
  }

  private static Process start(List<Process> processes, ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private static BufferedReader reader(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitMetric(int port, String regex) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    Pattern p = Pattern.compile("(?m)^" + regex + "$");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      if (p.matcher(last).find()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no metric line matching " + regex + " in:\n"
        + last.lines().filter(l -> l.startsWith("fedmsg_bridge")).reduce("", (a, b) -> a + b + "\n"));
  }
}
