package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.Certnames;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.fedmsg.testing.RawZmtp;
import org.fedmsg.testing.TcpProxy;

/**
 * The bus of the chaos tests as real processes: a named {@code fedmsg logger} (an active publisher
 * with a state directory) connecting to a validating {@code fedmsg relay} through a {@link TcpProxy},
 * and two {@code fedmsg tail --json} subscribers, each behind its own proxy. The test breaks links
 * and kills processes; this class keeps what each subscriber printed and reported.
 *
 * <p>Every message is {@code {"log": "line N"}} with N from 1: the publisher publishes nothing else,
 * so within one epoch its {@code seq} is the line number.
 */
final class ChaosBus implements AutoCloseable {
  static final String PUBLISHER = "chaospub";
  static final String TOPIC = "org.fedoraproject.dev.logger.log";
  private static final Pattern LINE = Pattern.compile("\"log\":\"line (\\d+)\"");
  private static final Pattern GAP = Pattern.compile("gap: (\\d+) message\\(s\\)");
  private static final Pattern SUMMARY = Pattern.compile(
      "^fedmsg tail: (\\d+) delivered, (\\d+) missed \\(fedmsg/2 gaps\\), (\\d+) filled by replay, (\\d+) lost");

  /** A tail's counters as {@code --summary} prints them when it stops. */
  record Counters(long delivered, long missed, long filled, long lost) {}

  private final Path dir;
  private final ThrowawayPki pki;
  private final boolean critical;
  private final int publisherReplayPort;
  private final int relayReplayPort;
  final TcpProxy publisherLink;
  final Subscriber first;
  final Subscriber second;
  private Process relay;
  private Process publisher;
  private OutputStream publisherIn;
  private int fed;
  private final List<String> relayOutput = new CopyOnWriteArrayList<>();
  /** Messages the relays logged as missed from upstream and asked for (their inbound gap fill). */
  private final AtomicLong relayGaps = new AtomicLong();

  private ChaosBus(Path dir, boolean critical) throws Exception {
    this.dir = dir;
    this.critical = critical;
    this.pki = ThrowawayPki.create(dir.resolve("pki"), Certnames.shortHostname(), List.of("shell"), KeyType.ED25519,
        false);
    this.publisherReplayPort = freePort();
    this.relayReplayPort = freePort();
    String[] relayEndpoints = startRelay();
    this.publisherLink = TcpProxy.start(RawZmtp.port(relayEndpoints[0]));
    this.first = new Subscriber("first", TcpProxy.start(RawZmtp.port(relayEndpoints[1])));
    this.second = new Subscriber("second", TcpProxy.start(RawZmtp.port(relayEndpoints[1])));
  }

  /**
   * Starts the relay and both subscribers. {@code critical}: the logger's topic is in
   * {@code critical_topics}; otherwise another topic is, so every process still runs its critical
   * machinery (outboxes, statistical markers) while the messages stay statistical.
   */
  static ChaosBus start(Path dir, boolean critical) throws Exception {
    ChaosBus bus = new ChaosBus(dir, critical);
    try {
      bus.first.start();
      bus.second.start();
      return bus;
    } catch (Exception | Error e) {
      bus.close();
      throw e;
    }
  }

  /* --------------- processes --------------- */

  /** Starts the relay with fresh ephemeral publish ports; returns {inbound, outbound}. */
  private String[] startRelay() throws IOException {
    Path config = dir.resolve("relay.yaml");
    Files.writeString(config, config("relay_inbound: \"tcp://127.0.0.1:*\"\n"
        + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\n", dir.resolve("relay-state")));
    ProcessBuilder relayCommand = CommandsProcessIT.fedmsg("relay", "--config", config.toString());
    // its gap fill's "gap: N message(s) ..." lines, counted in relayGapsAsked()
    relayCommand.command().add(1, "-Dorg.slf4j.simpleLogger.log.org.fedmsg.GapFill=info");
    relay = relayCommand.redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("inbound (\\S+) outbound (\\S+)")
        .matcher(CommandsProcessIT.readLineMatching(out, Pattern.compile("^relay: inbound")));
    assertThat(m.find()).isTrue();
    keep(out, relayOutput, relayGaps, "relay-output");
    return new String[] {m.group(1), m.group(2)};
  }

  /** kill -9 of the relay, then a new one on new ports, which the proxies now lead to. */
  void killAndRestartRelay() throws Exception {
    relay.destroyForcibly();
    assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long[] marks = {publisherLink.bytesDown(), first.link.bytesUp(), second.link.bytesUp()};
    String[] endpoints = startRelay();
    publisherLink.retarget(RawZmtp.port(endpoints[0]));
    first.link.retarget(RawZmtp.port(endpoints[1]));
    second.link.retarget(RawZmtp.port(endpoints[1]));
    awaitPublisherLinkUp(marks[0]);
    first.awaitLinkUp(marks[1]);
    second.awaitLinkUp(marks[2]);
  }

  /** Starts the named logger; its standard input is fed by {@link #feed}. */
  void startPublisher() throws IOException, InterruptedException {
    Path config = dir.resolve("publisher.yaml");
    Files.writeString(config, config("relay_inbound: \"" + publisherLink.endpoint() + "\"\n", dir.resolve("publisher-state")));
    long mark = publisherLink.bytesDown();
    publisher = CommandsProcessIT.fedmsg("logger", "--config", config.toString(), "--name", PUBLISHER).start();
    publisherIn = publisher.getOutputStream();
    keep(new BufferedReader(new InputStreamReader(publisher.getErrorStream(), StandardCharsets.UTF_8)),
        new CopyOnWriteArrayList<>(), null, "publisher-stderr");
    CommandsProcessIT.drain(new java.io.InputStreamReader(publisher.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    awaitPublisherLinkUp(mark);
  }

  /** kill -9 of the publisher (what it had not sent stays in its outbox, if it keeps one). */
  void killPublisher() throws InterruptedException {
    publisher.destroyForcibly();
    assertThat(publisher.waitFor(30, TimeUnit.SECONDS)).isTrue();
    publisher = null;
  }

  /** Messages the relays (all of them so far) missed from the publisher and asked its replay endpoint for. */
  long relayGapsAsked() {
    return relayGaps.get();
  }

  /** The publisher's outbox directory: present when the publisher keeps one. */
  Path publisherOutbox() {
    return dir.resolve("publisher-state").resolve("outbox").resolve(PUBLISHER);
  }

  /** Bytes on disk of the publisher's and the relay's outboxes (for the cost in docs/reliability.md). */
  long[] outboxBytes() throws IOException {
    return new long[] {bytesUnder(dir.resolve("publisher-state")), bytesUnder(dir.resolve("relay-state"))};
  }

  private static long bytesUnder(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      long total = 0;
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        total += Files.size(f);
      }
      return total;
    }
  }

  /** Writes lines {@code fed + 1 .. to} to the publisher. */
  void feed(int to) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (int i = fed + 1; i <= to; i++) {
      lines.append("line ").append(i).append('\n');
    }
    publisherIn.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    publisherIn.flush();
    fed = Math.max(fed, to);
  }

  /** The next line is {@code next}: after a publisher restart, where its predecessor stopped. */
  void rewindTo(int next) {
    fed = next - 1;
  }

  int fed() {
    return fed;
  }

  /** Closes the publisher's input and expects it to exit 0 once the relay has taken everything. */
  void finishPublisher() throws Exception {
    publisherIn.close();
    assertThat(publisher.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(publisher.exitValue()).isZero();
  }

  /** Waits until both subscribers have printed line {@code n} or a later one. */
  void awaitBothReached(int n) throws InterruptedException {
    await(() -> first.highest() >= n && second.highest() >= n, 90,
        () -> "subscribers reached line " + n + ": first " + first.highest() + ", second " + second.highest()
            + "; " + publisherLink + " " + first.link + " " + second.link + "; relay said " + relayOutput);
  }

  /**
   * Waits until a new connection through the publisher's link is past the ZMTP greeting (64 bytes)
   * from the relay's side: the handshake and the relay's subscription follow at once, long before
   * the last line of the next chunk is published.
   */
  void awaitPublisherLinkUp(long mark) throws InterruptedException {
    await(() -> publisherLink.openConnections() > 0 && publisherLink.bytesDown() - mark > 64, 60,
        () -> "publisher link not up again: " + publisherLink);
  }

  @Override
  public void close() {
    for (Process p : new Process[] {publisher, relay, first.process, second.process}) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    publisherLink.close();
    first.link.close();
    second.link.close();
  }

  /* --------------- configuration --------------- */

  private String config(String endpoints, Path stateDir) {
    StringBuilder c = new StringBuilder(endpoints);
    c.append("sign_messages: true\nvalidate_signatures: true\nwire_format: fedmsg2\n");
    c.append("ssldir: \"").append(pki.ssldir()).append("\"\n");
    c.append("ca_cert_location: \"").append(pki.caCertificate()).append("\"\n");
    c.append("crl_location: \"").append(pki.crl()).append("\"\n");
    c.append("certnames:\n");
    pki.certnames().forEach((k, v) -> c.append("  \"").append(k).append("\": \"").append(v).append("\"\n"));
    c.append("state_dir: \"").append(stateDir).append("\"\n");
    c.append("critical_topics: [\"").append(critical ? TOPIC : "org.fedoraproject.dev.chaos.never").append("\"]\n");
    c.append("replay_endpoints:\n");
    c.append("  ").append(PUBLISHER).append(": \"tcp://127.0.0.1:").append(publisherReplayPort).append("\"\n");
    c.append("  relay_outbound: \"tcp://127.0.0.1:").append(relayReplayPort).append("\"\n");
    return c.toString();
  }

  /* --------------- subscribers --------------- */

  /** One {@code fedmsg tail --json} behind its own proxy: the lines it printed, the gaps it reported. */
  final class Subscriber {
    final String name;
    final TcpProxy link;
    private Process process;
    private final List<Integer> lines = new CopyOnWriteArrayList<>();
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final AtomicLong gaps = new AtomicLong();
    private Thread stdout;
    private Thread stderr;

    Subscriber(String name, TcpProxy link) {
      this.name = name;
      this.link = link;
    }

    void start() throws Exception {
      Path config = dir.resolve(name + ".yaml");
      Files.writeString(config, config("endpoints:\n  relay_outbound: [\"" + link.endpoint() + "\"]\n",
          dir.resolve(name + "-state")));
      process = CommandsProcessIT.fedmsg("tail", "--config", config.toString(), "--json", "--summary").start();
      BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      CommandsProcessIT.readLineMatching(err, Pattern.compile("^fedmsg tail: listening on 1 endpoint"));
      stderr = keep(err, reports, gaps, name + "-stderr");
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      stdout = new Thread(() -> {
        try {
          for (String l; (l = out.readLine()) != null; ) {
            Matcher m = LINE.matcher(l);
            if (m.find()) {
              lines.add(Integer.parseInt(m.group(1)));
            }
          }
        } catch (IOException e) {
          // the process ended
        }
      }, name + "-stdout");
      stdout.setDaemon(true);
      stdout.start();
      // Its subscription has reached the relay once the proxy carried more than the greeting.
      await(() -> link.openConnections() > 0 && link.bytesUp() > 64, 30, () -> name + " never connected: " + link);
    }

    /** Waits until a new connection is past the subscriber's ZMTP greeting (its subscription follows). */
    void awaitLinkUp(long mark) throws InterruptedException {
      await(() -> link.openConnections() > 0 && link.bytesUp() - mark > 64, 60,
          () -> name + " link not up again: " + link);
    }

    int highest() {
      int max = 0;
      for (int n : lines) {
        max = Math.max(max, n);
      }
      return max;
    }

    /** Stops the tail (SIGTERM) and waits until everything it wrote has been read. */
    void stop() throws InterruptedException {
      // SIGTERM through the handle: Process.destroy() would also close our end of its pipes, and
      // the summary it prints as it stops would be lost.
      process.toHandle().destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      stdout.join(10_000);
      stderr.join(10_000);
    }

    /** The line numbers printed, in the order printed. */
    List<Integer> lines() {
      return new ArrayList<>(lines);
    }

    /** The sum of the gaps reported ({@code gap: N message(s) ...} audit lines). */
    long gapsReported() {
      return gaps.get();
    }

    /** The counters the tail printed as it stopped. */
    Counters counters() {
      for (String l : reports) {
        Matcher m = SUMMARY.matcher(l);
        if (m.find()) {
          return new Counters(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
              Long.parseLong(m.group(4)));
        }
      }
      throw new AssertionError(name + " printed no summary: " + reports);
    }

    /** The tail's standard error (the first 2,000 lines and its summary). */
    List<String> reports() {
      return List.copyOf(reports);
    }
  }

  /* --------------- helpers --------------- */

  /** Reads a process's output on a daemon thread, keeping report lines and summing gap counts. */
  private static Thread keep(BufferedReader reader, List<String> kept, AtomicLong gaps, String name) {
    Thread t = new Thread(() -> {
      try {
        for (String l; (l = reader.readLine()) != null; ) {
          if (kept.size() < 2_000 || l.startsWith("fedmsg tail:")) {
            kept.add(l);
          }
          Matcher m = GAP.matcher(l);
          if (gaps != null && m.find()) {
            gaps.addAndGet(Long.parseLong(m.group(1)));
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }


  static void await(BooleanSupplier condition, int seconds, java.util.function.Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("after " + seconds + " s: " + what.get());
      }
      Thread.sleep(20);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
