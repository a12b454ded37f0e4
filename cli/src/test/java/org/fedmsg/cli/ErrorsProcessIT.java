package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Certnames;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every failure a command meets is one line on standard error naming the file, key or rule and the
 * cause, with exit 2 for usage and configuration errors and 1 for refusals at run time: real
 * processes from the packaged jar.
 */
@Timeout(180)
class ErrorsProcessIT {
  @TempDir Path dir;

  record Result(int code, String out, List<String> err) {
    /** The one line the command printed about the failure (log lines aside), asserting there is exactly one and no stack trace. */
    String errorLine(String command) {
      assertThat(err).as("stderr").noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception in thread"));
      List<String> lines = err.stream().filter(l -> l.startsWith("fedmsg " + command + ": ")).toList();
      assertThat(lines).as("stderr: " + err).hasSize(1);
      return lines.get(0);
    }
  }

  static Result run(String... args) throws Exception {
    Process p = fedmsg(args).start();
    p.getOutputStream().close();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    String err = read(p.getErrorStream());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.lines().toList());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void malformedConfig_tailAndLogger_oneLineWithFileAndPosition_exit2() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "endpoints: [\n  a: b\n");
    for (String command : List.of("tail", "logger")) {
      Result r = run(command, "--config", bad.toString());
      assertThat(r.code()).as(command).isEqualTo(2);
      assertThat(r.errorLine(command)).contains(bad.toString()).contains("line 3, column 1");
    }
  }

  @Test
  void missingConfig_tailAndLogger_oneLineNamingIt_exit2() throws Exception {
    Path missing = dir.resolve("missing.yaml");
    for (String command : List.of("tail", "logger")) {
      Result r = run(command, "--config", missing.toString());
      assertThat(r.code()).as(command).isEqualTo(2);
      assertThat(r.errorLine(command)).contains(missing.toString()).contains("does not exist");
    }
  }

  @Test
  void unreadableConfig_oneLine_exit2() throws Exception {
    assumeThat(System.getProperty("user.name")).as("root reads every file").isNotEqualTo("root");
    Path locked = Files.writeString(dir.resolve("locked.yaml"), "validate_signatures: false\n");
    assumeThat(locked.toFile().setReadable(false, false)).isTrue();
    Result r = run("logger", "--config", locked.toString(), "--message", "x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errorLine("logger")).contains(locked.toString());
  }

  @Test
  void tailNegativeTimeout_refused_exit2() throws Exception {
    Result r = run("tail", "--timeout", "-1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().get(0)).contains("--timeout").contains("-1");
  }

  @Test
  void loggerTopicWithSpaceOrEmptyToken_refused_exit2() throws Exception {
    for (String topic : List.of("a b", "a..b", ".a", "a.")) {
      Result r = run("logger", "--topic", topic, "--message", "x");
      assertThat(r.code()).as(topic).isEqualTo(2);
      assertThat(r.err().get(0)).as(topic).contains("--topic").contains(topic);
    }
  }

  @Test
  void relayAddressInUse_oneLineWithErrnoText_exit1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path config = Files.writeString(dir.resolve("relay.yaml"), "relay_inbound: \"tcp://127.0.0.1:" + taken.getLocalPort()
          + "\"\nendpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\nvalidate_signatures: false\n");
      Result r = run("relay", "--config", config.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.errorLine("relay")).contains(String.valueOf(taken.getLocalPort())).contains("Address already in use");
    }
  }

  @Test
  void loggerPolicyRefusal_oneLineNamingTopicSignerAndRule_exit1_signsWithCertPrefixKeyFromEndpoint() throws Exception {
    TestPki.Issued leaf = TestPki.rootCa("errors root").build().issue("svc-logger").keyType(TestPki.KeyType.RSA_2048).build();
    Path ssl = leaf.writeTo(dir.resolve("ssl"));
    // --endpoint keeps the reference's certname key: <cert-prefix>.<short hostname>, not the publisher name.
    Path config = Files.writeString(dir.resolve("logger.yaml"), "validate_signatures: false\nsign_messages: true\n"
        + "ssldir: \"" + ssl + "\"\ncertnames:\n  \"ops." + Certnames.shortHostname() + "\": svc-logger\n"
        + "policy:\n  default: deny\n  rules:\n    - {topics: [\"other.*\"], signers: [svc-logger], effect: allow}\n");
    Result r = run("logger", "--config", config.toString(), "--endpoint", "tcp://127.0.0.1:*", "--cert-prefix", "ops",
        "--message", "hello");
    assertThat(r.code()).as(String.join("\n", r.err())).isEqualTo(1);
    assertThat(r.errorLine("logger")).contains("org.fedoraproject.dev.logger.log").contains("svc-logger")
        .contains("default: deny");
  }

  /** A CURVE relay; returns its inbound endpoint, after checking its start-up line names the key. */
  private String startCurveRelay(List<Process> processes, CurveKeyPair[] keyOut) throws Exception {
    // fedmsg certs curve writes the pair next to the service's certificate.
    TestPki.rootCa("curve root").build().issue("relay").build().writeTo(dir.resolve("keys"));
    Process certs = fedmsg("certs", "curve", "--dir", dir.resolve("keys").toString(), "relay").start();
    assertThat(certs.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(certs.exitValue()).as(new String(certs.getErrorStream().readAllBytes())).isZero();
    Path pub = dir.resolve("keys/relay.curve");
    Path secret = dir.resolve("keys/relay.curve_secret");
    keyOut[0] = CurveKeyPair.load(pub, secret);
    Path config = Files.writeString(dir.resolve("relay.yaml"), "relay_inbound: \"tcp://127.0.0.1:*\"\n"
        + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\nvalidate_signatures: false\n"
        + "curve:\n  enabled: true\n  public_key_file: \"" + pub + "\"\n  secret_key_file: \"" + secret + "\"\n");
    Process relay = fedmsg("relay", "--config", config.toString()).redirectErrorStream(true).start();
    processes.add(relay);
    String line = readLineMatching(new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8)),
        Pattern.compile("^relay: inbound"));
    assertThat(line).contains("CURVE on, key " + keyOut[0].fingerprint());
    Matcher m = Pattern.compile("inbound (\\S+)").matcher(line);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void curveRelay_startupLineNamesKey_plainLoggerAndWrongKeyLogger_toldCurveHandshake_exit1() throws Exception {
    List<Process> processes = new ArrayList<>();
    try {
      CurveKeyPair[] relayKey = new CurveKeyPair[1];
      String inbound = startCurveRelay(processes, relayKey);

      Path plain = Files.writeString(dir.resolve("plain.yaml"), "relay_inbound: \"" + inbound + "\"\nvalidate_signatures: false\n");
      Result r = run("logger", "--config", plain.toString(), "--message", "x");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.errorLine("logger")).contains(inbound).contains("CURVE").contains("curve_server_key");

      String wrongKey = CurveKeyPair.generate("wrong").publicKeyZ85().replace("\\", "\\\\").replace("\"", "\\\"");
      Path wrong = Files.writeString(dir.resolve("wrong.yaml"), "relay_inbound: \"" + inbound + "\"\nvalidate_signatures: false\n"
          + "curve:\n  enabled: true\nendpoints:\n  relay_inbound:\n    - {url: \"" + inbound + "\", curve_server_key: \""
          + wrongKey + "\"}\n");
      r = run("logger", "--config", wrong.toString(), "--message", "x");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.errorLine("logger")).contains("CURVE handshake likely failed").contains("curve_server_key");
    } finally {
      for (Process p : processes) {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void versions_fedmsgAndFedmsgCerts_printTheSameProjectVersion() throws Exception {
    Result fedmsg = run("--version");
    ProcessBuilder certsBuilder = fedmsg("--version");
    List<String> command = new ArrayList<>(certsBuilder.command());
    command.set(command.indexOf("org.fedmsg.cli.Main"), "org.fedmsg.certs.CertsCommand");
    Process certs = certsBuilder.command(command).start();
    String certsOut = new String(certs.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(certs.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(fedmsg.code()).isZero();
    assertThat(fedmsg.out().strip()).isEqualTo(certsOut).matches("fedmsg for the JVM \\d+\\.\\d+\\.\\d+.*")
        .doesNotContain("unknown").doesNotContain("${");
  }
}
