package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.hub.Hub;
import org.fedmsg.status.Heartbeat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class StatusCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private static Bus publisher(String name) {
    return Bus.create(BusOptions.builder().name(name).endpoint(name, List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build());
  }

  private int run(String yaml, String... args) throws Exception {
    Path cfg = dir.resolve("fedmsg.yaml");
    Files.writeString(cfg, yaml);
    String[] all = new String[args.length + 3];
    all[0] = "status";
    all[1] = "--config";
    all[2] = cfg.toString();
    System.arraycopy(args, 0, all, 3, args.length);
    return Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
  }

  @Test
  void call_everyConfiguredPublisherBeats_exitZero() throws Exception {
    try (Bus alpha = publisher("alpha");
        Heartbeat beat = Heartbeat.start(alpha, "alpha", Duration.ofMillis(200), () -> null)) {
      int code = run("endpoints:\n  alpha: \"" + alpha.publisherEndpoint() + "\"\nvalidate_signatures: false\n",
          "--timeout", "20");
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("alive   alpha", alpha.publisherEndpoint(), "1 alive, 0 silent")
          .contains("critical topics: none (every topic is statistical)");
    }
  }

  @Test
  void call_handshakeNudgesInHeartbeat_printedOnlyWhenAny() throws Exception {
    try (Bus alpha = publisher("alpha"); Bus beta = publisher("beta");
        Heartbeat nudged = Heartbeat.start(alpha, "alpha", Duration.ofMillis(200),
            () -> com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("handshake_nudges", 3));
        Heartbeat quiet = Heartbeat.start(beta, "beta", Duration.ofMillis(200), () -> null)) {
      int code = run("endpoints:\n  alpha: \"" + alpha.publisherEndpoint() + "\"\n  beta: \"" + beta.publisherEndpoint()
          + "\"\nvalidate_signatures: false\n", "--timeout", "20");
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).containsOnlyOnce("handshake nudges=").contains("handshake nudges=3");
    }
  }

  @Test
  void call_fedmsg1LossInHeartbeat_printedAsSeqIds() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode extra =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("lost", 2);
    extra.putArray("lost_ranges").addObject().put("signer", "pkgdb-app01").putNull("fingerprint").put("epoch", "")
        .put("from", 7).put("to", 8).put("reason", "missing");
    try (Bus alpha = publisher("alpha");
        Heartbeat beat = Heartbeat.start(alpha, "alpha", Duration.ofMillis(200), () -> extra)) {
      run("endpoints:\n  alpha: \"" + alpha.publisherEndpoint() + "\"\nvalidate_signatures: false\n", "--timeout", "20");
      assertThat(out.toString()).contains("lost=2 critical message(s), latest ranges: pkgdb-app01 seq_id 7..8 (missing);");
    }
  }

  @Test
  void call_showsWhichTopicsAreCritical() throws Exception {
    try (Bus alpha = publisher("alpha");
        Heartbeat beat = Heartbeat.start(alpha, "alpha", Duration.ofMillis(200), () -> null)) {
      String config = "endpoints:\n  alpha: \"" + alpha.publisherEndpoint() + "\"\nvalidate_signatures: false\n"
          + "critical_topics: [\"pkgdb.*\", \"org.fedoraproject.prod.koji.build.*\"]\n";
      assertThat(run(config, "--timeout", "20")).as(err.toString()).isZero();
      assertThat(out.toString()).contains("critical topics: org.fedoraproject.dev.pkgdb.*, "
          + "org.fedoraproject.prod.koji.build.*; every other topic is statistical");
    }
  }

  @Test
  void call_oneSilent_exitOneAndNamesIt() throws Exception {
    try (Bus alpha = publisher("alpha"); Bus beta = publisher("beta");
        Heartbeat beat = Heartbeat.start(alpha, "alpha", Duration.ofMillis(200), () -> null)) {
      int code = run("endpoints:\n  alpha: \"" + alpha.publisherEndpoint() + "\"\n  beta: \""
          + beta.publisherEndpoint() + "\"\nvalidate_signatures: false\n", "--timeout", "2", "--json");
      assertThat(code).isEqualTo(1);
      JsonNode report = new ObjectMapper().readTree(out.toString());
      assertThat(report.get("all_alive").booleanValue()).isFalse();
      assertThat(report.get("silent").get(0).get("name").textValue()).isEqualTo("beta");
      assertThat(report.get("silent").get(0).get("endpoints").get(0).textValue()).isEqualTo(beta.publisherEndpoint());
      assertThat(report.get("alive").get(0).get("name").textValue()).isEqualTo("alpha");
      assertThat(report.get("alive").get(0).get("heartbeat").get("endpoint").textValue())
          .isEqualTo(alpha.publisherEndpoint());
    }
  }

  @Test
  void call_hubHeartbeat_showsConsumerCounters() throws Exception {
    Path hubCfg = dir.resolve("hub.yaml");
    Files.writeString(hubCfg, "name: hub\nendpoints:\n  hub: tcp://127.0.0.1:*\nvalidate_signatures: false\n"
        + "heartbeat_interval: 200ms\nfedmsg.consumers.log.enabled: true\n");
    LogConsumer.out = new PrintWriter(new StringWriter());
    try (Hub hub = Hub.builder().config(ConfigLoader.builder().explicit(hubCfg).build().load()).start()) {
      int code = run("endpoints:\n  hub: \"" + hub.bus().publisherEndpoint() + "\"\nvalidate_signatures: false\n",
          "--timeout", "20");
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("alive   hub", "consumer LogConsumer", "dropped=0");
    }
  }

  @Test
  void call_validating_signedHeartbeatAliveWithSignerUnsignedOneSilent() throws Exception {
    Path ssldir = org.fedmsg.testing.Fixtures.copyTestCerts(dir.resolve("pki"));
    String signerName = "shell-app01.phx2.fedoraproject.org";
    try (Bus signed = Bus.create(BusOptions.builder().name("signed").endpoint("signed", List.of("tcp://127.0.0.1:*"))
            .validateSignatures(false).signer(org.fedmsg.crypto.Signer.load(ssldir, signerName)).build());
        Bus unsigned = publisher("unsigned");
        Heartbeat a = Heartbeat.start(signed, "signed", Duration.ofMillis(200), () -> null);
        Heartbeat b = Heartbeat.start(unsigned, "unsigned", Duration.ofMillis(200), () -> null)) {
      int code = run("endpoints:\n  signed: \"" + signed.publisherEndpoint() + "\"\n  unsigned: \""
          + unsigned.publisherEndpoint() + "\"\nvalidate_signatures: true\n"
          + "ca_cert_location: \"" + ssldir.resolve("ca.crt") + "\"\n"
          + "crl_location: \"" + ssldir.resolve("crl.pem") + "\"\n", "--timeout", "3");
      assertThat(code).as(err.toString()).isEqualTo(1);
      assertThat(out.toString()).containsPattern("alive +signed +" + java.util.regex.Pattern.quote(signerName))
          .containsPattern("silent +unsigned").contains("1 alive, 1 silent");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void call_relayRefusedAForgedCrl_statusShowsTheRefusal() throws Exception {
    org.fedmsg.testing.TestPki.Issued ca = org.fedmsg.testing.TestPki.rootCa("fedmsg").build();
    org.fedmsg.testing.TestPki.Issued rogue = org.fedmsg.testing.TestPki.rootCa("fedmsg").build();
    org.fedmsg.testing.TestPki.Issued relayCert = ca.issue("relay.example.org").build();
    Path crl = org.fedmsg.testing.TestPki.writePem(dir.resolve("crl.pem"), ca.crl().build());
    try (org.fedmsg.crypto.TrustStore trust = org.fedmsg.crypto.TrustStore.create(org.fedmsg.crypto.TrustOptions.builder()
            .ca(org.fedmsg.testing.TestPki.writePem(dir.resolve("ca.crt"), ca.certificate())).crl(crl)
            .backgroundRefresh(false).build());
        org.fedmsg.Relay relay = org.fedmsg.Relay.start(BusOptions.builder()
            .endpoint("relay_outbound", List.of("tcp://127.0.0.1:*")).relayInbound("tcp://127.0.0.1:*")
            .verifier(org.fedmsg.wire.MessageVerifier.builder().trust(trust).build()).build())) {
      org.fedmsg.testing.TestPki.writePem(crl, rogue.crl().build());
      Files.setLastModifiedTime(crl, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
      trust.refresh();
      try (RelayHeartbeat beat = RelayHeartbeat.start(relay, BusOptions.builder().validateSignatures(false)
          .wireFormat(org.fedmsg.WireFormat.FEDMSG2)
          .signer(org.fedmsg.crypto.Signer.of(relayCert.privateKey(), relayCert.chain())), Duration.ofMillis(200))) {
        int code = run("endpoints:\n  relay_outbound: \"" + relay.outboundEndpoint() + "\"\nvalidate_signatures: false\n",
            "--timeout", "20");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("alive   relay_outbound").contains("crl refused=1")
            .contains("not signed by that CA");
      }
    }
  }

  @Test
  void call_noEndpoints_exitTwo() throws Exception {
    int code = run("endpoints: {}\n", "--timeout", "1");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("no endpoints configured");
  }

  @Test
  void defaultWindow_twoAndAHalfIntervals() throws Exception {
    assertThat(StatusCommand.defaultWindow(org.fedmsg.config.FedmsgConfig.of(
        new ObjectMapper().readTree("{\"heartbeat_interval\": \"4s\"}")))).isEqualTo(Duration.ofSeconds(10));
    assertThat(StatusCommand.defaultWindow(org.fedmsg.config.FedmsgConfig.of(new ObjectMapper().readTree("{}"))))
        .isEqualTo(Duration.ofSeconds(25));
  }
}
