package org.fedmsg.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real dnsmasq on a loopback port, serving the lines the test gives it. Without a dnsmasq binary the test
 * is skipped, or fails when CI demands the tool (see {@link ExternalTools}).
 */
public final class Dnsmasq implements AutoCloseable {

  private static final String READY = "_ready.fedmsg.test";

  private final Path dir;
  private final int port;
  private Process process;
  private int generation;

  private Dnsmasq(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  private static String binary() {
    return ExternalTools.dnsmasq().toString();
  }

  /** Starts dnsmasq on a free loopback port with these configuration lines. */
  public static Dnsmasq start(Path dir, String... lines) throws Exception {
    binary();
    Dnsmasq d = new Dnsmasq(dir, freePort());
    d.launch(List.of(lines));
    return d;
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Stops it and starts it again on the same port with new lines (dnsmasq rereads srv/txt only at start). */
  public void restart(String... lines) throws Exception {
    stop();
    launch(List.of(lines));
  }

  private void launch(List<String> lines) throws Exception {
    List<String> conf = new ArrayList<>(lines);
    conf.add("txt-record=" + READY + ",\"ready\"");
    Path file = dir.resolve("dnsmasq-" + port + "-" + (++generation) + ".conf");
    Files.write(file, conf);
    List<String> cmd = new ArrayList<>(List.of(binary(), "--port=" + port, "--listen-address=127.0.0.1",
        "--bind-interfaces", "--no-daemon", "--no-resolv", "--no-hosts", "--pid-file=", "--log-facility=-",
        "--log-queries", "--conf-file=" + file));
    if ("root".equals(System.getProperty("user.name"))) {
      // As root dnsmasq would switch to "nobody"; staying root keeps the test independent of that account.
      cmd.add("--user=root");
    }
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("dnsmasq-" + port + "-" + generation + ".log").toFile()).start();
    awaitReady(file);
  }

  private void awaitReady(Path file) throws Exception {
    SimpleResolver r = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    r.setTimeout(Duration.ofMillis(200));
    Message q = Message.newQuery(Record.newRecord(Name.fromString(READY + "."), Type.TXT, DClass.IN));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("dnsmasq exited: " + Files.readString(logFile()) + " config " + file);
      }
      try {
        if (!r.send(q).getSection(org.xbill.DNS.Section.ANSWER).isEmpty()) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("dnsmasq did not start: " + Files.readString(logFile()));
  }

  Path logFile() {
    return dir.resolve("dnsmasq-" + port + "-" + generation + ".log");
  }

  private void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      process = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  /** A port free for both UDP and TCP on loopback at the time of the call. */
  public static int freePort() throws IOException {
    for (int i = 0; i < 20; i++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = tcp.getLocalPort();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), p))) {
          return p;
        } catch (IOException e) {
          // UDP side taken; try another
        }
      }
    }
    throw new IOException("no free loopback port");
  }
}
