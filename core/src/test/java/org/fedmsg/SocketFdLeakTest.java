package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fedmsg.crypto.CurveKeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Closed sockets give their file descriptors back: a long-running component that opens and
 * closes subscriber sockets (discovery adds and drops publishers, CURVE keys rotate) or whole
 * buses must not run out of descriptors. Counted in {@code /proc/self/fd} across {@value #CYCLES}
 * open/close cycles after a warm-up. Sockets are reaped by JeroMQ's reaper thread after they are
 * closed, so the count is awaited (up to {@value #REAP_SECONDS} s) rather than read once; the
 * bound is generous (other threads of the JVM open descriptors too), a leak of even one
 * descriptor per cycle is far over it. The JeroMQ behaviour the sockets' closing order works
 * around is pinned down too ({@code docs/architecture.md}, "Socket monitors and file descriptors").
 */
@Timeout(300)
class SocketFdLeakTest {
  private static final int CYCLES = 200;
  private static final int WARM_UP = 10;
  /** Descriptors the count may differ by with no leak: far fewer than {@link #CYCLES}. */
  private static final int SLACK = 40;
  private static final int REAP_SECONDS = 20;

  private static final Path FDS = Path.of("/proc/self/fd");

  private static long openFds() throws IOException {
    try (Stream<Path> s = Files.list(FDS)) {
      return s.count();
    }
  }

  private static Bus publisher(CurveKeyPair keys) {
    BusOptions.Builder b = BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false);
    if (keys != null) {
      b.curve(CurveOptions.builder().keyPair(keys).build());
    }
    return Bus.create(b.build());
  }

  @Test
  void subscriberWithItsMonitorGivesItsDescriptorsBack() throws Exception {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd (Linux)");
    try (Bus publisher = publisher(null); ZContext context = new ZContext(1)) {
      String endpoint = publisher.publisherEndpoint();
      assertNoLeak("subscriber (plain socket and its monitor)", () -> {
        ZmqSubscriber sub = new ZmqSubscriber(context, SocketOptions.DEFAULTS, null, frames -> { }, "fd");
        sub.subscribe("org");
        sub.connect(endpoint);
        sub.close();
      });
    }
  }

  @Test
  void curveSubscriberSocketsPerKeyGiveTheirDescriptorsBack() throws Exception {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd (Linux)");
    CurveKeyPair keys = CurveKeyPair.generate("fd-pub");
    try (Bus publisher = publisher(keys); ZContext context = new ZContext(1)) {
      String endpoint = publisher.publisherEndpoint();
      ZmqSubscriber sub = new ZmqSubscriber(context, SocketOptions.DEFAULTS, CurveOptions.builder().build(), null,
          frames -> { }, "fd");
      try {
        sub.subscribe("org");
        // Each connect opens a socket (and monitor) for the key, each disconnect closes them.
        assertNoLeak("CURVE subscriber socket per server key", () -> {
          sub.connect(endpoint, keys.publicKeyZ85());
          sub.disconnect(endpoint);
        });
      } finally {
        sub.close();
      }
    }
  }

  @Test
  void busGivesItsDescriptorsBack() throws Exception {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd (Linux)");
    try (Bus publisher = publisher(null)) {
      String endpoint = publisher.publisherEndpoint();
      assertNoLeak("bus", () -> {
        try (Bus bus = Bus.create(BusOptions.builder().name("sub").endpoint("pub", List.of(endpoint))
            .endpoint("sub", List.of("tcp://127.0.0.1:*")).validateSignatures(false).build())) {
          bus.subscribe("org", m -> { }).close();
        }
      });
    }
  }

  @Test
  void activePublisherWithItsMonitorGivesItsDescriptorsBack() throws Exception {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd (Linux)");
    try (ZContext relayContext = new ZContext(1); ZContext context = new ZContext(1)) {
      ZMQ.Socket relay = relayContext.createSocket(SocketType.SUB);
      relay.bind("tcp://127.0.0.1:*");
      String endpoint = relay.getLastEndpoint();
      assertNoLeak("connecting publisher (its socket and monitor)", () -> {
        ZmqPublisher p = ZmqPublisher.open(context, SocketOptions.DEFAULTS, "fd", List.of(endpoint), true);
        p.flushTimeout(java.time.Duration.ZERO);
        p.close();
      });
      relayContext.destroySocket(relay);
    }
  }

  /**
   * JeroMQ 0.5.4 keeps the descriptors of a monitored socket, of its internal monitor socket and
   * of the socket reading the monitor (a mailbox each: an eventfd, an epoll and a pipe's two ends)
   * until the context closes, when the monitored socket is closed while its monitor runs. Our
   * sockets stop the monitor first ({@link ZmqPublisher#closeMonitor}); this pins the behaviour
   * down, so that a JeroMQ that fixes it shows here.
   */
  @Test
  void jeromqLeaksWhenAMonitoredSocketIsClosedBeforeItsMonitor() throws Exception {
    assumeTrue(Files.isDirectory(FDS), "needs /proc/self/fd (Linux)");
    int n = 50;
    long before;
    long after;
    try (ZContext serverContext = new ZContext(1); ZContext context = new ZContext(1)) {
      ZMQ.Socket server = serverContext.createSocket(SocketType.XPUB);
      server.bind("tcp://127.0.0.1:*");
      String endpoint = server.getLastEndpoint();
      Runnable cycle = () -> {
        ZMQ.Socket socket = context.createSocket(SocketType.SUB);
        String address = "inproc://fd-monitor-" + System.nanoTime();
        socket.monitor(address, ZMQ.EVENT_ALL);
        ZMQ.Socket monitor = context.createSocket(SocketType.PAIR);
        monitor.connect(address);
        socket.connect(endpoint);
        context.destroySocket(socket);  // the monitor still runs
        context.destroySocket(monitor);
      };
      cycle.run();
      before = openFds();
      for (int i = 0; i < n; i++) {
        cycle.run();
      }
      // Given the time the others get to be reaped: what is left then stays until the context closes.
      after = awaitAtMost(before + SLACK, 5);
      System.out.println("JeroMQ, monitored socket closed before its monitor: fds before " + before + ", after " + n
          + " cycles " + after);
    }
    assertThat(after - before).as("descriptors kept by %d sockets closed before their monitors", n)
        .isGreaterThanOrEqualTo(12L * n - SLACK);
  }

  private static void assertNoLeak(String what, Runnable cycle) throws Exception {
    for (int i = 0; i < WARM_UP; i++) {
      cycle.run();
    }
    long before = openFds();
    for (int i = 0; i < CYCLES; i++) {
      cycle.run();
    }
    long after = awaitAtMost(before + SLACK, REAP_SECONDS);
    System.out.println(what + ": fds before " + before + ", after " + CYCLES + " cycles " + after);
    assertThat(after - before).as("descriptors left behind by %d closed: %s", CYCLES, what).isLessThan(SLACK);
  }

  /**
   * Waits until the count is at most {@code bound} (the reaper has caught up) or {@code seconds}
   * have passed; returns the last count. The assertion is the caller's.
   */
  private static long awaitAtMost(long bound, int seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long count = openFds();
    while (count > bound && System.nanoTime() < deadline) {
      Thread.sleep(50);
      count = openFds();
    }
    return count;
  }
}
