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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md, run: its {@code fedmsg-certs} commands, its configuration files
 * ({@code /etc/fedmsg.d/*.yaml}, the policies) and its directory unit's command line, read out of
 * the guide, with its host names, ports and paths mapped to this machine's loopback and a
 * temporary directory. A CURVE directory replica, a CURVE relay that registers relay_outbound
 * there, a tail that finds the relay only through the directory, and a logger: the tail must print
 * the logger's signed message.
 */
@Timeout(300)
class OperationsGuideProcessIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path GUIDE = Path.of("..", "docs", "operations.md").toAbsolutePath().normalize();
  /** The example CURVE public keys the guide's files show, to be replaced by the real ones. */
  private static final String GUIDE_RELAY_KEY = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
  private static final String GUIDE_DIRECTORY_KEY = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The guide's code blocks whose first line is {@code # /etc/...}: path to content. */
  static Map<String, String> guideFiles(String guide) {
    Map<String, String> files = new LinkedHashMap<>();
    Matcher m = Pattern.compile("```yaml\n# (/etc/\\S+)\n(.*?)```", Pattern.DOTALL).matcher(guide);
    while (m.find()) {
      files.put(m.group(1), "# " + m.group(1) + "\n" + m.group(2));
    }
    return files;
  }

  /** The guide's lines starting with {@code prefix} (commands in its code blocks). */
  static List<String> guideLines(String guide, String prefix) {
    return guide.lines().filter(l -> l.startsWith(prefix)).toList();
  }

  private ProcessBuilder fedmsg(Path workDir, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    command.add("-cp");
    command.add(TARGET.resolve("fedmsg-cli.jar") + File.pathSeparator + TARGET.resolve("lib") + File.separator + "*");
    command.add("org.fedmsg.cli.Main");
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    // Only the files this test writes: no ~/.config/fedmsg.d of whoever runs it.
    pb.environment().put("XDG_CONFIG_HOME", workDir.resolve("xdg").toString());
    pb.environment().remove("FEDMSG_CONFIG");
    return pb;
  }

  private Process start(ProcessBuilder pb) throws IOException {
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** Every line of a process's (merged) output, collected by a daemon thread. */
  private static BlockingQueue<String> lines(Process p) {
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          q.add(line);
        }
      } catch (IOException e) {
        q.add("(read failed: " + e + ")");
      }
    });
    t.setDaemon(true);
    t.start();
    return q;
  }

  private static Matcher await(BlockingQueue<String> lines, Pattern pattern, String what) throws InterruptedException {
    return await(lines, pattern, what, null);
  }

  /** The first line matching, within 120 s, or as soon as {@code process} (if given) has ended. */
  private static Matcher await(BlockingQueue<String> lines, Pattern pattern, String what, Process process)
      throws InterruptedException {
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive() && lines.isEmpty()) {
        break;
      }
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        continue;
      }
      seen.append(line).append('\n');
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m;
      }
    }
    throw new AssertionError(what + ": no line matching " + pattern + " in:\n" + seen);
  }

  private String run(Path workDir, List<String> args, String input) throws Exception {
    Process p = start(fedmsg(workDir, args).redirectErrorStream(true));
    if (input != null) {
      p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(args.toString()).isTrue();
    assertThat(p.exitValue()).as(args + "\n" + out).isZero();
    return out;
  }

  /** Splits a shell command line of the guide (no quoting beyond double quotes is used there). */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
    while (m.find()) {
      out.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return out;
  }

  @Test
  void theGuidesBus_loggerToTailThroughCurveRelayFoundInTheDirectory(@TempDir Path dir) throws Exception {
    String guide = Files.readString(GUIDE);
    String host = org.fedmsg.Certnames.shortHostname();
    Path ssl = Files.createDirectories(dir.resolve("pki"));
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Path state = Files.createDirectories(dir.resolve("state"));
    Path pass = Files.writeString(dir.resolve("ca.pass"), "correct horse battery staple\n");
    Map<String, String> common = new LinkedHashMap<>();
    // Both example hosts are this machine; certificate names lose the example domain.
    common.put("bus01.example.org", host);
    common.put("app01.example.org", host);
    common.put(".example.org", "");
    common.put("bus01", host);
    common.put("app01", host);
    common.put("/root/fedmsg-ca", ssl.toString());
    common.put("/root/ca.pass", pass.toString());
    common.put("/etc/pki/fedmsg", ssl.toString());
    common.put("/etc/fedmsg/", etc + "/");
    common.put("/var/lib/fedmsg", state.toString());

    // 1. Keys and certificates: the guide's fedmsg-certs commands, as `fedmsg certs`.
    Set<String> done = new LinkedHashSet<>();
    Map<String, String> curveKeys = new LinkedHashMap<>();
    for (String line : guideLines(guide, "$ fedmsg-certs ")) {
      String cmd = substitute(line.substring("$ fedmsg-certs ".length()), common);
      if (!done.add(cmd)) {
        continue;  // e.g. two "issue shell" commands for what is one host here
      }
      List<String> args = new ArrayList<>(List.of("certs"));
      args.addAll(words(cmd));
      if (args.get(1).equals("revoke")) {
        continue;  // section 10 (revocation) is not part of the set-up
      }
      String out = run(dir, args, null);
      Matcher key = Pattern.compile("public key: (\\S{40})").matcher(out);
      if (args.get(1).equals("curve") && key.find()) {
        curveKeys.put(args.get(2), key.group(1));
      }
    }
    String relayKey = curveKeys.get("relay-" + host);
    String directoryKey = curveKeys.get("directory-" + host);
    assertThat(relayKey).as("the guide makes the relay's CURVE keys").isNotNull();
    assertThat(directoryKey).as("the guide makes the directory's CURVE keys").isNotNull();
    common.put(GUIDE_RELAY_KEY, relayKey);
    common.put(GUIDE_DIRECTORY_KEY, directoryKey);

    // 2. The policies.
    Map<String, String> files = guideFiles(guide);
    assertThat(files).containsKeys("/etc/fedmsg.d/10-bus.yaml", "/etc/fedmsg.d/90-relay.yaml",
        "/etc/fedmsg/policy.yaml", "/etc/fedmsg/registration-policy.yaml");
    for (String policy : List.of("policy.yaml", "registration-policy.yaml")) {
      Files.writeString(etc.resolve(policy), substitute(files.get("/etc/fedmsg/" + policy), common));
    }

    // 3. The directory replica, with its unit's command line.
    String execStart = guideLines(guide, "/opt/fedmsg/bin/fedmsg directory serve").get(0);
    List<String> dirArgs = words(substitute(execStart.substring("/opt/fedmsg/bin/fedmsg ".length()), common));
    dirArgs.set(dirArgs.indexOf("--bind") + 1, "tcp://127.0.0.1:*");
    Process directory = start(fedmsg(dir, dirArgs).redirectErrorStream(true));
    BlockingQueue<String> directoryOut = lines(directory);
    String directoryEndpoint = await(directoryOut, Pattern.compile("directory replica listening on (\\S+)"),
        "directory", directory).group(1);

    // 4. The relay host: 10-bus.yaml and 90-relay.yaml, binding ephemeral loopback ports.
    Map<String, String> relayHost = new LinkedHashMap<>();
    relayHost.put("tcp://bus01.example.org:9941", directoryEndpoint);
    relayHost.put("tcp://bus01.example.org:2003", "tcp://127.0.0.1:*");
    relayHost.put("tcp://bus01.example.org:4001", "tcp://127.0.0.1:*");
    relayHost.putAll(common);
    Path relayConf = Files.createDirectories(dir.resolve("relay-host/fedmsg.d"));
    for (String name : List.of("10-bus.yaml", "90-relay.yaml")) {
      Files.writeString(relayConf.resolve(name), substitute(files.get("/etc/fedmsg.d/" + name), relayHost));
    }
    Process relay = start(fedmsg(dir, List.of("relay", "--heartbeat", "--config", relayConf.toString()))
        .redirectErrorStream(true));
    BlockingQueue<String> relayOut = lines(relay);
    Matcher bound = await(relayOut, Pattern.compile("^relay: inbound (\\S+) outbound (\\S+)"), "relay", relay);
    String inbound = bound.group(1);
    String outbound = bound.group(2);
    // The relay registers relay_outbound, with its CURVE key, signed with relay-<host>.
    await(directoryOut, Pattern.compile("registration of relay_outbound by relay-" + Pattern.quote(host)
        + " .*" + Pattern.quote(outbound)), "the relay's registration", directory);

    // 5. An application host: only 10-bus.yaml, the relay's real ports.
    Map<String, String> appHost = new LinkedHashMap<>();
    appHost.put("tcp://bus01.example.org:9941", directoryEndpoint);
    appHost.put("tcp://bus01.example.org:2003", inbound);
    appHost.put("tcp://bus01.example.org:4001", outbound);
    appHost.putAll(common);
    Path appConf = Files.createDirectories(dir.resolve("app-host/fedmsg.d"));
    Files.writeString(appConf.resolve("10-bus.yaml"), substitute(files.get("/etc/fedmsg.d/10-bus.yaml"), appHost));
    assertThat(Files.readString(appConf.resolve("10-bus.yaml"))).contains("type: directory")
        .doesNotContain("example.org");

    // 6. Section 7: the tail finds relay_outbound only through the directory; the logger publishes.
    Process tail = start(fedmsg(dir, List.of("tail", "--config", appConf.toString(), "--count", "1", "--json",
        "--timeout", "120")));
    BlockingQueue<String> tailErr = new LinkedBlockingQueue<>();
    Thread errReader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(tail.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          tailErr.add(line);
        }
      } catch (IOException e) {
        tailErr.add(e.toString());
      }
    });
    errReader.setDaemon(true);
    errReader.start();
    await(tailErr, Pattern.compile("fedmsg tail: listening on 1 endpoint"), "tail", tail);
    run(dir, List.of("logger", "--config", appConf.toString()), "hello from app01\n");

    String printed = new String(tail.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tail.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(tail.exitValue()).as(printed + String.join("\n", tailErr)).isZero();
    assertThat(printed).contains("\"topic\":\"org.example.prod.logger.log\"")
        .contains("\"signer\":\"shell-" + host + "\"")
        .contains("hello from app01");
  }

  /** Applies the replacements in order. */
  static String substitute(String text, Map<String, String> replacements) {
    String out = text;
    for (Map.Entry<String, String> e : replacements.entrySet()) {
      out = out.replace(e.getKey(), e.getValue());
    }
    return out;
  }
}
