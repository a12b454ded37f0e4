package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.fedmsg.config.ConfigLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigCommandTest {
  @TempDir Path tmp;
  private Path confDir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void setUp() throws IOException {
    confDir = Files.createDirectories(tmp.resolve("conf"));
    Files.writeString(confDir.resolve("10-base.yaml"), "environment: prod\nendpoints:\n  a: [tcp://h:1, tcp://h:2]\n"
        + "fedmsg.consumers.gateway.port: 9940\ncurve:\n  enabled: true\n");
  }

  private int run(String... args) {
    // Only the temp dir is visible: no /etc/fedmsg.d, no real home, no real FEDMSG_CONFIG.
    ConfigCommand cmd = new ConfigCommand(() -> ConfigLoader.builder()
        .environment(Map.of())
        .systemDirectory(tmp.resolve("etc"))
        .homeDirectory(tmp.resolve("home"))
        .workingDirectory(tmp.resolve("cwd")));
    return new CommandLine(cmd).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
  }

  @Test
  void call_noQuery_printsEffectiveConfigAsJson() throws IOException {
    int code = run("--config", confDir.toString());
    assertThat(code).isZero();
    JsonNode printed = new ObjectMapper().readTree(out.toString());
    assertThat(printed.get("environment").textValue()).isEqualTo("prod");
    assertThat(printed.get("topic_prefix").textValue()).isEqualTo("org.fedoraproject"); // a default
    assertThat(printed.get("endpoints").get("a").size()).isEqualTo(2);
    assertThat(out.toString()).contains("\n  \"");
  }

  @Test
  void call_noDefaults_printsOnlyWhatFilesSet() throws IOException {
    assertThat(run("--config", confDir.toString(), "--no-defaults")).isZero();
    JsonNode printed = new ObjectMapper().readTree(out.toString());
    assertThat(printed.has("topic_prefix")).isFalse();
    assertThat(printed.get("environment").textValue()).isEqualTo("prod");
  }

  @Test
  void call_queryString_printsRawValue() {
    assertThat(run("--config", confDir.toString(), "--query", "environment")).isZero();
    assertThat(out.toString()).isEqualTo("prod" + System.lineSeparator());
  }

  @Test
  void call_queryList_printsOneItemPerLine() {
    assertThat(run("--config", confDir.toString(), "--query", "endpoints.a")).isZero();
    assertThat(out.toString().lines()).containsExactly("tcp://h:1", "tcp://h:2");
  }

  @Test
  void call_queryNestedAndDottedKeys_found() {
    assertThat(run("--config", confDir.toString(), "--query", "curve.enabled")).isZero();
    assertThat(run("--config", confDir.toString(), "--query", "fedmsg.consumers.gateway.port")).isZero();
    assertThat(run("--config", confDir.toString(), "--query", "endpoints.a.1")).isZero();
    assertThat(out.toString().lines()).containsExactly("true", "9940", "tcp://h:2");
  }

  @Test
  void call_queryMissing_exitsOneWithMessage() {
    assertThat(run("--config", confDir.toString(), "--query", "endpoints.nope")).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("no value for 'endpoints.nope'");
  }

  @Test
  void call_badConfig_exitsTwoNamingFileAndKey() throws IOException {
    Path bad = Files.writeString(confDir.resolve("20-bad.yaml"), "zmq_linger: forever\n");
    assertThat(run("--config", confDir.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(bad.toString()).contains("'zmq_linger'");
  }

  @Test
  void call_missingConfigPath_exitsTwo() {
    assertThat(run("--config", tmp.resolve("missing").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("does not exist");
  }

  @Test
  void lookup_emptyOrAbsentPaths_null() throws IOException {
    JsonNode tree = new ObjectMapper().readTree("{\"a\":{\"b\":null},\"l\":[1]}");
    assertThat(ConfigCommand.lookup(tree, "a.b")).isNull();
    assertThat(ConfigCommand.lookup(tree, "a.b.c")).isNull();
    assertThat(ConfigCommand.lookup(tree, "l.5")).isNull();
    assertThat(ConfigCommand.lookup(tree, "l.x")).isNull();
    assertThat(ConfigCommand.lookup(tree, "")).isNull();
  }
}
