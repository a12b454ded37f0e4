package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.discovery.curve.CurveSockets;
import org.fedmsg.discovery.curve.ZapHandler;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Reproducer and stress test for JeroMQ's stalled handshake ({@code docs/architecture.md},
 * "JeroMQ's stalled handshake"). Out of the default run (tag {@code soak}); run it with
 *
 * <pre>
 * mvn -B -pl core -am verify -Pstress -Dtest=HandshakeStallStressTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>Each run opens thousands of TCP connections on loopback while every core is kept busy. A
 * connecting context holds many idle connections (so that its I/O thread's poll-set re-scan takes
 * long enough to be hit), then, trial after trial, connects one more socket while another socket
 * of the same context binds: the bind's command to the I/O thread can then be processed in the
 * same poller round as the new connection's completion, which is what leaves JeroMQ 0.5.4's new
 * engine outside the selector. A trial counts as a stall when the publisher has not received the
 * trial's subscription (the first message after the handshake) within {@link #STALL_MILLIS}:
 * far longer than any handshake takes here, and shorter than JeroMQ's own 30 s default limit.
 *
 * <p>{@code -Dfedmsg.stress.scale=0.2} shortens a run (default 1).
 */
@Tag("soak")
class HandshakeStallStressTest {
  private static final long STALL_MILLIS = 8_000;
  private static final double SCALE = Double.parseDouble(System.getProperty("fedmsg.stress.scale", "1"));
  /** Idle connections held by the connecting context: the longer its re-scan, the wider the window. */
  private static final int IDLE = 1000;
  private static final int IDLE_STEP = 20;
  private static final int STAGGER_MICROS = 3000;
  private static volatile long sink;

  /** What one run saw. */
  record Figures(String what, int trials, int stalls, int healedByUnrelatedChange, long slowestMillis,
      int overHandshakeLimit) {
    @Override
    public String toString() {
      return what + ": " + stalls + " stalls in " + trials + " handshakes (" + healedByUnrelatedChange
          + " completed right after an unrelated poll-set change), slowest completed handshake " + slowestMillis
          + " ms, " + overHandshakeLimit + " took longer than the " + SocketOptions.HANDSHAKE_IVL_MILLIS + " ms limit";
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void withoutTheHandshakeLimitEveryStallIsAnEngineLeftOutOfThePoller() throws Exception {
    Figures f = run("SUB->XPUB, plain, no handshake limit", trials(1000), false, false,
        s -> SocketOptions.DEFAULTS.applyToSubscriber(s), s -> s.setHandshakeIvl(0));
    System.out.println(f);
    // The cause, confirmed on each stall: the connection completes as soon as anything else
    // changes the poll set of the same I/O thread (the poller's next re-scan registers the
    // engine's channel), so the engine was waiting for events its channel was not polled for.
    assertThat(f.healedByUnrelatedChange()).as(f.toString()).isEqualTo(f.stalls());
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void subscribersWithTheShippedOptionsNeverStall() throws Exception {
    Figures f = run("SUB->XPUB, plain, shipped options", trials(2000), false, true,
        s -> SocketOptions.DEFAULTS.applyToSubscriber(s), s -> { });
    System.out.println(f);
    assertThat(f.stalls()).as(f.toString()).isZero();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void curveSubscribersWithTheShippedOptionsNeverStall() throws Exception {
    Figures f = run("SUB->XPUB, CURVE, shipped options", trials(500), true, true,
        s -> SocketOptions.DEFAULTS.applyToSubscriber(s), s -> { });
    System.out.println(f);
    assertThat(f.stalls()).as(f.toString()).isZero();
  }

  private static int trials(int n) {
    return Math.max(10, (int) (n * SCALE));
  }

  /**
   * @param limit whether the shipped handshake limit is in force (it decides what a stall is:
   *     without it a stall is also checked for its cause)
   * @param clientOptions applied to every connecting socket, before {@code override}
   * @param override applied to every socket after the shipped options
   */
  private static Figures run(String what, int trials, boolean curve, boolean limit, Consumer<ZMQ.Socket> clientOptions,
      Consumer<ZMQ.Socket> override) throws Exception {
    List<Thread> load = new ArrayList<>();
    AtomicInteger stop = new AtomicInteger();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      Thread t = new Thread(() -> {
        long x = 0;
        while (stop.get() == 0) {
          x += System.nanoTime() % 7;  // keep the core busy: the stall needs a preempted I/O thread
        }
        sink = x;
      }, "cpu-load-" + i);
      t.setDaemon(true);
      t.start();
      load.add(t);
    }
    CurveKeyPair serverKeys = curve ? CurveKeyPair.generate("stress-server") : null;
    CurveKeyPair clientKeys = curve ? CurveKeyPair.generate("stress-client") : null;
    try (ZContext serverContext = new ZContext(1); ZContext clientContext = new ZContext(1)) {
      serverContext.getContext().setMaxSockets(4096);
      clientContext.getContext().setMaxSockets(4096);
      ZapHandler zap = curve ? ZapHandler.start(serverContext, null, "stress") : null;
      Set<String> subscriptions = ConcurrentHashMap.newKeySet();
      AtomicInteger idleUp = new AtomicInteger();
      // The idle connections only make the connecting I/O thread's re-scan long: plain, on a
      // publisher of their own. The trials connect to the publisher under test.
      ZMQ.Socket idlePublisher = serverContext.createSocket(SocketType.XPUB);
      SocketOptions.DEFAULTS.applyToPublisher(idlePublisher);
      override.accept(idlePublisher);
      idlePublisher.setXpubVerbose(true);  // every connection's subscription, duplicates included
      idlePublisher.setReceiveTimeOut(100);
      List<String> idleEndpoints = new ArrayList<>();
      for (int i = 0; i < IDLE; i++) {
        idlePublisher.bind("tcp://127.0.0.1:*");
        idleEndpoints.add(idlePublisher.getLastEndpoint());
      }
      ZMQ.Socket publisher = serverContext.createSocket(SocketType.XPUB);
      SocketOptions.DEFAULTS.applyToPublisher(publisher);
      override.accept(publisher);
      publisher.setXpubVerbose(true);
      publisher.setReceiveTimeOut(100);
      if (curve) {
        CurveSockets.server(publisher, serverKeys, "stress");
      }
      publisher.bind("tcp://127.0.0.1:*");
      String trialEndpoint = publisher.getLastEndpoint();
      Thread idleServer = subscriptionReader(idlePublisher, stop, topic -> idleUp.incrementAndGet());
      Thread server = subscriptionReader(publisher, stop, subscriptions::add);

      List<ZMQ.Socket> idle = new ArrayList<>();
      ZMQ.Socket idleSocket = clientContext.createSocket(SocketType.SUB);
      clientOptions.accept(idleSocket);
      override.accept(idleSocket);
      idleSocket.subscribe("idle");
      idle.add(idleSocket);
      // A few at a time: a burst of a thousand handshakes on one I/O thread takes longer than the
      // handshake limit on a loaded machine, and would measure that instead of the stall.
      long idleDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      for (int i = 1; i <= IDLE; i++) {
        idleSocket.connect(idleEndpoints.get(i - 1));
        while (idleUp.get() < i - IDLE_STEP) {
          assertThat(System.nanoTime()).as(what + ": idle connections up after 10 min: " + idleUp.get())
              .isLessThan(idleDeadline);
          idleSocket.recv(ZMQ.DONTWAIT);
          Thread.sleep(2);
        }
      }
      while (idleUp.get() < IDLE) {
        assertThat(System.nanoTime()).as(what + ": idle connections up after 10 min: " + idleUp.get())
            .isLessThan(idleDeadline);
        idleSocket.recv(ZMQ.DONTWAIT);
        Thread.sleep(2);
      }
      System.out.println(what + ": " + IDLE + " idle connections up");
      Random random = new Random(12);
      int stalls = 0;
      int healed = 0;
      int overLimit = 0;
      long slowest = 0;
      for (int t = 0; t < trials; t++) {
        String topic = "trial-" + t;
        ZMQ.Socket trial = clientContext.createSocket(SocketType.SUB);
        clientOptions.accept(trial);
        override.accept(trial);
        if (curve) {
          CurveSockets.client(trial, clientKeys, serverKeys.publicKey());
        }
        trial.subscribe(topic);
        long start = System.nanoTime();
        trial.connect(trialEndpoint);
        busyWaitMicros(random.nextInt(STAGGER_MICROS + 1));
        ZMQ.Socket other = clientContext.createSocket(SocketType.PULL);  // what a bus does as it starts
        other.setLinger(0);
        other.bind("tcp://127.0.0.1:*");
        boolean done = awaitSubscription(subscriptions, topic, trial, start + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (done) {
          slowest = Math.max(slowest, millis);
          if (millis > SocketOptions.HANDSHAKE_IVL_MILLIS) {
            overLimit++;
          }
        } else {
          stalls++;
          // Change the I/O thread's poll set with something unrelated to the stalled connection.
          ZMQ.Socket unrelated = clientContext.createSocket(SocketType.PULL);
          unrelated.setLinger(0);
          unrelated.bind("tcp://127.0.0.1:*");
          if (awaitSubscription(subscriptions, topic, trial, System.nanoTime() + TimeUnit.SECONDS.toNanos(3))) {
            healed++;
          }
          clientContext.destroySocket(unrelated);
        }
        clientContext.destroySocket(other);
        clientContext.destroySocket(trial);
      }
      stop.set(1);
      server.join(5_000);
      idleServer.join(5_000);
      for (ZMQ.Socket s : idle) {
        clientContext.destroySocket(s);
      }
      if (zap != null) {
        zap.close();
      }
      return new Figures(what + (limit ? "" : " (JeroMQ 0.5.4 as is)"), trials, stalls, healed, slowest, overLimit);
    } finally {
      stop.set(1);
      for (Thread t : load) {
        t.join(5_000);
      }
    }
  }

  /** A thread that passes each subscription {@code publisher} receives to {@code sink}, until {@code stop}. */
  private static Thread subscriptionReader(ZMQ.Socket publisher, AtomicInteger stop, Consumer<String> sink) {
    Thread t = new Thread(() -> {
      while (stop.get() == 0) {
        byte[] m;
        try {
          m = publisher.recv();
        } catch (RuntimeException e) {
          return;  // the context is closing
        }
        if (m != null && m.length > 1 && m[0] == 1) {
          sink.accept(new String(m, 1, m.length - 1, StandardCharsets.UTF_8));
        }
      }
    }, "stress-publisher");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Waits for the publisher to see {@code topic}, reading the trial socket as the bus's receiving thread does. */
  private static boolean awaitSubscription(Set<String> seen, String topic, ZMQ.Socket trial, long deadline)
      throws InterruptedException {
    while (!seen.contains(topic)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      trial.recv(ZMQ.DONTWAIT);  // processes the socket's pending commands, as a poll would
      Thread.sleep(1);
    }
    return true;
  }

  private static void busyWaitMicros(int micros) {
    long until = System.nanoTime() + micros * 1_000L;
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }
}
