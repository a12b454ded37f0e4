package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.fedmsg.BusOptions;
import org.fedmsg.Certnames;
import org.fedmsg.Relay;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.fedmsg.loadgen.BenchReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedmsg bench sub} and {@code fedmsg bench pub} in two processes, through a relay. */
@Timeout(180)
class BenchProcessIT {

  @Test
  void pubThenSub_throughRelay_everyMessageCountedInTheCsv(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), Certnames.shortHostname(), List.of("bench"),
        KeyType.ED25519, false);
    StringBuilder certnames = new StringBuilder();
    pki.certnames().forEach((k, v) -> certnames.append("  \"").append(k).append("\": \"").append(v).append("\"\n"));
    Path config = Files.writeString(dir.resolve("fedmsg.yaml"), "sign_messages: true\nvalidate_signatures: true\n"
        + "wire_format: fedmsg2\ncert_prefix: bench\n"
        + "ssldir: \"" + pki.ssldir() + "\"\n"
        + "ca_cert_location: \"" + pki.caCertificate() + "\"\n"
        + "crl_location: \"" + pki.crl() + "\"\n"
        + "certnames:\n" + certnames);
    try (Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
        .relayInbound("tcp://127.0.0.1:*").validateSignatures(false).build())) {
      Process sub = CommandsProcessIT.fedmsg("bench", "sub", "--config", config.toString(), "--connect",
          relay.outboundEndpoint(), "--msgs", "200", "--csv", "--timeout", "10s").start();
      try {
        sub.getOutputStream().close();
        CompletableFuture<String> subOut = CompletableFuture.supplyAsync(() -> read(sub.getInputStream()));
        BufferedReader subErr = new BufferedReader(new InputStreamReader(sub.getErrorStream(), StandardCharsets.UTF_8));
        CommandsProcessIT.readLineMatching(subErr, Pattern.compile("^bench sub: 1 subscriber\\(s\\) ready"));

        Process pub = CommandsProcessIT.fedmsg("bench", "pub", "--config", config.toString(), "--connect",
            relay.inboundEndpoint(), "--msgs", "200", "--size", "256").redirectErrorStream(true).start();
        pub.getOutputStream().close();
        String pubOut = read(pub.getInputStream());
        assertThat(pub.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue()).as(pubOut).isZero();
        assertThat(pubOut).contains("Pub stats:", "(200 msgs)");

        assertThat(sub.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String csv = subOut.get(10, TimeUnit.SECONDS);
        assertThat(sub.exitValue()).as(csv).isZero();
        List<String> header = List.of(BenchReport.CSV_HEADER.split(","));
        String[] row = csv.strip().split(",", -1);
        assertThat(row).hasSize(header.size());
        assertThat(row[0]).isEqualTo("sub");
        assertThat(row[header.indexOf("received")]).isEqualTo("200");
        assertThat(row[header.indexOf("lost")]).isEqualTo("0");
        assertThat(row[header.indexOf("rejected")]).isEqualTo("0");
      } finally {
        sub.destroy();
        sub.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
