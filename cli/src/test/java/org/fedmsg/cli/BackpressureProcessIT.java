package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Certnames;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connecting publisher never outruns the relay, and a subscriber reads ahead of its handler:
 * {@code fedmsg logger} with 20,000 lines (Ed25519, fedmsg/2) through a validating {@code fedmsg
 * relay} at the default settings delivers every one of them, in order, to a validating {@code
 * fedmsg tail}. Before backpressure about half were lost while the relay verified (the logger's
 * socket dropped what the relay's queue had no room for); before the subscriber's read-ahead
 * (32 MiB, {@code ParallelReceiver}) the tail, slower than the relay on a loaded machine, fell more
 * than ZeroMQ's two queues behind and the relay's bound socket dropped for it (19,931 of 20,000
 * at a load average of 25 on 2 cores); with it all 20,000 arrived (245 s at a load average of 28, 44 s at 14).
 */
@Timeout(720)
class BackpressureProcessIT {
  private static final int LINES = 20_000;

  @Test
  void logger20000LinesThroughValidatingRelay_tailReceivesEveryOneInOrder(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), Certnames.shortHostname(), List.of("shell"),
        KeyType.ED25519, false);
    Path config = dir.resolve("fedmsg.yaml");
    Files.writeString(config, config(pki, "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"));
    Process relay = CommandsProcessIT.fedmsg("relay", "--config", config.toString()).redirectErrorStream(true).start();
    Process tail = null;
    try {
      BufferedReader relayOut = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
      Matcher m = Pattern.compile("inbound (\\S+) outbound (\\S+)")
          .matcher(CommandsProcessIT.readLineMatching(relayOut, Pattern.compile("^relay: inbound")));
      assertThat(m.find()).isTrue();
      Files.writeString(config, config(pki, m.group(1), m.group(2)));
      CommandsProcessIT.drain(relayOut);

      tail = CommandsProcessIT.fedmsg("tail", "--config", config.toString(), "--count", String.valueOf(LINES), "--json",
          "--timeout", "560").start();
      BufferedReader tailErr = new BufferedReader(new InputStreamReader(tail.getErrorStream(), StandardCharsets.UTF_8));
      CommandsProcessIT.readLineMatching(tailErr, Pattern.compile("^fedmsg tail: listening on 1 endpoint"));
      List<String> tailGaps = new java.util.concurrent.CopyOnWriteArrayList<>();
      keep(tailErr, tailGaps);
      Process tailProcess = tail;
      CompletableFuture<List<String>> received = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(tailProcess.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });

      Process logger = CommandsProcessIT.fedmsg("logger", "--config", config.toString()).start();
      CompletableFuture<String> loggerErr = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(logger.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (OutputStream in = logger.getOutputStream()) {
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= LINES; i++) {
          lines.append("line ").append(i).append('\n');
        }
        in.write(lines.toString().getBytes(StandardCharsets.UTF_8));
      }
      assertThat(logger.waitFor(280, TimeUnit.SECONDS)).isTrue();
      assertThat(logger.exitValue()).as(loggerErr.get(10, TimeUnit.SECONDS)).isZero();

      assertThat(tail.waitFor(580, TimeUnit.SECONDS)).isTrue();
      List<String> lines = received.get(10, TimeUnit.SECONDS);
      assertThat(tail.exitValue()).as("tail received %d of %d; missing %s; tail's gap reports %s", lines.size(), LINES,
          missing(lines), tailGaps).isZero();
      assertThat(lines).hasSize(LINES);
      for (int i = 0; i < LINES; i++) {
        assertThat(lines.get(i)).contains("\"log\":\"line " + (i + 1) + "\"");
      }
    } finally {
      if (tail != null) {
        tail.destroyForcibly();
      }
      relay.destroy();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String config(ThrowawayPki pki, String inbound, String outbound) {
    StringBuilder c = new StringBuilder();
    c.append("relay_inbound: \"").append(inbound).append("\"\n");
    c.append("endpoints:\n  relay_outbound: [\"").append(outbound).append("\"]\n");
    c.append("sign_messages: true\nvalidate_signatures: true\nwire_format: fedmsg2\n");
    c.append("ssldir: \"").append(pki.ssldir()).append("\"\n");
    c.append("ca_cert_location: \"").append(pki.caCertificate()).append("\"\n");
    c.append("crl_location: \"").append(pki.crl()).append("\"\n");
    c.append("certnames:\n");
    pki.certnames().forEach((k, v) -> c.append("  \"").append(k).append("\": \"").append(v).append("\"\n"));
    return c.toString();
  }

  /** The line numbers not received, as ranges (for the failure message). */
  private static String missing(List<String> lines) {
    java.util.BitSet got = new java.util.BitSet();
    Pattern n = Pattern.compile("\"log\":\"line (\\d+)\"");
    for (String l : lines) {
      Matcher m = n.matcher(l);
      if (m.find()) {
        got.set(Integer.parseInt(m.group(1)));
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = got.nextClearBit(1); i <= LINES; i = got.nextClearBit(i)) {
      int end = Math.min(LINES, got.nextSetBit(i) < 0 ? LINES : got.nextSetBit(i) - 1);
      out.append(i).append('-').append(end).append(' ');
      i = end + 1;
    }
    return out.toString();
  }

  /** Keeps reading a process's standard error, keeping the lines that report gaps. */
  private static void keep(BufferedReader reader, List<String> gaps) {
    Thread t = new Thread(() -> {
      try {
        for (String l; (l = reader.readLine()) != null; ) {
          if (l.contains("gap")) {
            gaps.add(l);
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    }, "tail-stderr");
    t.setDaemon(true);
    t.start();
  }

}
