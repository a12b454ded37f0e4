package org.fedmsg.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.discovery.curve.CurveSockets;
import org.fedmsg.discovery.curve.ZapHandler;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Throughput of one publisher to one subscriber over loopback TCP: plain, CURVE on stock
 * JeroMQ, and CURVE on fedmsg-jeromq (JeroMQ with our crypto_box), measured in the same JVM,
 * interleaved, so the ratios mean something on a noisy machine. Sockets are configured as the
 * bus configures them (an XPUB CURVE server with a ZAP handler, a SUB CURVE client pinned to the
 * server key); high-water marks are unlimited so no message is dropped and the time is the time
 * to move and (for CURVE) encrypt and decrypt every message.
 *
 * <p>Stock JeroMQ runs in a class loader of its own: the untouched {@code jeromq} and
 * {@code jnacl} jars (copied to {@code bench/target/stock-jeromq} by the build) ahead of this
 * benchmark's classpath, with only the JDK as parent, so this same class, loaded there, links to
 * stock JeroMQ. {@code -Dcurve.bench.extra=/path/jeromq-X.jar} adds another JeroMQ release the
 * same way (it shares stock's jnacl). {@code -Dcurve.bench.only=stock} (or {@code fedmsg}) runs
 * only the matching variants, without ratios: for a profiler.
 *
 * <p>Not a JMH benchmark: one measurement is "send N two-frame messages, wait until the last
 * arrives", repeated; the median of the rounds is reported. Run:
 * <pre>{@code
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar org.fedmsg.bench.CurveThroughputBenchmark [messages] [rounds]
 * }</pre>
 */
public final class CurveThroughputBenchmark {
  /** A short message, a 1 KB body, and a fedmsg/2-sized signed message (about 3 KB). */
  private static final int[] SIZES = {100, 1024, 3072};

  private CurveThroughputBenchmark() {}

  /** One way of running {@link #run}: in this class loader or in another one. */
  private record Variant(String name, boolean curve, Method run) {
    /** Messages per second, and CPU nanoseconds of the whole process per message. */
    double[] measure(int size, int messages) throws Exception {
      try {
        return (double[]) run.invoke(null, curve, size, messages);
      } catch (InvocationTargetException e) {
        throw e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
      }
    }
  }

  /**
   * Runs the comparison and prints a table.
   *
   * @param args optional: messages per round (default 50,000), rounds (default 5)
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path stockDir = Path.of(System.getProperty("curve.bench.stock", "bench/target/stock-jeromq"));
    Method here = CurveThroughputBenchmark.class.getDeclaredMethod("measured", boolean.class, int.class, int.class);
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant("plain", false, here));
    List<URLClassLoader> loaders = new ArrayList<>();
    URLClassLoader stock = isolated(jar(stockDir, "jeromq-"), jar(stockDir, "jnacl-"));
    loaders.add(stock);
    variants.add(new Variant("CURVE stock " + version(stock), true, runIn(stock)));
    String extra = System.getProperty("curve.bench.extra");
    if (extra != null) {
      URLClassLoader other = isolated(Path.of(extra), jar(stockDir, "jnacl-"));
      loaders.add(other);
      variants.add(new Variant("CURVE stock " + version(other), true, runIn(other)));
    }
    variants.add(new Variant("CURVE fedmsg-jeromq", true, here));
    String only = System.getProperty("curve.bench.only");
    if (only != null) {
      // for profiling one variant (-Dcurve.bench.only=stock or =fedmsg): no ratios then
      variants.removeIf(v -> !v.name().contains(only));
      for (int size : SIZES) {
        for (Variant v : variants) {
          for (int r = 0; r < rounds; r++) {
            double[] m = v.measure(size, messages);
            System.out.printf(Locale.ROOT, "%-24s %6d B %10.0f msg/s %8.1f us CPU/msg%n", v.name(), size, m[0],
                m[1] / 1000);
          }
        }
      }
      return;
    }
    System.out.printf(Locale.ROOT, "%d messages per round, %d rounds interleaved, median msg/s reported; %s%n",
        messages, rounds, machine());
    for (Variant v : variants) {
      System.out.printf(Locale.ROOT, "  %-24s Curve from %s%n", v.name(), curveSource(v.run().getDeclaringClass()));
    }
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-8s", "size"));
    for (Variant v : variants) {
      header.append(String.format(Locale.ROOT, " %24s", v.name()));
    }
    header.append(String.format(Locale.ROOT, " %10s %10s %10s", "new/stock", "(rounds)", "plain/new"));
    System.out.println("msg/s (median of the rounds); new/stock: ratio of the medians, (rounds): median of the");
    System.out.println("ratios taken within each round; then CPU time of the process per message");
    System.out.println(header);
    StringBuilder cpu = new StringBuilder();
    try {
      for (int size : SIZES) {
        for (Variant v : variants) {
          v.measure(size, Math.max(1000, messages / 5)); // warm-up of every path before measuring any
        }
        double[][] rates = new double[variants.size()][rounds];
        double[][] cpuPerMessage = new double[variants.size()][rounds];
        for (int r = 0; r < rounds; r++) {
          for (int i = 0; i < variants.size(); i++) {
            int v = (i + r) % variants.size(); // rotated, so a slow patch of the machine hits all
            double[] m = variants.get(v).measure(size, messages);
            rates[v][r] = m[0];
            cpuPerMessage[v][r] = m[1];
          }
        }
        int last = variants.size() - 1;
        double[] roundRatios = new double[rounds];
        double[] cpuRatios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          roundRatios[r] = rates[last][r] / rates[1][r];
          cpuRatios[r] = cpuPerMessage[1][r] / cpuPerMessage[last][r];
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s", size + " B"));
        cpu.append(String.format(Locale.ROOT, "%-8s", size + " B"));
        for (int v = 0; v < variants.size(); v++) {
          line.append(String.format(Locale.ROOT, " %24.0f", median(rates[v])));
          cpu.append(String.format(Locale.ROOT, " %21.1f us", median(cpuPerMessage[v]) / 1000));
        }
        double plain = median(rates[0]);
        double fast = median(rates[last]);
        line.append(String.format(Locale.ROOT, " %9.2fx %9.2fx %9.2fx", fast / median(rates[1]), median(roundRatios),
            plain / fast));
        cpu.append(String.format(Locale.ROOT, " %9.2fx (stock/new CPU per message, median of the rounds)%n",
            median(cpuRatios)));
        System.out.println(line);
      }
      System.out.println("CPU time of the process per message:");
      System.out.print(cpu);
    } finally {
      for (URLClassLoader l : loaders) {
        l.close();
      }
    }
    System.out.printf(Locale.ROOT, "load average at the end: %s%n", loadAverage());
  }

  /** The given jars, then this benchmark's classpath; the JDK as the only parent. */
  private static URLClassLoader isolated(Path jeromq, Path jnacl) throws IOException {
    List<URL> urls = new ArrayList<>();
    urls.add(jeromq.toUri().toURL());
    urls.add(jnacl.toUri().toURL());
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
  }

  private static Method runIn(ClassLoader loader) throws ReflectiveOperationException {
    Class<?> c = Class.forName(CurveThroughputBenchmark.class.getName(), true, loader);
    Method m = c.getDeclaredMethod("measured", boolean.class, int.class, int.class);
    m.setAccessible(true);
    return m;
  }

  private static Path jar(Path dir, String prefix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
          .orElseThrow(() -> new IllegalStateException("no " + prefix + "*.jar in " + dir
              + ": build with mvn -pl bench -am package, run from the repository root"));
    }
  }

  private static String version(ClassLoader loader) throws ClassNotFoundException {
    String v = Class.forName("org.zeromq.ZMQ", false, loader).getPackage().getImplementationVersion();
    if (v != null) {
      return v;
    }
    String where = curveSource(Class.forName(CurveThroughputBenchmark.class.getName(), false, loader));
    return where.replaceAll(".*jeromq-([0-9.]+)\\.jar.*", "$1");
  }

  /** Where the class loader of {@code c} takes JeroMQ's Curve from: proves which one runs. */
  private static String curveSource(Class<?> c) {
    try {
      Class<?> curve = Class.forName("zmq.io.mechanism.curve.Curve", false, c.getClassLoader());
      return curve.getProtectionDomain().getCodeSource().getLocation().getPath().replaceAll(".*/", "");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String machine() {
    return Runtime.getRuntime().availableProcessors() + " processors, load average " + loadAverage() + ", Java "
        + System.getProperty("java.version");
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().replaceAll("^(\\S+ \\S+ \\S+).*", "$1");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** Messages per second from the first send to the last receive (plain or CURVE). */
  static double run(boolean curve, int size, int messages) throws InterruptedException {
    return measured(curve, size, messages)[0];
  }

  /**
   * Messages per second from the first send to the last receive, and the CPU time the whole
   * process spent per message meanwhile (all threads: less sensitive to a busy machine than
   * the elapsed time).
   */
  static double[] measured(boolean curve, int size, int messages) throws InterruptedException {
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
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        receiver.start();
        for (int i = 0; i < messages; i++) {
          pub.send(topic, ZMQ.SNDMORE);
          pub.send(body, 0);
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
          throw new IllegalStateException("messages did not all arrive");
        }
        long cpu = os.getProcessCpuTime() - cpuStart;
        return new double[] {messages / ((end.get(0) - start) / 1e9), (double) cpu / messages};
      } finally {
        if (zap != null) {
          zap.close();
        }
      }
    }
  }
}
