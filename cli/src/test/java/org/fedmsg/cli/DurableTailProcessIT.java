package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Certnames;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume, with real processes: a {@code fedmsg logger --endpoint} publishing critical messages
 * (outbox in its state directory, replay endpoint), and a {@code fedmsg tail --durable-name}
 * stopped mid-stream (killed, or ended by {@code --count}) and started again while the logger
 * goes on. The second tail gets what it missed from the logger's replay endpoint, in order, and
 * when the logger's outbox no longer holds all of it, reports the exact range lost.
 */
@Timeout(240)
class DurableTailProcessIT {
  @TempDir Path dir;
  private ThrowawayPki pki;
  private Process logger;
  private OutputStream loggerIn;
  private final List<Process> tails = new ArrayList<>();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private int next = 1;
  private String publishUrl;
  private String replayUrl;

  @BeforeEach
  void pki() throws Exception {
    pki = ThrowawayPki.create(dir.resolve("pki"), Certnames.shortHostname(), List.of("shell"), KeyType.ED25519, false);
    publishUrl = "tcp://127.0.0.1:" + freePort();
    replayUrl = "tcp://127.0.0.1:" + freePort();
  }

  @AfterEach
  void stop() throws Exception {
    for (Process t : tails) {
      t.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (logger != null) {
      loggerIn.close();
      if (!logger.waitFor(30, TimeUnit.SECONDS)) {
        logger.destroyForcibly();
      }
    }
  }

  @Test
  void tailKilledMidStream_restarted_getsEverythingItMissed_once_inOrder() throws Exception {
    startLogger(100_000);
    Tail first = startTail();
    publish(100);
    first.awaitLine(40);
    first.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);   // kill -9, mid-stream
    first.drained();
    List<Integer> before = first.seqs();
    int last = before.get(before.size() - 1);
    publish(100);   // 101..200 while no tail runs
    Tail second = startTail();
    publish(10);    // 201..210: the first live message shows the gap
    second.awaitLine(210);
    List<Integer> after = second.seqs();
    // at-least-once: a message shown just before the kill may come again (its position was not
    // yet written); nothing else repeats and nothing is missing
    assertThat(after.get(0)).as("first tail's last lines %s; second tail's first %s; second tail's log %s; positions %s",
        first.out.subList(Math.max(0, first.out.size() - 2), first.out.size()), after.subList(0, Math.min(3, after.size())),
        second.err, Files.readAllLines(dir.resolve("tail-state/positions/audit/positions.log")).stream()
            .map(l -> l.split(" ")[3]).toList()).isBetween(last, last + 1);
    List<Integer> all = new ArrayList<>(before);
    all.addAll(after.get(0) == last ? after.subList(1, after.size()) : after);
    assertThat(all).containsExactlyElementsOf(range(1, 210));
    assertThat(second.err).noneMatch(l -> l.contains("lost:"));
  }

  @Test
  void outboxSmallerThanWhatWasMissed_theExactLostRangeIsReported() throws Exception {
    startLogger(20);
    Tail first = startTail("--count", "50");
    publish(50);
    assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    first.drained();
    List<Integer> before = first.seqs();
    int last = before.get(before.size() - 1);
    assertThat(last).isEqualTo(before.size());
    publish(150);   // 51..200 while no tail runs; the outbox keeps the newest 20
    Tail second = startTail();
    publish(1);     // 201: the outbox now holds 182..201
    second.awaitLine(201);
    // what the outbox still held came back in order; the rest is reported with its exact range
    assertThat(second.seqs()).containsExactlyElementsOf(range(182, 201));
    String lost = "lost: " + (181 - last) + " message(s) of the publisher signing as shell";
    await(() -> second.err.stream().anyMatch(l -> l.contains(lost)), new Object() {
      @Override
      public String toString() {
        return "the loss reported (" + lost + "); the tail's log: " + second.err;
      }
    });
    assertThat(second.err).anyMatch(l -> l.contains(lost) && l.contains(" seq " + (last + 1) + "..181: missing"));
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }

  private void startLogger(int outboxMessages) throws Exception {
    Path config = dir.resolve("logger.yaml");
    Files.writeString(config, config("logger-state") + "outbox.max_messages: " + outboxMessages + "\n");
    logger = CommandsProcessIT.fedmsg("logger", "--config", config.toString(), "--endpoint", publishUrl,
        "--topic", "line").start();
    loggerIn = logger.getOutputStream();
    BufferedReader err = new BufferedReader(new InputStreamReader(logger.getErrorStream(), StandardCharsets.UTF_8));
    CommandsProcessIT.readLineMatching(err, Pattern.compile("^logger: publishing from"));
    Thread drain = new Thread(() -> {
      try {
        for (String l; (l = err.readLine()) != null; ) {
          lines.add("logger: " + l);
        }
      } catch (java.io.IOException e) {
        // ended
      }
    });
    drain.setDaemon(true);
    drain.start();
  }

  private void publish(int count) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < count; i++) {
      b.append("n ").append(next++).append('\n');
    }
    loggerIn.write(b.toString().getBytes(StandardCharsets.UTF_8));
    loggerIn.flush();
  }

  private String config(String state) {
    StringBuilder c = new StringBuilder();
    c.append("endpoints:\n  logger: [\"").append(publishUrl).append("\"]\n");
    c.append("replay_endpoints:\n  logger: \"").append(replayUrl).append("\"\n");
    c.append("critical_topics: [\"logger.*\"]\n");
    c.append("state_dir: \"").append(dir.resolve(state)).append("\"\n");
    c.append("sign_messages: true\nvalidate_signatures: true\nwire_format: fedmsg2\n");
    c.append("ssldir: \"").append(pki.ssldir()).append("\"\n");
    c.append("ca_cert_location: \"").append(pki.caCertificate()).append("\"\n");
    c.append("crl_location: \"").append(pki.crl()).append("\"\n");
    c.append("certnames:\n");
    pki.certnames().forEach((k, v) -> c.append("  \"").append(k).append("\": \"").append(v).append("\"\n"));
    return c.toString();
  }

  /** A running {@code fedmsg tail --json --durable-name audit}, its output collected. */
  private final class Tail {
    final Process process;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();
    final Thread outReader;

    Tail(Process process) throws Exception {
      this.process = process;
      BufferedReader e = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      err.add(CommandsProcessIT.readLineMatching(e, Pattern.compile("^fedmsg tail: listening on 1 endpoint")));
      reader(e, err).start();
      outReader = reader(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
          out);
      outReader.start();
    }

    private Thread reader(BufferedReader r, List<String> into) {
      Thread t = new Thread(() -> {
        try {
          for (String l; (l = r.readLine()) != null; ) {
            into.add(l);
          }
        } catch (java.io.IOException ignored) {
          // the process ended
        }
      });
      t.setDaemon(true);
      return t;
    }

    void awaitLine(int n) throws Exception {
      await(() -> seqs().contains(n), new Object() {
        @Override
        public String toString() {
          return "line " + n + " shown; shown " + seqs() + "; the tail's log: " + err;
        }
      });
    }

    void drained() throws InterruptedException {
      outReader.join(10_000);
    }

    List<Integer> seqs() {
      List<Integer> s = new ArrayList<>();
      Pattern p = Pattern.compile("\"log\":\"n (\\d+)\"");
      for (String l : out) {
        Matcher m = p.matcher(l);
        if (m.find()) {
          s.add(Integer.parseInt(m.group(1)));
        }
      }
      return s;
    }
  }

  private Tail startTail(String... more) throws Exception {
    Path config = dir.resolve("tail.yaml");
    Files.writeString(config, config("tail-state"));
    List<String> args = new ArrayList<>(List.of("tail", "--config", config.toString(), "--json", "--durable-name",
        "audit", "--timeout", "200"));
    args.addAll(List.of(more));
    Tail t = new Tail(CommandsProcessIT.fedmsg(args.toArray(new String[0])).start());
    tails.add(t.process);
    return t;
  }

  /** Waits for a condition (up to 60 s: the processes verify every message on a shared machine). */
  private static void await(java.util.function.BooleanSupplier condition, Object what) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
