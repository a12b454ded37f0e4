package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fedmsg.Bus;
import org.fedmsg.BusException;
import org.fedmsg.BusOptions;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.status.Heartbeat;
import org.fedmsg.status.PublisherStatus;
import org.fedmsg.status.StatusCollector;
import org.fedmsg.status.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg status}: which publishers are alive, from their heartbeats. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Subscribe to every configured endpoint, listen for heartbeats (validated like any message)",
        "and print which publishers are alive and which configured services are silent.",
        "Exit 0 when every configured service sent a heartbeat, 1 otherwise, 2 on bad configuration."})
public final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ConfigOptions configOptions;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Listen this long at most (default: 2.5 x heartbeat_interval); stops early once all are heard.")
  Double timeout;

  @Option(names = "--json", description = "One JSON object: {\"alive\": [...], \"silent\": [...], \"all_alive\"}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    FedmsgConfig config;
    BusOptions options;
    Duration window;
    try {
      config = configOptions.load();
      options = BusOptions.builder().apply(config).name(null).active(false).build();
      window = timeout != null ? Duration.ofMillis((long) (timeout * 1000)) : defaultWindow(config);
    } catch (BusException | IllegalArgumentException | IllegalStateException e) {
      err.println("fedmsg status: " + e.getMessage());
      return 2;
    }
    Map<String, List<String>> configured = expectedServices(config, err);
    configured.remove("relay_inbound");
    if (configured.isEmpty()) {
      err.println("fedmsg status: no endpoints configured: nothing to check");
      return 2;
    }
    StatusReport report;
    long started = System.nanoTime();
    try (Bus bus = Bus.create(options);
        StatusCollector collector = StatusCollector.start(bus, options.topicPrefix(), options.environment())) {
      collector.awaitAll(configured, window);
      report = collector.report(configured);
    } catch (BusException e) {
      err.println("fedmsg status: " + e.getMessage());
      return 2;
    }
    Duration listened = Duration.ofNanos(System.nanoTime() - started);
    if (json) {
      ObjectNode root = toJson(report, configured, listened);
      // Which topics are on the critical bus (fedmsg/2 only, gap-filled) and which are statistical.
      options.criticalTopics().patterns().forEach(root.putArray("critical_topics")::add);
      out.println(JSON.writeValueAsString(root));
    } else {
      print(out, report, configured, listened);
      out.println("critical topics: " + (options.criticalTopics().isEmpty() ? "none (every topic is statistical)"
          : options.criticalTopics() + "; every other topic is statistical"));
    }
    out.flush();
    // 1 also for a warning (critical messages lost), so that a monitoring check sees it
    return report.allAlive() && report.warnings().isEmpty() ? 0 : 1;
  }

  /** 2.5 heartbeat intervals: at least two heartbeats from every live publisher fit in it. */
  static Duration defaultWindow(FedmsgConfig config) {
    Duration interval = Heartbeat.configuredInterval(config);
    if (interval.isZero()) {
      interval = Heartbeat.DEFAULT_INTERVAL;
    }
    return interval.multipliedBy(5).dividedBy(2);
  }

  /**
   * The services that should be heard from: what the configured discovery sources resolve now
   * (the {@code endpoints} map by default, or DNS SRV records, or directory registrations), by
   * service name.
   */
  private static Map<String, List<String>> expectedServices(FedmsgConfig config, PrintWriter err) {
    Map<String, List<String>> expected = new LinkedHashMap<>();
    try (org.fedmsg.discovery.Discovery discovery = org.fedmsg.discovery.Discovery.fromConfig(
        org.fedmsg.discovery.ResolverContext.builder().config(config.effective()).build(), null)) {
      for (org.fedmsg.discovery.Endpoint e : discovery.current().endpoints()) {
        expected.computeIfAbsent(e.service(), k -> new java.util.ArrayList<>()).add(e.url());
      }
    } catch (RuntimeException e) {
      err.println("fedmsg status: discovery failed (" + e.getMessage() + "); using the endpoints map");
      expected.putAll(config.endpointUrls());
    }
    return expected;
  }

  private static void print(PrintWriter out, StatusReport report, Map<String, List<String>> configured,
      Duration listened) {
    Instant now = report.at();
    for (PublisherStatus p : report.alive()) {
      JsonNode body = p.body();
      out.printf("alive   %-20s %-36s %-26s age %5s  published=%s received=%s rejected=%s uptime=%ss%n",
          p.name(), p.signerName().orElse("-"), p.endpoint().isEmpty() ? "-" : p.endpoint(), seconds(p.age(now)),
          body.path("published").asText("?"), body.path("received").asText("?"),
          body.path("rejected").asText("?"), body.path("uptime_s").asText("?"));
      StringBuilder reasons = new StringBuilder();
      body.path("rejected_by_reason").properties().forEach(e -> reasons.append(' ')
          .append(org.fedmsg.crypto.LogText.escape(e.getKey())).append('=').append(e.getValue().asText("?")));
      if (reasons.length() > 0) {
        out.printf("          rejected by reason:%s%n", reasons);
      }
      if (body.path("peer_disconnects").asLong(0) > 0) {
        // peers that went away, broke the protocol or sent a frame over max_message_size
        out.printf("          peer disconnects=%s%n", body.path("peer_disconnects").asText("?"));
      }
      if (body.path("handshake_nudges").asLong(0) > 0) {
        // stalled ZMTP greetings recovered by nudging the I/O threads (docs/architecture.md)
        out.printf("          handshake nudges=%s%n", body.path("handshake_nudges").asText("?"));
      }
      body.path("consumers").properties().forEach(e -> out.printf(
          "          consumer %-20s received=%s consumed=%s failed=%s dropped=%s backlog=%s%n", e.getKey(),
          e.getValue().path("received").asText("?"), e.getValue().path("consumed").asText("?"),
          e.getValue().path("failed").asText("?"), e.getValue().path("dropped").asText("?"),
          e.getValue().path("backlog").asText("?")));
      if (body.path("lost").asLong(0) > 0) {
        // critical messages missed and not fetched by replay: the operator must know which
        StringBuilder ranges = new StringBuilder();
        // an empty epoch is a fedmsg/1 publisher's loss (reference replay): its range counts seq_ids
        body.path("lost_ranges").forEach(r -> ranges.append(' ').append(org.fedmsg.crypto.LogText.escape(
            r.path("signer").asText("?"))).append(r.path("epoch").asText("?").isEmpty() ? " seq_id "
            : " epoch " + org.fedmsg.crypto.LogText.escape(r.path("epoch").asText("?")) + " seq ")
            .append(r.path("from").asText("?")).append("..")
            .append(r.path("to").asText("?")).append(" (").append(org.fedmsg.crypto.LogText.escape(
            r.path("reason").asText("?"))).append(");"));
        out.printf("WARNING   lost=%s critical message(s), latest ranges:%s%n", body.path("lost").asText("?"), ranges);
      }
      JsonNode crl = body.path("crl");
      if (crl.path("refused").asLong(0) > 0 || crl.hasNonNull("problem")) {
        // a refused CRL replacement (bad signature, rollback) or no CRL in force: the operator must look
        out.printf("          crl refused=%s last_refusal=%s problem=%s%n", crl.path("refused").asText("0"),
            crl.path("last_refusal").asText("-"), crl.path("problem").asText("-"));
      }
    }
    for (String name : report.silent()) {
      out.printf("silent  %-20s %-36s %s%n", name, "-", String.join(",", configured.get(name)));
    }
    out.printf("%d alive, %d silent%s (listened %s)%n", report.alive().size(), report.silent().size(),
        report.warnings().isEmpty() ? "" : ", WARNING: " + report.warnings().size() + " reporting lost critical messages",
        seconds(listened));
  }

  private static ObjectNode toJson(StatusReport report, Map<String, List<String>> configured, Duration listened) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode alive = root.putArray("alive");
    for (PublisherStatus p : report.alive()) {
      ObjectNode a = alive.addObject();
      a.put("name", p.name());
      a.put("signer", p.signer());
      a.put("endpoint", p.endpoint());
      a.put("topic", p.topic());
      a.put("age_s", p.age(report.at()).toMillis() / 1000.0);
      a.put("heartbeats", p.heartbeats());
      a.set("heartbeat", p.body());
    }
    ArrayNode silent = root.putArray("silent");
    for (String name : report.silent()) {
      ObjectNode s = silent.addObject();
      s.put("name", name);
      configured.get(name).forEach(s.putArray("endpoints")::add);
    }
    root.put("all_alive", report.allAlive());
    ArrayNode warnings = root.putArray("warnings");
    report.warnings().forEach(p -> warnings.add(p.name()));
    root.put("listened_s", listened.toMillis() / 1000.0);
    return root;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
