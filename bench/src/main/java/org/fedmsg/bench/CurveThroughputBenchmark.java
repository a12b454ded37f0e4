package org.fedmsg.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.discovery.curve.CurveSockets;
import org.fedmsg.discovery.curve.ZapHandler;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Throughput of one publisher to one subscriber over loopback TCP, plain and CURVE, measured in
 * the same run so the ratio is meaningful on a noisy machine. Sockets are configured as the bus
 * configures them (an XPUB CURVE server with a ZAP handler, a SUB CURVE client pinned to the
 * server key); high-water marks are unlimited so no message is dropped and the time is the time
 * to move and (for CURVE) encrypt and decrypt every message.
 *
 * <p>Not a JMH benchmark: one measurement is "send N two-frame messages, wait until the last
 * arrives", repeated; the median of the rounds is reported. Run:
 * <pre>{@code
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/fedmsg-bench-*.jar org.fedmsg.bench.CurveThroughputBenchmark [messages] [rounds]
 * }</pre>
 */
public final class CurveThroughputBenchmark {
  private static final int[] SIZES = {100, 1024};

  private CurveThroughputBenchmark() {}

  /**
   * Runs the comparison and prints a table.
   *
   * @param args optional: messages per round (default 100,000), rounds (default 5)
   * @throws InterruptedException if interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    System.out.printf(Locale.ROOT, "%d messages per round, %d rounds, median reported%n", messages, rounds);
    System.out.printf(Locale.ROOT, "%-8s %14s %14s %8s%n", "size", "plain msg/s", "CURVE msg/s", "ratio");
    for (int size : SIZES) {
      // Warm-up of both paths before measuring either.
      run(false, size, Math.max(1000, messages / 5));
      run(true, size, Math.max(1000, messages / 5));
      double[] plain = new double[rounds];
      double[] curve = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        // Interleaved, so a slow patch of the machine hits both.
        plain[r] = run(false, size, messages);
        curve[r] = run(true, size, messages);
      }
      double p = median(plain);
      double c = median(curve);
      System.out.printf(Locale.ROOT, "%-8s %14.0f %14.0f %7.1fx%n", size + " B", p, c, p / c);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** Messages per second from the first send to the last receive. */
  static double run(boolean curve, int size, int messages) throws InterruptedException {
    CurveKeyPair server = CurveKeyPair.generate("bench-server");
    CurveKeyPair client = CurveKeyPair.generate("bench-client");
    try (ZContext context = new ZContext(1)) {
      ZapHandler zap = curve ? ZapHandler.start(context, null, "bench") : null;
      try {
        ZMQ.Socket pub = context.createSocket(SocketType.XPUB);
        pub.setSndHWM(0);
        pub.setLinger(0);
        if (curve) {
          CurveSockets.server(pub, server, "bench");
        }
        pub.bind("tcp://127.0.0.1:*");
        String endpoint = pub.getLastEndpoint();
        ZMQ.Socket sub = context.createSocket(SocketType.SUB);
        sub.setRcvHWM(0);
        sub.setLinger(0);
        if (curve) {
          CurveSockets.client(sub, client, server.publicKey());
        }
        sub.subscribe("org.fedoraproject".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sub.connect(endpoint);
        pub.recv(); // the subscription: the connection (and handshake) is complete

        byte[] topic = "org.fedoraproject.prod.bench.message".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        CountDownLatch done = new CountDownLatch(1);
        List<Long> end = new ArrayList<>();
        Thread receiver = new Thread(() -> {
          for (int i = 0; i < messages; i++) {
            sub.recv(0);
            sub.recv(0);
          }
          end.add(System.nanoTime());
          done.countDown();
        }, "bench-sub");
        long start = System.nanoTime();
        receiver.start();
        for (int i = 0; i < messages; i++) {
          pub.send(topic, ZMQ.SNDMORE);
          pub.send(body, 0);
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
          throw new IllegalStateException("messages did not all arrive");
        }
        return messages / ((end.get(0) - start) / 1e9);
      } finally {
        if (zap != null) {
          zap.close();
        }
      }
    }
  }
}
