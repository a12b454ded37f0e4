package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.feedAndExpectSuccess;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;
import static org.fedmsg.cli.CommandsProcessIT.startRelay;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** tail and logger in scripts: a closed output, --timeout, --json-input and --json-lines, as real processes around a relay. */
@Timeout(180)
class ScriptingProcessIT {
  @TempDir Path dir;
  Path config;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void relay() throws Exception {
    config = dir.resolve("fedmsg.yaml");
    processes.add(startRelay(config));
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  Process start(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  /** Starts a tail and waits until it says it listens. */
  Process tail(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("tail", "--config", config.toString(), "--json"));
    args.addAll(List.of(extra));
    Process tail = start(fedmsg(args.toArray(String[]::new)));
    readLineMatching(new BufferedReader(new InputStreamReader(tail.getErrorStream(), StandardCharsets.UTF_8)),
        Pattern.compile("^fedmsg tail: listening"));
    return tail;
  }

  @Test
  void tailPipedToHeadOne_stopsCleanlyWhenItsOutputCloses() throws Exception {
    Process tail = tail();
    Process logger = start(fedmsg("logger", "--config", config.toString()));
    OutputStream loggerIn = logger.getOutputStream();
    // `head -1`: read one line, then close the pipe.
    CompletableFuture<String> head = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader tailOut = new BufferedReader(new InputStreamReader(tail.getInputStream(), StandardCharsets.UTF_8))) {
        return tailOut.readLine();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    // Keep the bus busy until tail notices its closed output; the wait on tail's exit is the pacing.
    int sent = 0;
    while (!tail.waitFor(100, TimeUnit.MILLISECONDS)) {
      assertThat(sent++).as("tail kept running with its output closed").isLessThan(1200);
      loggerIn.write(("line " + sent + "\n").getBytes(StandardCharsets.UTF_8));
      loggerIn.flush();
    }
    assertThat(head.get(10, TimeUnit.SECONDS)).contains("\"log\":\"line ");
    assertThat(tail.exitValue()).isZero();
    String err = new String(tail.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    loggerIn.close();
    assertThat(logger.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void tailTimeout_endsTheRun_exit0WithoutCount_exit1BeforeCount() throws Exception {
    Process plain = tail("--timeout", "1");
    Process counting = tail("--timeout", "1", "--count", "5");
    assertThat(plain.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(counting.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(plain.exitValue()).isZero();
    assertThat(counting.exitValue()).isEqualTo(1);
  }

  @Test
  void loggerJsonInput_prettyDocumentIsOneMessage_jsonLinesOnePerLine() throws Exception {
    Process tail = tail("--count", "3", "--timeout", "90");
    feedAndExpectSuccess(start(fedmsg("logger", "--config", config.toString(), "--json-input")),
        "{\n  \"package\": \"fedmsg\",\n  \"versions\": [\n    1,\n    2\n  ]\n}\n");
    feedAndExpectSuccess(start(fedmsg("logger", "--config", config.toString(), "--json-lines", "--topic", "line")),
        "{\"n\": 1}\n\n{\"n\": 2}\n");

    assertThat(tail.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tail.exitValue()).isZero();
    List<String> got = new String(tail.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertThat(got).hasSize(3);
    assertThat(got.get(0)).contains("\"topic\":\"org.fedoraproject.dev.logger.log\"")
        .contains("\"msg\":{\"package\":\"fedmsg\",\"versions\":[1,2]}");
    assertThat(got.get(1)).contains("logger.line").contains("\"msg\":{\"n\":1}");
    assertThat(got.get(2)).contains("\"msg\":{\"n\":2}");
  }
}
