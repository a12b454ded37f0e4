package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.fedmsg.Certnames;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A durable {@code fedmsg hub} with a fast and a slow consumer (from a jar built here) is killed
 * with {@code kill -9} while messages wait in the slow consumer's queue, and started again: each
 * consumer ends with every message of a {@code fedmsg logger --endpoint} (critical topic, outbox,
 * replay endpoint) exactly once.
 */
@Timeout(240)
class HubResumeProcessIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();

  /** Appends each message's text ({@code "n 4"}) to {@code <resume.dir>/<name>.txt} once consume is done with it. */
  private static final String SOURCE = """
      package example;

      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.nio.file.StandardOpenOption;
      import java.util.List;
      import org.fedmsg.Message;
      import org.fedmsg.hub.Consumer;
      import org.fedmsg.hub.HubContext;

      public class Fast implements Consumer {
        Path dir;
        int handled;
        public Fast() {}
        @Override public List<String> topics() { return List.of("*"); }
        @Override public String configKey() { return "resume.enabled"; }
        @Override public void start(HubContext ctx) { dir = Path.of(ctx.setting("resume.dir").orElseThrow().asText()); }
        @Override public void consume(Message m) throws Exception {
          if (!m.topic().endsWith(".line")) {
            return;
          }
          waitIfHeld();
          Files.writeString(dir.resolve(name() + ".txt"), m.msg().path("log").asText() + "\\n",
              StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          handled++;
        }
        void waitIfHeld() throws InterruptedException {}
      }
      """;

  private static final String SLOW = """
      package example;

      import java.nio.file.Files;

      /** Takes its fourth message and waits there until the file open.gate exists. */
      public final class Slow extends Fast {
        public Slow() {}
        @Override void waitIfHeld() throws InterruptedException {
          while (handled >= 3 && !Files.exists(dir.resolve("open.gate"))) {
            Thread.sleep(20);
          }
        }
      }
      """;

  @TempDir Path dir;
  private ThrowawayPki pki;
  private Process logger;
  private OutputStream loggerIn;
  private final List<Process> hubs = new ArrayList<>();
  private String publishUrl;
  private String replayUrl;

  @AfterEach
  void stop() throws Exception {
    for (Process h : hubs) {
      h.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (logger != null) {
      loggerIn.close();
      if (!logger.waitFor(30, TimeUnit.SECONDS)) {
        logger.destroyForcibly();
      }
    }
  }

  @Test
  void hubKilledWithMessagesQueuedToTheSlowConsumer_restarted_eachConsumerHasEveryMessageOnce() throws Exception {
    pki = ThrowawayPki.create(dir.resolve("pki"), Certnames.shortHostname(), List.of("shell"), KeyType.ED25519, false);
    publishUrl = "tcp://127.0.0.1:" + freePort();
    replayUrl = "tcp://127.0.0.1:" + freePort();
    Path jar = consumerJar();
    Path out = Files.createDirectories(dir.resolve("out"));
    startLogger();
    Path hubCfg = Files.writeString(dir.resolve("hub.yaml"), common() + "durable_name: hub\nstate_dir: \"" + dir.resolve("hub-state")
        + "\"\nresume.dir: \"" + out
        + "\"\nresume.enabled: true\n");

    Process first = startHub(hubCfg, jar);
    publish(1, 10);
    // handled and saved: the fast consumer at seq 10, the slow one at 3, waiting inside consume(4)
    await(() -> savedSeq("Fast") == 10 && savedSeq("Slow") == 3, "fast saved at 10, slow at 3");
    first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);   // kill -9: 4..10 were queued to Slow
    assertThat(lines(out, "Slow")).containsExactly("n 1", "n 2", "n 3");

    publish(11, 15);   // while the hub is down
    Files.writeString(out.resolve("open.gate"), "");
    startHub(hubCfg, jar);
    publish(16, 16);   // the first live message shows what was missed
    await(() -> lines(out, "Fast").size() >= 16 && lines(out, "Slow").size() >= 16, "both at 16");
    List<String> all = new ArrayList<>();
    for (int n = 1; n <= 16; n++) {
      all.add("n " + n);
    }
    assertThat(lines(out, "Fast")).containsExactlyElementsOf(all);
    assertThat(lines(out, "Slow")).containsExactlyElementsOf(all);
  }

  /** The seq of the last position line a consumer saved (0 when none). */
  private long savedSeq(String consumer) {
    try {
      Path f = dir.resolve("hub-state/positions/hub/handlers/" + consumer + "/positions.log");
      List<String> l = Files.exists(f) ? Files.readAllLines(f) : List.of();
      return l.isEmpty() ? 0 : Long.parseLong(l.get(l.size() - 1).split(" ")[3]);
    } catch (java.io.IOException | RuntimeException e) {
      return -1;  // being written
    }
  }

  private static List<String> lines(Path out, String name) {
    try {
      Path f = out.resolve(name + ".txt");
      return Files.exists(f) ? Files.readAllLines(f) : List.of();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Process startHub(Path config, Path jar) throws Exception {
    Process hub = CommandsProcessIT.fedmsg("hub", "--config", config.toString(), "--no-discover", "--classpath",
        jar.toString(), "--with-consumers", "example.Fast,example.Slow", "--heartbeat-interval", "0")
        .redirectError(dir.resolve("hub-" + hubs.size() + ".log").toFile()).start();
    hubs.add(hub);
    BufferedReader r = new BufferedReader(new InputStreamReader(hub.getInputStream(), StandardCharsets.UTF_8));
    CommandsProcessIT.readLineMatching(r, Pattern.compile("^hub: running"));
    Thread drain = new Thread(() -> r.lines().count());
    drain.setDaemon(true);
    drain.start();
    return hub;
  }

  private Path consumerJar() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/example"));
    Files.writeString(src.resolve("Fast.java"), SOURCE);
    Files.writeString(src.resolve("Slow.java"), SLOW);
    Path classes = Files.createDirectories(dir.resolve("classes"));
    StringBuilder cp = new StringBuilder(TARGET.resolve("fedmsg-cli.jar").toString());
    try (var jars = Files.list(TARGET.resolve("lib"))) {
      jars.forEach(j -> cp.append(File.pathSeparator).append(j));
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, "-d", classes.toString(), "-cp", cp.toString(),
        src.resolve("Fast.java").toString(), src.resolve("Slow.java").toString())).isZero();
    Path jar = dir.resolve("consumers.jar");
    try (JarOutputStream jout = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String c : List.of("Fast", "Slow")) {
        jout.putNextEntry(new JarEntry("example/" + c + ".class"));
        jout.write(Files.readAllBytes(classes.resolve("example/" + c + ".class")));
      }
    }
    return jar;
  }

  private void startLogger() throws Exception {
    Path config = Files.writeString(dir.resolve("logger.yaml"), common() + "state_dir: \"" + dir.resolve("logger-state")
        + "\"\nsign_messages: true\nssldir: \"" + pki.ssldir() + "\"\ncertnames:\n" + certnames());
    logger = CommandsProcessIT.fedmsg("logger", "--config", config.toString(), "--endpoint", publishUrl, "--topic",
        "line").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    loggerIn = logger.getOutputStream();
    BufferedReader err = new BufferedReader(new InputStreamReader(logger.getErrorStream(), StandardCharsets.UTF_8));
    CommandsProcessIT.readLineMatching(err, Pattern.compile("^logger: publishing from"));
    Thread drain = new Thread(() -> err.lines().count());
    drain.setDaemon(true);
    drain.start();
  }

  private String certnames() {
    StringBuilder c = new StringBuilder();
    pki.certnames().forEach((k, v) -> c.append("  \"").append(k).append("\": \"").append(v).append("\"\n"));
    return c.toString();
  }

  /** What the logger and the hub share: endpoints, the critical topic, validation. */
  private String common() {
    return "endpoints:\n  logger: [\"" + publishUrl + "\"]\nreplay_endpoints:\n  logger: \"" + replayUrl + "\"\n"
        + "critical_topics: [\"logger.*\"]\nvalidate_signatures: true\nwire_format: fedmsg2\n"
        + "ca_cert_location: \"" + pki.caCertificate() + "\"\ncrl_location: \"" + pki.crl() + "\"\n";
  }

  private void publish(int from, int to) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int n = from; n <= to; n++) {
      b.append("n ").append(n).append('\n');
    }
    loggerIn.write(b.toString().getBytes(StandardCharsets.UTF_8));
    loggerIn.flush();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("not within 60 s: " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
