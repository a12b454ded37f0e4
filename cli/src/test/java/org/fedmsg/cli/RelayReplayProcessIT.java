package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.fedmsg.Certnames;
import org.fedmsg.CurveOptions;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.reliable.ReplayBatch;
import org.fedmsg.reliable.ReplayClient;
import org.fedmsg.reliable.SeqRange;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A validating {@code fedmsg relay} keeps the critical messages of its upstream signers (here a
 * {@code fedmsg logger}, gone right after sending) in an outbox per signer, and still serves them
 * on its replay endpoint after a {@code kill -9} and a restart: the frames the logger signed,
 * verbatim, verifying.
 */
@Timeout(360)
class RelayReplayProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void relayKilledAndRestarted_stillServesItsUpstreamSignersCriticalMessages(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), Certnames.shortHostname(), List.of("shell"),
        KeyType.ED25519, false);
    String inbound = "tcp://127.0.0.1:" + freePort();
    String outbound = "tcp://127.0.0.1:" + freePort();
    String replay = "tcp://127.0.0.1:" + freePort();
    Path config = dir.resolve("fedmsg.yaml");
    Files.writeString(config, config(pki, inbound, outbound, replay, dir.resolve("state")));

    Process relay = startRelay(config);
    Process tail = null;
    List<JsonNode> seen;
    try {
      tail = CommandsProcessIT.fedmsg("tail", "--config", config.toString(), "--count", "3", "--json",
          "--timeout", "240").start();
      BufferedReader tailErr = new BufferedReader(new InputStreamReader(tail.getErrorStream(), StandardCharsets.UTF_8));
      CommandsProcessIT.readLineMatching(tailErr, Pattern.compile("^fedmsg tail: listening on 1 endpoint"));
      // One logger, three lines: three critical messages, then it exits (the relay has them).
      Process logger = CommandsProcessIT.fedmsg("logger", "--config", config.toString()).redirectErrorStream(true)
          .start();
      try (var in = logger.getOutputStream()) {
        in.write("critical 1\ncritical 2\ncritical 3\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(logger.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(logger.exitValue()).as(new String(logger.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isZero();
      assertThat(tail.waitFor(150, TimeUnit.SECONDS)).isTrue();
      seen = new String(tail.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().map(l -> {
        try {
          return JSON.readTree(l);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
      assertThat(seen).hasSize(3);
      assertThat(seen).allSatisfy(l -> assertThat(l.get("bus").asText()).isEqualTo("critical"));
    } finally {
      if (tail != null) {
        tail.destroyForcibly();
      }
      relay.destroyForcibly();   // SIGKILL: no shutdown hook, no outbox close
      relay.waitFor(30, TimeUnit.SECONDS);
    }

    Process again = startRelay(config);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(pki.caCertificate())
        .crl(pki.crl()).backgroundRefresh(false).build());
        MessageVerifier verifier = MessageVerifier.builder().trust(trust).asOf(java.time.Instant.now()).build()) {
      String signer = sha256(pki.ssldir().resolve(pki.certnames().get("shell." + Certnames.shortHostname()) + ".crt"));
      for (JsonNode line : seen) {
        JsonNode body = line.get("body");
        long seq = body.get("seq").asLong();
        ReplayBatch got = ReplayClient.fetch(replay, CurveOptions.disabled(), signer, body.get("epoch").asText(), seq,
            seq, Duration.ofSeconds(20));
        assertThat(got.missing()).isEmpty();
        assertThat(got.messages()).hasSize(1);
        byte[][] frames = got.messages().get(0);
        assertThat(JSON.readTree(frames[1])).isEqualTo(body);
        assertThat(verifier.check(Arrays.asList(frames)).result().isValid()).isTrue();
      }
      // A seq the logger never sent in that epoch is reported missing, not invented.
      JsonNode last = seen.get(2).get("body");
      ReplayBatch beyond = ReplayClient.fetch(replay, CurveOptions.disabled(), signer, last.get("epoch").asText(),
          last.get("seq").asLong() + 1, last.get("seq").asLong() + 1, Duration.ofSeconds(20));
      assertThat(beyond.messages()).isEmpty();
      assertThat(beyond.missing()).containsExactly(new SeqRange(last.get("seq").asLong() + 1,
          last.get("seq").asLong() + 1));
    } finally {
      again.destroy();
      again.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Process startRelay(Path config) throws Exception {
    Process relay = CommandsProcessIT.fedmsg("relay", "--config", config.toString()).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
    String line = CommandsProcessIT.readLineMatching(out, Pattern.compile("^relay: inbound"));
    assertThat(line).contains(" replay tcp://127.0.0.1:");
    CommandsProcessIT.drain(out);
    return relay;
  }

  private static String config(ThrowawayPki pki, String inbound, String outbound, String replay, Path state) {
    StringBuilder c = new StringBuilder();
    c.append("relay_inbound: \"").append(inbound).append("\"\n");
    c.append("endpoints:\n  relay_outbound: [\"").append(outbound).append("\"]\n");
    c.append("replay_endpoints:\n  relay_outbound: \"").append(replay).append("\"\n");
    c.append("critical_topics: [\"logger.*\"]\n");
    c.append("state_dir: \"").append(state).append("\"\n");
    c.append("sign_messages: true\nvalidate_signatures: true\nwire_format: fedmsg2\n");
    c.append("ssldir: \"").append(pki.ssldir()).append("\"\n");
    c.append("ca_cert_location: \"").append(pki.caCertificate()).append("\"\n");
    c.append("crl_location: \"").append(pki.crl()).append("\"\n");
    c.append("certnames:\n");
    pki.certnames().forEach((k, v) -> c.append("  \"").append(k).append("\": \"").append(v).append("\"\n"));
    return c.toString();
  }

  private static String sha256(Path certificate) throws Exception {
    try (var in = Files.newInputStream(certificate)) {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
