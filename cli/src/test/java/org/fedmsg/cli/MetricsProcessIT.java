package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;
import static org.fedmsg.testing.DocumentedMeters.value;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.testing.DocumentedMeters;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * relay, hub, gateway and directory as separate processes with their metrics on: one message from
 * `fedmsg logger`, then real scrapes. Each serves every meter docs/operations.md lists for it,
 * with the values of that one message.
 */
@Timeout(240)
class MetricsProcessIT {
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  private Process start(String... args) throws Exception {
    Process p = fedmsg(args).redirectErrorStream(true).start();
    processes.add(p);
    return p;
  }

  private static BufferedReader out(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String scrapeUntil(String url, String sample, String label, double expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String body = DocumentedMeters.scrape(url);
    while (value(body, sample, label) != expected && System.nanoTime() < deadline) {
      Thread.sleep(50);
      body = DocumentedMeters.scrape(url);
    }
    return body;
  }

  @Test
  void relayHubGatewayDirectory_serveEveryDocumentedMeter(@TempDir Path dir) throws Exception {
    Path relayCfg = Files.writeString(dir.resolve("relay.yaml"), "relay_inbound: \"tcp://127.0.0.1:*\"\n"
        + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\nvalidate_signatures: false\n");
    int relayMetrics = freePort();
    Process relay = start("relay", "--config", relayCfg.toString(), "--metrics-port", String.valueOf(relayMetrics));
    Matcher m = Pattern.compile("inbound (\\S+) outbound (\\S+) ")
        .matcher(readLineMatching(out(relay), Pattern.compile("^relay: inbound .*metrics http")));
    assertThat(m.find()).isTrue();
    String inbound = m.group(1);
    String outbound = m.group(2);

    Path hubCfg = Files.writeString(dir.resolve("hub.yaml"), "endpoints:\n  relay_outbound: [\"" + outbound
        + "\"]\nvalidate_signatures: false\nfedmsg.consumers.log.enabled: true\n");
    int hubMetrics = freePort();
    Process hub = start("hub", "--config", hubCfg.toString(), "--metrics-port", String.valueOf(hubMetrics));
    readLineMatching(out(hub), Pattern.compile("^hub: running \\[LogConsumer\\].*metrics http"));

    Process gateway = start("gateway", "--config", hubCfg.toString(), "--port", "0");
    Matcher g = Pattern.compile("serving http://127.0.0.1:(\\d+)/")
        .matcher(readLineMatching(out(gateway), Pattern.compile("^gateway: serving")));
    assertThat(g.find()).isTrue();
    String gatewayUrl = "http://127.0.0.1:" + g.group(1) + "/metrics";

    Path loggerCfg = Files.writeString(dir.resolve("logger.yaml"), "relay_inbound: \"" + inbound
        + "\"\nendpoints: {}\nvalidate_signatures: false\n");
    Process logger = fedmsg("logger", "--config", loggerCfg.toString(), "--message", "hello metrics").start();
    assertThat(logger.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(logger.exitValue()).as(new String(logger.getErrorStream().readAllBytes())).isZero();

    String relayUrl = "http://127.0.0.1:" + relayMetrics + "/metrics";
    String relayScrape = scrapeUntil(relayUrl, "fedmsg_relay_forwarded_total", "", 1);
    assertThat(DocumentedMeters.missing(relayScrape, "relay")).isEmpty();
    assertThat(value(relayScrape, "fedmsg_relay_forwarded_total")).isEqualTo(1);
    assertThat(value(relayScrape, "fedmsg_messages_accepted_total", "component=\"relay\"", "service=\"logger\""))
        .isEqualTo(1);
    assertThat(value(relayScrape, "fedmsg_verification_seconds_count", "component=\"relay\"")).isEqualTo(1);
    assertThat(value(relayScrape, "fedmsg_messages_rejected_total", "reason=\"UNSIGNED\"")).isZero();

    String hubUrl = "http://127.0.0.1:" + hubMetrics + "/metrics";
    String hubScrape = scrapeUntil(hubUrl, "fedmsg_hub_consumer_consumed_total", "consumer=\"LogConsumer\"", 1);
    assertThat(DocumentedMeters.missing(hubScrape, "hub")).isEmpty();
    assertThat(value(hubScrape, "fedmsg_hub_consumer_consumed_total", "consumer=\"LogConsumer\"")).isEqualTo(1);
    assertThat(value(hubScrape, "fedmsg_hub_consumer_dropped_total", "consumer=\"LogConsumer\"")).isZero();
    assertThat(value(hubScrape, "fedmsg_hub_consumer_queue_capacity", "consumer=\"LogConsumer\"")).isEqualTo(10_000);
    assertThat(value(hubScrape, "fedmsg_messages_accepted_total", "component=\"hub\"", "service=\"logger\""))
        .isEqualTo(1);

    String gatewayScrape = scrapeUntil(gatewayUrl, "fedmsg_messages_delivered_total", "component=\"gateway\"", 1);
    assertThat(DocumentedMeters.missing(gatewayScrape, "gateway")).isEmpty();
    assertThat(value(gatewayScrape, "fedmsg_messages_accepted_total", "service=\"logger\"")).isEqualTo(1);

    TestPki.Issued ca = TestPki.rootCa("metrics directory CA").build();
    TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Files.writeString(dir.resolve("policy.yaml"), "default: deny\nrules:\n"
        + "  - topics: [\"bodhi.*\"]\n    signers: [\"bodhi-app0?.example.test\"]\n    effect: allow\n");
    int directoryMetrics = freePort();
    Process directory = start("directory", "serve", "--bind", "tcp://127.0.0.1:*", "--ca",
        dir.resolve("ca.crt").toString(), "--no-crl", "--policy", dir.resolve("policy.yaml").toString(),
        "--metrics-port", String.valueOf(directoryMetrics));
    readLineMatching(out(directory), Pattern.compile("listening on .*metrics http"));
    String directoryScrape = DocumentedMeters.scrape("http://127.0.0.1:" + directoryMetrics + "/metrics");
    assertThat(DocumentedMeters.missing(directoryScrape, "directory")).isEmpty();
    assertThat(value(directoryScrape, "fedmsg_directory_registrations")).isZero();
    assertThat(value(directoryScrape, "fedmsg_curve_refusals_total", "component=\"directory\"")).isZero();
  }
}
