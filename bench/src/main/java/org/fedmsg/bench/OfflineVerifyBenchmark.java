package org.fedmsg.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.fedmsg.crypto.Pem;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;
import org.fedmsg.wire.MessageVerifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Offline verification of whole messages from their raw frames ({@code fedmsg verify}, a relay's
 * pass-through check), beside the raw signature verification of the same signed bytes with the
 * same key, in the same run:
 *
 * <ul>
 *   <li>{@code rawVerify}: a JCA {@link Signature} (the provider the crypto module uses for the
 *       key type) over the exact bytes the message's signature covers;
 *   <li>{@code checkRaw}: {@link MessageVerifier#checkRaw} on the frames: no tree, fedmsg/1
 *       canonicalised from the parser's tokens, certificate field known by its bytes;
 *   <li>{@code checkTree}: {@link MessageVerifier#check} on the frames (parse to a tree, then for
 *       fedmsg/1 re-canonicalise it): what offline verification cost before.
 * </ul>
 *
 * The verifier judges certificates as of the setup instant (archive mode: no replay memory), so
 * the same message can be checked repeatedly; its certificate caches are warm. Target: checkRaw
 * ≥ 0.8 × rawVerify.
 *
 * <p>Run: {@code mvn -B -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * OfflineVerify -f 1 -wi 3 -i 5 -w 2 -r 2}; or, on a loaded machine, the interleaved {@link #main}
 * ({@code java -cp bench/target/benchmarks.jar org.fedmsg.bench.OfflineVerifyBenchmark 21}), which
 * times the three side by side in short slices and takes each ratio within a round, so that
 * load from other processes moves both sides of a ratio together.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OfflineVerifyBenchmark {

  /** Wire format and key. fedmsg/1 is RSA-SHA1 only: the reference fixture key (1024 bits) and a 2048-bit one. */
  public enum Case {
    FEDMSG1_RSA1024, FEDMSG1_RSA2048, FEDMSG2_RSA2048, FEDMSG2_P256, FEDMSG2_ED25519
  }

  /** One signed message as frames, its signed bytes and signature, a warm verifier. */
  @State(Scope.Thread)
  public static class Setting {
    @Param({"FEDMSG1_RSA1024", "FEDMSG1_RSA2048", "FEDMSG2_RSA2048", "FEDMSG2_P256", "FEDMSG2_ED25519"})
    public Case format;

    TrustStore store;
    MessageVerifier verifier;
    List<byte[]> frames;
    byte[] signedBytes;
    byte[] signature;
    Signature rawVerifier;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      String topic = "org.fedoraproject.prod.buildsys.build.state.change";
      ObjectNode unsigned = message(topic);
      Signer signer;
      PublicKey pub;
      String jca;
      Provider provider = null;
      if (format == Case.FEDMSG1_RSA1024) {
        Path tmp = Files.createTempDirectory("fedmsg-bench");
        Fixtures.copyTestCerts(tmp);
        signer = Signer.load(tmp, "shell-app01.phx2.fedoraproject.org");
        store = TrustStore.create(TrustOptions.builder().ca(tmp.resolve("ca.crt")).crl(tmp.resolve("crl.pem"))
            .backgroundRefresh(false).build());
      } else {
        KeyType kt = switch (format) {
          case FEDMSG2_P256 -> KeyType.EC_P256;
          case FEDMSG2_ED25519 -> KeyType.ED25519;
          default -> KeyType.RSA_2048;
        };
        TestPki.Issued ca = TestPki.rootCa("bench-ca").build();
        TestPki.Issued leaf = ca.issue("bench-svc").keyType(kt).build();
        signer = Signer.of(leaf.privateKey(), leaf.chain());
        store = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
            .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
      }
      pub = signer.certificate().getPublicKey();
      if (format == Case.FEDMSG1_RSA1024 || format == Case.FEDMSG1_RSA2048) {
        ObjectNode signed = Fedmsg1.sign(unsigned, signer);
        frames = List.of(topic.getBytes(StandardCharsets.UTF_8), Fedmsg1.wireBody(signed));
        signedBytes = CanonicalJson.encodeWithout(signed, Set.of("signature", "certificate"));
        signature = Pem.base64DecodeLenient(signed.get("signature").textValue());
        jca = "SHA1withRSA";
      } else {
        Fedmsg2.Stamper.start().stamp(unsigned);
        frames = List.of(Fedmsg2.encode(topic, unsigned, signer));
        signedBytes = fedmsg2SignedBytes(signer, frames.get(0), frames.get(1));
        signature = signer.sign(signedBytes);
        jca = switch (format) {
          case FEDMSG2_P256 -> "SHA256withPLAIN-ECDSA";
          case FEDMSG2_ED25519 -> "Ed25519";
          default -> "SHA256withRSA";
        };
        if (format != Case.FEDMSG2_RSA2048) {
          // the crypto module computes ECDSA and Ed25519 with Bouncy Castle: so does the raw primitive
          provider = new BouncyCastleProvider();
          KeyFactory kf = KeyFactory.getInstance(format == Case.FEDMSG2_ED25519 ? "Ed25519" : "EC", provider);
          pub = kf.generatePublic(new X509EncodedKeySpec(pub.getEncoded()));
        }
      }
      rawVerifier = provider == null ? Signature.getInstance(jca) : Signature.getInstance(jca, provider);
      rawVerifier.initVerify(pub);
      rawVerifier.update(signedBytes);
      if (!rawVerifier.verify(signature)) {
        throw new IllegalStateException("raw signature does not verify");
      }
      verifier = MessageVerifier.builder().trust(store).asOf(Instant.now()).build();
      for (MessageVerifier.Verdict warm : List.of(verifier.check(frames), verifier.checkRaw(frames))) {
        if (!warm.result().isValid()) {
          throw new IllegalStateException("benchmark message does not verify: " + warm.result());
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      store.close();
    }
  }

  /** A build-system message of about 1 KB with its envelope, in the shape of production traffic. */
  static ObjectNode message(String topic) {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("topic", topic).put("timestamp", 1_700_000_000L)
        .put("msg_id", "2026-0f8e2d7c-5b1a-4c3e-9d2f-6a7b8c9d0e1f").put("i", 1).put("username", "koji");
    ObjectNode msg = m.putObject("msg");
    msg.put("build_id", 2_345_678).put("name", "python-requests").put("version", "2.31.0")
        .put("release", "3.fc40").put("owner", "packager").put("instance", "primary").put("new", 1).put("old", 0)
        .put("attribute", "state").put("request", "git+https://src.fedoraproject.org/rpms/python-requests.git#abc")
        .put("epoch", (String) null).put("task_id", 109_876_543).put("score", 0.75);
    var tags = msg.putArray("tags");
    for (String t : List.of("f40-updates-candidate", "f40-build-side-62", "f40-signing-pending", "f40-testing")) {
      tags.add(t);
    }
    ObjectNode agent = msg.putObject("agent");
    agent.put("name", "packager").put("email", "packager@fedoraproject.org").put("groups", "packager,provenpackager");
    msg.put("summary", "HTTP library, written in Python, for human beings: build 2.31.0-3.fc40 finished in the "
        + "f40-build-side-62 target on the x86_64, aarch64, ppc64le and s390x builders \u2014 see the task page");
    return m;
  }

  /** fedmsg/2's signed bytes (docs/wire-format.md): domain, algorithm, chain digest, topic, body. */
  static byte[] fedmsg2SignedBytes(Signer signer, byte[] topic, byte[] body) throws Exception {
    ByteArrayOutputStream chain = new ByteArrayOutputStream();
    for (X509Certificate c : signer.chain()) {
      chain.writeBytes(c.getEncoded());
    }
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain.toByteArray());
    byte[] name = signer.algorithm().wireName().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(9 + 1 + name.length + 32 + 4 + topic.length + 4 + body.length);
    b.put("fedmsg/2\0".getBytes(StandardCharsets.US_ASCII)).put((byte) name.length).put(name).put(digest)
        .putInt(topic.length).put(topic).putInt(body.length).put(body);
    return b.array();
  }

  /** The raw verification primitive on the message's signed bytes. */
  @Benchmark
  public boolean rawVerify(Setting s) throws Exception {
    s.rawVerifier.update(s.signedBytes);
    return s.rawVerifier.verify(s.signature);
  }

  /** Offline verification of the frames without a tree. */
  @Benchmark
  public Object checkRaw(Setting s) {
    return s.verifier.checkRaw(s.frames);
  }

  /** Offline verification of the frames through a tree (the path before {@code checkRaw}). */
  @Benchmark
  public Object checkTree(Setting s) {
    return s.verifier.check(s.frames);
  }

  /**
   * Interleaved rounds: per case, each round times rawVerify, checkRaw and checkTree for 100 ms
   * of CPU time each, in turn; prints the median CPU µs per operation and the median of the
   * per-round ratios (raw rate / message rate is checkRaw time / raw time, inverted: ≥ 0.8 is the target).
   *
   * @param args the number of rounds (default 21)
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
    OfflineVerifyBenchmark b = new OfflineVerifyBenchmark();
    System.out.printf("%-16s %12s %12s %12s %14s %14s%n", "case", "raw µs", "checkRaw µs", "checkTree µs",
        "checkRaw/raw", "checkTree/raw");
    for (Case c : Case.values()) {
      Setting s = new Setting();
      s.format = c;
      s.setUp();
      for (int w = 0; w < 3; w++) {
        for (int op = 0; op < 3; op++) {
          time(b, s, op, 300);  // warm-up
        }
      }
      double[][] nanos = new double[3][rounds];
      double[] rawRatio = new double[rounds];
      double[] treeRatio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        for (int op = 0; op < 3; op++) {
          // rotate the order so that no operation always runs first in a round
          int o = (op + r) % 3;
          nanos[o][r] = time(b, s, o, 100);
        }
        rawRatio[r] = nanos[0][r] / nanos[1][r];
        treeRatio[r] = nanos[0][r] / nanos[2][r];
      }
      System.out.printf("%-16s %12.1f %12.1f %12.1f %14.2f %14.2f%n", c, median(nanos[0]) / 1000,
          median(nanos[1]) / 1000, median(nanos[2]) / 1000, median(rawRatio), median(treeRatio));
      s.tearDown();
    }
  }

  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * CPU nanoseconds of this thread per operation {@code op} (0 raw, 1 checkRaw, 2 checkTree) over
   * about {@code millis} ms of CPU time. CPU time, not wall time: on a shared machine the wall
   * clock also counts the time the thread waited for a core.
   */
  private static double time(OfflineVerifyBenchmark b, Setting s, int op, long millis) throws Exception {
    long start = THREADS.getCurrentThreadCpuTime();
    long end = start + millis * 1_000_000;
    long n = 0;
    long now;
    Object sink = null;
    do {
      for (int i = 0; i < 16; i++) {
        sink = switch (op) {
          case 0 -> b.rawVerify(s);
          case 1 -> b.checkRaw(s);
          default -> b.checkTree(s);
        };
      }
      n += 16;
      now = THREADS.getCurrentThreadCpuTime();
    } while (now < end);
    if (sink == null) {
      throw new IllegalStateException("no result");
    }
    return (double) (now - start) / n;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
