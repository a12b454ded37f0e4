package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real commands as separate processes, from the packaged jar: logger → relay → tail. */
@Timeout(120)
class CommandsProcessIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();

  static ProcessBuilder fedmsg(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(TARGET.resolve("fedmsg-cli.jar") + File.pathSeparator + TARGET.resolve("lib") + File.separator + "*");
    command.add("org.fedmsg.cli.Main");
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** Keeps reading a process's output on a daemon thread, so that it never blocks on a full pipe. */
  static void drain(java.io.Reader output) {
    Thread t = new Thread(() -> {
      try {
        output.transferTo(java.io.Writer.nullWriter());
      } catch (IOException e) {
        // the process ended
      }
    }, "drain");
    t.setDaemon(true);
    t.start();
  }

  static String readLineMatching(BufferedReader reader, Pattern pattern) throws IOException {
    List<String> skipped = new ArrayList<>();
    for (String line; (line = reader.readLine()) != null; ) {
      if (pattern.matcher(line).find()) {
        return line;
      }
      skipped.add(line);
    }
    throw new AssertionError("stream ended before a line matching " + pattern + "; read: " + skipped);
  }

  /**
   * Starts a non-validating {@code fedmsg relay} on ephemeral loopback ports, then rewrites {@code
   * config} with the endpoints it bound, for the commands started after it. The caller stops it.
   */
  static Process startRelay(Path config) throws IOException {
    Files.writeString(config, "relay_inbound: \"tcp://127.0.0.1:*\"\n"
        + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\nvalidate_signatures: false\n");
    Process relay = fedmsg("relay", "--config", config.toString()).redirectErrorStream(true).start();
    BufferedReader relayOut = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("inbound (\\S+) outbound (\\S+)")
        .matcher(readLineMatching(relayOut, Pattern.compile("^relay: inbound")));
    assertThat(m.find()).isTrue();
    Files.writeString(config, "relay_inbound: \"" + m.group(1) + "\"\n"
        + "endpoints:\n  relay_outbound: [\"" + m.group(2) + "\"]\nvalidate_signatures: false\n");
    return relay;
  }

  /** Writes {@code input} to the process's standard input, closes it, and expects exit 0 within 60 s. */
  static void feedAndExpectSuccess(Process process, String input) throws IOException, InterruptedException {
    process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .isZero();
  }

  @Test
  void loggerThroughRelay_tailCountPrintsTheLines(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("fedmsg.yaml");
    Process relay = startRelay(config);
    try {

      Process tail = fedmsg("tail", "--config", config.toString(), "--count", "3", "--json", "--timeout", "60").start();
      BufferedReader tailErr = new BufferedReader(new InputStreamReader(tail.getErrorStream(), StandardCharsets.UTF_8));
      readLineMatching(tailErr, Pattern.compile("^fedmsg tail: listening on 1 endpoint"));

      feedAndExpectSuccess(fedmsg("logger", "--config", config.toString()).start(),
          "first line\nsecond line\nthird line\n");

      assertThat(tail.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(tail.exitValue()).isZero();
      List<String> lines = new String(tail.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).contains("\"topic\":\"org.fedoraproject.dev.logger.log\"").contains("\"log\":\"first line\"");
      assertThat(lines.get(1)).contains("\"log\":\"second line\"");
      assertThat(lines.get(2)).contains("\"log\":\"third line\"");
    } finally {
      relay.destroy();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void quickstart_runsAndExitsZero(@TempDir Path dir) throws Exception {
    Process quickstart = fedmsg("quickstart", "--state-dir", dir.toString(), "--count", "3").redirectErrorStream(true).start();
    String output = new String(quickstart.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(quickstart.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(quickstart.exitValue()).as(output).isZero();
    assertThat(output).contains("3 sent, 3 delivered, 3 rejected")
        .contains("BAD_SIGNATURE").contains("UNSIGNED").contains("NOT_AUTHORIZED")
        .contains("publisher holding the policy refused to send")
        .contains("relay_outbound registered there");
    assertThat(dir.resolve("fedmsg.d/quickstart.yaml")).exists();
  }
}
