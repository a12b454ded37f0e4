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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.testing.RawZmtp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Issue 10 item 4: three unauthenticated TCP connections complete a ZMTP 3 NULL handshake with a
 * real {@code fedmsg relay} process (64 MB heap) and announce a 2 GB frame. JeroMQ allocates what
 * a frame header announces, so without a message size limit the relay's only I/O thread died of
 * {@code OutOfMemoryError}, forwarded nothing more and ignored SIGTERM.
 */
@Timeout(180)
class OversizedFrameAttackIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final String TOPIC = "org.fedoraproject.dev.attack.witness";
  private static final long HUGE = 0x7FFF_FFF0L;

  @Test
  void hugeFrameHeaders_peersDropped_goodTrafficFlowsDuringAndAfter_sigtermEnds(@TempDir Path dir) throws Exception {
    RelayProcess relay = RelayProcess.start(dir, "validate_signatures: false\n");
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket pub = relay.rawPublisher(ctx);
      ZMQ.Socket sub = relay.rawSubscriber(ctx);
      warmUp(pub, sub);

      List<RawZmtp> attackers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        attackers.add(RawZmtp.connect(relay.inboundPort(), "PUB", 60_000));
      }
      Set<Integer> expected = new HashSet<>();
      sendBatch(pub, 0, 50, expected);           // before the headers
      for (RawZmtp s : attackers) {
        s.announceFrame(HUGE);
      }
      sendBatch(pub, 50, 100, expected);         // while the relay reads the headers
      for (RawZmtp s : attackers) {
        assertThat(s.droppedByPeer()).as("the relay closed the attacking connection").isTrue();
        s.close();
      }
      sendBatch(pub, 100, 150, expected);        // after
      Set<Integer> received = receive(sub, expected.size());
      assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(relay.process.isAlive()).isTrue();
      relay.awaitLine("disconnected");
      relay.process.destroy();  // SIGTERM
      assertThat(relay.process.waitFor(60, TimeUnit.SECONDS)).as("SIGTERM ends the relay").isTrue();
    } finally {
      relay.process.destroyForcibly();
    }
  }

  @Test
  void noLimit_ioThreadDiesOfOutOfMemory_processExitsNonZero(@TempDir Path dir) throws Exception {
    // max_message_size: 0 is the reference's unlimited behaviour: the attack then kills the I/O
    // thread, and the process must end (for systemd to restart it) rather than linger as a zombie.
    RelayProcess relay = RelayProcess.start(dir, "validate_signatures: false\nmax_message_size: 0\n");
    try {
      RawZmtp s = RawZmtp.connect(relay.inboundPort(), "PUB", 60_000);
      s.announceFrame(HUGE);
      assertThat(relay.process.waitFor(90, TimeUnit.SECONDS)).as("the relay exits by itself").isTrue();
      assertThat(relay.process.exitValue()).isEqualTo(ProcessGuard.EXIT_FATAL);
      relay.awaitLine("I/O thread");
    } finally {
      relay.process.destroyForcibly();
    }
  }

  /* --------------- good traffic --------------- */

  private static byte[] body(String n) {
    return ("{\"i\":1,\"msg\":{\"n\":\"" + n + "\"},\"timestamp\":1,\"topic\":\"" + TOPIC + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Sends warm-up messages until one comes back through the relay (PUB/SUB joins take a moment). */
  private static void warmUp(ZMQ.Socket pub, ZMQ.Socket sub) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      pub.sendMore(TOPIC);
      pub.send(body("warm-up"));
      byte[] topic = sub.recv();
      if (topic != null) {
        while (sub.hasReceiveMore()) {
          sub.recv();
        }
        // drain the rest of the warm-up messages
        while (sub.recv(ZMQ.DONTWAIT) != null) {
          // discard
        }
        return;
      }
    }
    throw new AssertionError("no message came through the relay within 60 s");
  }

  private static void sendBatch(ZMQ.Socket pub, int from, int to, Set<Integer> expected) {
    for (int n = from; n < to; n++) {
      pub.sendMore(TOPIC);
      pub.send(body(Integer.toString(n)));
      expected.add(n);
    }
  }

  /** Receives until {@code count} numbered messages have arrived or 60 s have passed. */
  private static Set<Integer> receive(ZMQ.Socket sub, int count) {
    Set<Integer> got = new HashSet<>();
    Pattern number = Pattern.compile("\"n\":\"(\\d+)\"");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (got.size() < count && System.nanoTime() < deadline) {
      byte[] topic = sub.recv();
      if (topic == null) {
        continue;
      }
      byte[] body = sub.hasReceiveMore() ? sub.recv() : new byte[0];
      Matcher m = number.matcher(new String(body, StandardCharsets.UTF_8));
      if (m.find()) {
        got.add(Integer.parseInt(m.group(1)));
      }
    }
    return got;
  }

  /* --------------- the relay process --------------- */

  /**
   * {@code fedmsg relay} in its own JVM with a 64 MB heap, bound to ephemeral loopback ports, with
   * {@code extraConfig} appended to its configuration; its output is collected line by line.
   */
  static final class RelayProcess {
    final Process process;
    final String inbound;
    final String outbound;
    final List<String> lines = new CopyOnWriteArrayList<>();

    private RelayProcess(Process process, String inbound, String outbound) {
      this.process = process;
      this.inbound = inbound;
      this.outbound = outbound;
    }

    static RelayProcess start(Path dir, String extraConfig) throws IOException {
      Path config = dir.resolve("fedmsg.yaml");
      Files.writeString(config, "relay_inbound: \"tcp://127.0.0.1:*\"\n"
          + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\n" + extraConfig);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx64m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp",
          TARGET.resolve("fedmsg-cli.jar") + File.pathSeparator + TARGET.resolve("lib") + File.separator + "*",
          "org.fedmsg.cli.Main", "relay", "--config", config.toString()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      Pattern endpoints = Pattern.compile("^relay: inbound (\\S+) outbound (\\S+)");
      for (String line; (line = out.readLine()) != null; ) {
        Matcher m = endpoints.matcher(line);
        if (m.find()) {
          RelayProcess relay = new RelayProcess(p, m.group(1), m.group(2));
          Thread drain = new Thread(() -> {
            try {
              for (String l; (l = out.readLine()) != null; ) {
                relay.lines.add(l);
              }
            } catch (IOException e) {
              // the process ended
            }
          }, "relay-output");
          drain.setDaemon(true);
          drain.start();
          return relay;
        }
      }
      throw new AssertionError("the relay ended before printing its endpoints");
    }

    /** A plain PUB socket connected to the relay's inbound endpoint. */
    ZMQ.Socket rawPublisher(ZContext ctx) {
      ZMQ.Socket pub = ctx.createSocket(SocketType.PUB);
      pub.connect(inbound);
      return pub;
    }

    /** A plain SUB socket of everything the relay forwards; receives time out after 100 ms. */
    ZMQ.Socket rawSubscriber(ZContext ctx) {
      ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
      sub.setReceiveTimeOut(100);
      sub.subscribe(new byte[0]);
      sub.connect(outbound);
      return sub;
    }

    int inboundPort() {
      return Integer.parseInt(inbound.substring(inbound.lastIndexOf(':') + 1));
    }

    /** Waits (up to 30 s) for an output line containing {@code text}. */
    void awaitLine(String text) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (lines.stream().noneMatch(l -> l.contains(text))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no relay output line contains '" + text + "':\n" + String.join("\n", lines));
        }
        Thread.sleep(20);
      }
    }
  }
}
