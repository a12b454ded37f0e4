package org.fedmsg.bench;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.loadgen.BenchReport;
import org.fedmsg.loadgen.BenchSpec;
import org.fedmsg.loadgen.LoadGenerator;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The end-to-end targets of {@code docs/performance.md}, every figure and its limits measured in
 * one JVM, rounds interleaved so that the shared machine's load moves both sides of each ratio:
 *
 * <ol>
 *   <li>raw Ed25519 sign and verify rates (Bouncy Castle, the provider the project uses) over a
 *       1 KB message, and the raw JeroMQ PUB/SUB rate of 1 KB messages;
 *   <li>verification throughput of a subscriber bus with {@code verify_threads} 1 and 2, fed
 *       pre-signed fedmsg/2 frames from a raw socket (so signing is not part of it);
 *   <li>{@code fedmsg bench pubsub}: one publisher, one subscriber, 1 KB, fedmsg/2 Ed25519,
 *       unpaced, then paced at half the rate it reached, for the p99 latency; then unpaced with
 *       the subscriber verifying on one thread (one verifying core, the publisher on the other).
 * </ol>
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar org.fedmsg.bench.EndToEndBenchmark [rounds] [messages]
 * }</pre>
 */
public final class EndToEndBenchmark {
  private static final int SIZE = 1024;
  /** Large enough that nothing in a run is dropped: the rates are what the receivers sustain. */
  private static final int HWM = 10_000_000;

  private EndToEndBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int messages = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    TestPki.Issued ca = TestPki.rootCa("bench ca").build();
    TestPki.Issued leaf = ca.issue("bench.example.org").keyType(TestPki.KeyType.ED25519).build();
    Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
    int cores = Runtime.getRuntime().availableProcessors();
    String[] names = {"raw sign", "raw verify", "raw zmq 1KB", "verify 1 thread", "verify 2 threads",
        "bench pubsub", "p99 at half rate (us)", "bench pubsub, 1 verifier", "raw zmq p99 at that rate (us)"};
    double[][] r = new double[names.length][rounds];
    for (int round = 0; round < rounds; round++) {
      r[0][round] = rawSign(leaf);
      r[1][round] = rawVerify(leaf);
      r[2][round] = CurveThroughputBenchmark.run(false, SIZE, 50_000);
      // Receivers refuse messages signed before they started (their replay memory starts then):
      // the verifiers exist before the messages are recorded.
      try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).build());
          MessageVerifier one = verifier(trust);
          MessageVerifier two = verifier(trust)) {
        List<byte[][]> frames = record(signer, messages);
        r[3][round] = verification(frames, 1, one);
        r[4][round] = verification(frames, 2, two);
      }
      BenchReport max = LoadGenerator.pubsub(BenchSpec.builder().size(SIZE).messages(messages).highWaterMark(HWM).build(),
          LoadGenerator.Progress.NONE);
      r[5][round] = max.receiveRate();
      long half = Math.max(1, (long) (max.receiveRate() / 2));
      BenchReport paced = LoadGenerator.pubsub(BenchSpec.builder().size(SIZE).duration(Duration.ofSeconds(10))
          .rate(half).build(), LoadGenerator.Progress.NONE);
      r[6][round] = paced.latency().p99();
      // The transport alone at the same rate, size and duration: its tail is a floor for the bus's.
      r[8][round] = rawLatencyP99Micros(half, Duration.ofSeconds(10));
      // The subscriber verifying on one core, the publisher signing on the other: one verifying core.
      r[7][round] = LoadGenerator.pubsub(BenchSpec.builder().size(SIZE).messages(messages).highWaterMark(HWM)
          .verifyThreads(1).build(), LoadGenerator.Progress.NONE).receiveRate();
      System.out.printf(Locale.ROOT, "round %d: %s; paced at %d/s: %s, lost %d%n", round + 1,
          Arrays.toString(column(r, round)), half, paced.latency(), paced.lost());
    }
    System.out.printf(Locale.ROOT, "%nmedians of %d rounds, %d cores, load average %s%n", rounds, cores,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    double[] med = new double[names.length];
    for (int i = 0; i < names.length; i++) {
      med[i] = median(r[i]);
      System.out.printf(Locale.ROOT, "  %-22s %,12.0f%n", names[i], med[i]);
    }
    // Ratios are taken within each round (both sides under the same load), then the median.
    double[] e2e = new double[rounds];
    double[] e2eOne = new double[rounds];
    double[] shared = new double[rounds];
    double[] scaling = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      double limit = Math.min(r[0][i], Math.min(r[1][i] * Math.min(cores, 2), r[2][i]));
      e2e[i] = r[5][i] / limit;
      e2eOne[i] = r[7][i] / Math.min(r[0][i], Math.min(r[1][i], r[2][i]));
      // Both ends on the same cores: every message costs one signature and one verification of
      // CPU, so no bus on this machine can exceed cores / (1/sign + 1/verify) messages per second.
      shared[i] = r[5][i] / (Math.min(cores, 2) / (1 / r[0][i] + 1 / r[1][i]));
      scaling[i] = r[4][i] / r[3][i];
    }
    System.out.printf(Locale.ROOT, "  bench pubsub / min(sign, verify x cores, zmq): per round %s, median %.2f%n",
        Arrays.toString(e2e), median(e2e));
    System.out.printf(Locale.ROOT, "  bench pubsub, 1 verifier / min(sign, verify x 1, zmq): per round %s, median %.2f%n",
        Arrays.toString(e2eOne), median(e2eOne));
    System.out.printf(Locale.ROOT, "  bench pubsub / (cores / (1/sign + 1/verify)): per round %s, median %.2f%n",
        Arrays.toString(shared), median(shared));
    double[] tail = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      tail[i] = r[6][i] / Math.max(1, r[8][i]);
    }
    System.out.printf(Locale.ROOT, "  p99 at half rate / raw zmq p99 at that rate: per round %s, median %.2f%n",
        Arrays.toString(tail), median(tail));
    System.out.printf(Locale.ROOT, "  verify 2 threads / 1 thread: per round %s, median %.2f%n",
        Arrays.toString(scaling), median(scaling));
  }

  private static double[] column(double[][] r, int round) {
    double[] c = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      c[i] = Math.round(r[i][round]);
    }
    return c;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static byte[] data() {
    byte[] d = new byte[SIZE + 300];
    Arrays.fill(d, (byte) 'x');
    return d;
  }

  private static double rawSign(TestPki.Issued leaf) throws Exception {
    Signature s = Signature.getInstance("Ed25519", new BouncyCastleProvider());
    s.initSign(bcPrivate(leaf.privateKey()));
    byte[] d = data();
    return rate(() -> {
      s.update(d);
      s.sign();
    });
  }

  private static double rawVerify(TestPki.Issued leaf) throws Exception {
    BouncyCastleProvider bc = new BouncyCastleProvider();
    Signature signing = Signature.getInstance("Ed25519", bc);
    signing.initSign(bcPrivate(leaf.privateKey()));
    byte[] d = data();
    signing.update(d);
    byte[] sig = signing.sign();
    PublicKey pub = KeyFactory.getInstance("Ed25519", bc)
        .generatePublic(new X509EncodedKeySpec(leaf.certificate().getPublicKey().getEncoded()));
    Signature v = Signature.getInstance("Ed25519", bc);
    return rate(() -> {
      v.initVerify(pub);
      v.update(d);
      if (!v.verify(sig)) {
        throw new IllegalStateException("does not verify");
      }
    });
  }

  private static PrivateKey bcPrivate(PrivateKey key) throws Exception {
    return KeyFactory.getInstance("Ed25519", new BouncyCastleProvider())
        .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
  }

  private interface Op {
    void run() throws Exception;
  }

  /** Operations per second over about two seconds, after half a second of warm-up. */
  private static double rate(Op op) throws Exception {
    long warm = System.nanoTime() + 500_000_000L;
    while (System.nanoTime() < warm) {
      op.run();
    }
    long start = System.nanoTime();
    long n = 0;
    while (System.nanoTime() - start < 2_000_000_000L) {
      op.run();
      n++;
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * The p99 latency, in microseconds, of raw JeroMQ PUB/SUB over loopback TCP: 1 KB messages sent
   * by one thread at {@code rate} per second (paced as {@code fedmsg bench} paces), received by
   * another, for {@code duration}; the send time travels in the message.
   */
  private static double rawLatencyP99Micros(long rate, Duration duration) throws Exception {
    org.HdrHistogram.Histogram latencies = new org.HdrHistogram.Histogram(60_000_000L, 3);
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket pub = ctx.createSocket(SocketType.PUB);
      pub.setSndHWM(0);
      pub.bind("tcp://127.0.0.1:*");
      ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
      sub.setRcvHWM(0);
      sub.subscribe(new byte[0]);
      sub.connect(pub.getLastEndpoint());
      sub.setReceiveTimeOut(100);
      byte[] msg = new byte[SIZE];
      while (sub.recv() == null) {  // until the subscription has reached the publisher
        pub.send(msg);
      }
      while (sub.recv(ZMQ.DONTWAIT) != null) {
        // the rest of the warm-up
      }
      long count = rate * duration.toSeconds();
      Thread receiver = new Thread(() -> {
        sub.setReceiveTimeOut(5_000);
        for (long i = 0; i < count; i++) {
          byte[] got = sub.recv();
          if (got == null) {
            return;
          }
          long sent = java.nio.ByteBuffer.wrap(got).getLong();
          latencies.recordValue(Math.max(0, (System.nanoTime() - sent) / 1000));
        }
      });
      receiver.start();
      double interval = 1e9 / rate;
      long start = System.nanoTime();
      for (long i = 0; i < count; i++) {
        long due = start + (long) (i * interval);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        java.nio.ByteBuffer.wrap(msg).putLong(System.nanoTime());
        pub.send(msg);
      }
      receiver.join();
    }
    return latencies.getValueAtPercentile(99);
  }

  /** Signed fedmsg/2 frames as a publisher bus sends them, captured by a raw SUB socket. */
  private static List<byte[][]> record(Signer signer, int n) throws Exception {
    String pad = "x".repeat(SIZE - 40);
    try (Bus pub = Bus.create(base().name("rec").endpoint("rec", List.of("tcp://127.0.0.1:*"))
        .signer(signer).wireFormat(WireFormat.FEDMSG2).build());
        ZContext ctx = new ZContext(1)) {
      ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
      sub.setRcvHWM(0);
      sub.subscribe("org.fedoraproject.dev.bench".getBytes(StandardCharsets.UTF_8));
      sub.connect(pub.publisherEndpoint());
      sub.setReceiveTimeOut(100);
      // Until the subscription has reached the publisher, what it sends is dropped: send a marker
      // until one arrives, then record.
      while (sub.recv() == null) {
        pub.publish("bench", "warmup", Map.of());
      }
      while (sub.hasReceiveMore()) {
        sub.recv();
      }
      sub.setReceiveTimeOut(-1);
      List<byte[][]> out = new ArrayList<>();
      Thread sender = new Thread(() -> {
        for (int i = 0; i < n; i++) {
          pub.publish("bench", "load", Map.of("n", i, "pad", pad));
        }
      });
      sender.start();
      while (out.size() < n) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(sub.recv());
        while (sub.hasReceiveMore()) {
          parts.add(sub.recv());
        }
        if (new String(parts.get(0), StandardCharsets.UTF_8).endsWith(".load")) {
          out.add(parts.toArray(new byte[0][]));
        }
      }
      sender.join();
      return out;
    }
  }

  /** Options whose sockets hold {@link #HWM} messages (set through the configuration, as operators do). */
  private static BusOptions.Builder base() {
    return BusOptions.builder().apply(org.fedmsg.config.FedmsgConfig.of(
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("high_water_mark", HWM)));
  }

  private static MessageVerifier verifier(TrustStore trust) {
    return MessageVerifier.builder().trust(trust)
        .policy(TopicPolicy.parse("default: allow\n", "bench", TopicNamespace.DEFAULT)).build();
  }

  /** Messages per second a subscriber bus with {@code threads} verify threads checks and delivers. */
  private static double verification(List<byte[][]> frames, int threads, MessageVerifier verifier) throws Exception {
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket xpub = ctx.createSocket(SocketType.XPUB);
      xpub.setSndHWM(0);
      xpub.setLinger(0);
      xpub.bind("tcp://127.0.0.1:*");
      try (Bus sub = Bus.create(base().endpoint("rec", List.of(xpub.getLastEndpoint())).verifyThreads(threads).verifier(verifier).build())) {
        sub.subscribe("", m -> {});
        xpub.recv(); // a subscription: the subscriber is connected
        long start = System.nanoTime();
        for (byte[][] f : frames) {
          for (int i = 0; i < f.length; i++) {
            xpub.send(f[i], i < f.length - 1 ? ZMQ.SNDMORE : 0);
          }
        }
        while (sub.stats().delivered() + sub.stats().rejected() < frames.size()) {
          Thread.sleep(1);
        }
        if (sub.stats().rejected() > 0) {
          throw new IllegalStateException("rejections: " + sub.stats().rejectedByCause());
        }
        return frames.size() / ((System.nanoTime() - start) / 1e9);
      }
    }
  }
}
