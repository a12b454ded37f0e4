package org.fedmsg.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
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
 * What one hostile peer can make a receiver (a validating relay) spend per message, against a
 * good message from a known signer, in the same run: {@link MessageVerifier#check} on the frames
 * as received, the relay's verification path (as of now: no replay cache, so the same good
 * message can be checked repeatedly).
 *
 * <ul>
 *   <li>{@code GOOD}: a message from a trusted signer (warm caches);
 *   <li>{@code BAD_SIGNATURE}: the same signer's message with its content changed after signing
 *       (valid-looking frames, valid chain, signature fails);
 *   <li>{@code GARBAGE_CHAIN}: random bytes where the certificate goes;
 *   <li>{@code UNTRUSTED_CHAIN}: a properly signed message from one self-signed certificate,
 *       repeated;
 *   <li>{@code UNIQUE_MAX_CHAIN}: properly signed messages, each from a different self-signed
 *       certificate just under the size limit (never cacheable: the worst case per message);
 *   <li>{@code OVER_LIMIT}: a certificate over the size limit (refused before parsing).
 * </ul>
 *
 * <p>Run: {@code mvn -B -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * HostileInput -f 1 -wi 2 -i 3}. Results are in {@code docs/performance.md}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class HostileInputBenchmark {
  private static final String TOPIC = "org.fedoraproject.prod.buildsys.build.state.change";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Distinct certificates cycled through in UNIQUE_MAX_CHAIN; none is ever cached. */
  private static final int POOL = 32;

  /** The kind of input measured. */
  public enum Input {
    GOOD, BAD_SIGNATURE, GARBAGE_CHAIN, UNTRUSTED_CHAIN, UNIQUE_MAX_CHAIN, OVER_LIMIT
  }

  /** The wire format. */
  public enum Format {
    FEDMSG1, FEDMSG2
  }

  /** The messages of one case and a verifier over the trusted CA. */
  @State(Scope.Thread)
  public static class Setting {
    @Param({"FEDMSG1", "FEDMSG2"})
    public Format format;

    @Param({"GOOD", "BAD_SIGNATURE", "GARBAGE_CHAIN", "UNTRUSTED_CHAIN", "UNIQUE_MAX_CHAIN", "OVER_LIMIT"})
    public Input input;

    TrustStore store;
    MessageVerifier verifier;
    final List<List<byte[]>> messages = new ArrayList<>();
    int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Signer trusted;
      if (format == Format.FEDMSG1) {
        Path tmp = Files.createTempDirectory("fedmsg-bench");
        Fixtures.copyTestCerts(tmp);
        trusted = Signer.load(tmp, "shell-app01.phx2.fedoraproject.org");
        store = TrustStore.create(TrustOptions.builder().ca(tmp.resolve("ca.crt")).crl(tmp.resolve("crl.pem"))
            .backgroundRefresh(false).build());
      } else {
        TestPki.Issued ca = TestPki.rootCa("bench-ca").build();
        TestPki.Issued leaf = ca.issue("bench-svc").keyType(KeyType.EC_P256).build();
        trusted = Signer.of(leaf.privateKey(), leaf.chain());
        store = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
            .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
      }
      verifier = MessageVerifier.builder().trust(store).asOf(Instant.now()).build();
      KeyPair own = generate(format == Format.FEDMSG1 ? "RSA" : "EC", format == Format.FEDMSG1 ? 2048 : 256);
      String sigAlg = format == Format.FEDMSG1 ? "SHA256withRSA" : "SHA256withECDSA";
      switch (input) {
        case GOOD -> messages.add(encode(trusted));
        case BAD_SIGNATURE -> messages.add(tamper(encode(trusted)));
        case GARBAGE_CHAIN -> messages.add(garbageChain(trusted));
        case UNTRUSTED_CHAIN -> messages.add(encode(Signer.of(own.getPrivate(), List.of(certificate(own, sigAlg, 0)))));
        case UNIQUE_MAX_CHAIN -> {
          // fedmsg/1: a base64-of-PEM field just under 16 Ki characters; fedmsg/2: a DER chain just under 16 KiB
          int padding = format == Format.FEDMSG1 ? 7_800 : 15_900;
          for (int i = 0; i < POOL; i++) {
            messages.add(encode(Signer.of(own.getPrivate(), List.of(certificate(own, sigAlg, padding)))));
          }
        }
        case OVER_LIMIT -> messages.add(format == Format.FEDMSG1
            ? encode(Signer.of(own.getPrivate(), List.of(certificate(own, sigAlg, 200_000))))
            : garbageChainOfSize(trusted, 70_000));
        default -> throw new IllegalStateException();
      }
      MessageVerifier.Verdict v = verifier.check(messages.get(0));
      if (v.result().isValid() != (input == Input.GOOD)) {
        throw new IllegalStateException(input + " gave " + v.result());
      }
    }

    List<byte[]> nextMessage() {
      List<byte[]> m = messages.get(next);
      next = (next + 1) % messages.size();
      return m;
    }

    private ObjectNode body() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("topic", TOPIC).put("timestamp", 1_700_000_000L).put("msg_id", UUID.randomUUID().toString())
          .put("i", 1).put("username", "koji");
      body.putObject("msg").put("build_id", 2_345_678).put("name", "python-requests").put("version", "2.31.0");
      if (format == Format.FEDMSG2) {
        Fedmsg2.Stamper.start().stamp(body);
      }
      return body;
    }

    private List<byte[]> encode(Signer signer) {
      if (format == Format.FEDMSG1) {
        return List.of(TOPIC.getBytes(StandardCharsets.UTF_8), Fedmsg1.signToWire(body(), signer));
      }
      return List.of(Fedmsg2.encode(TOPIC, body(), signer));
    }

    /** Changes the content after signing: "python-requests" becomes "python-requestz". */
    private static List<byte[]> tamper(List<byte[]> frames) {
      String body = new String(frames.get(1), StandardCharsets.UTF_8).replace("python-requests", "python-requestz");
      List<byte[]> out = new ArrayList<>(frames);
      out.set(1, body.getBytes(StandardCharsets.UTF_8));
      return out;
    }

    private List<byte[]> garbageChain(Signer signer) {
      return garbageChainOfSize(signer, 1500);
    }

    /** A message whose certificate is {@code size} random bytes (a DER SEQUENCE tag first). */
    private List<byte[]> garbageChainOfSize(Signer signer, int size) {
      byte[] junk = new byte[size];
      RANDOM.nextBytes(junk);
      junk[0] = 0x30;
      List<byte[]> frames = new ArrayList<>(encode(signer));
      if (format == Format.FEDMSG1) {
        ObjectNode body = (ObjectNode) org.fedmsg.json.CanonicalJson.parse(frames.get(1));
        body.put("certificate", Base64.getMimeEncoder().encodeToString(junk));
        frames.set(1, Fedmsg1.wireBody(body));
        return frames;
      }
      // signature frame (docs/wire-format.md): "FM2S", 1, alg, signature, then the chain
      ByteBuffer old = ByteBuffer.wrap(frames.get(2));
      old.position(5);
      byte[] alg = new byte[old.get() & 0xff];
      old.get(alg);
      byte[] sig = new byte[old.getShort() & 0xffff];
      old.get(sig);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(new byte[] {'F', 'M', '2', 'S', 1, (byte) alg.length});
      out.writeBytes(alg);
      out.writeBytes(new byte[] {(byte) (sig.length >> 8), (byte) sig.length});
      out.writeBytes(sig);
      out.writeBytes(ByteBuffer.allocate(4).putInt(junk.length).array());
      out.writeBytes(junk);
      frames.set(2, out.toByteArray());
      return frames;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      store.close();
    }
  }

  /** Verify one message of the case. */
  @Benchmark
  public Object check(Setting s) {
    return s.verifier.check(s.nextMessage());
  }

  /**
   * The same cases without JMH, interleaved: each round times every input for 100 ms, and the
   * ratio to GOOD is taken within the round, so a load change on a shared machine shifts both
   * sides of a ratio. Prints, per format and input, the median time per message, the median ratio
   * to a good message and that ratio per byte received.
   *
   * <p>Run: {@code java -cp bench/target/benchmarks.jar org.fedmsg.bench.HostileInputBenchmark [rounds]}.
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    Input[] inputs = Input.values();
    for (Format format : Format.values()) {
      Setting[] settings = new Setting[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        settings[i] = new Setting();
        settings[i].format = format;
        settings[i].input = inputs[i];
        settings[i].setUp();
        time(settings[i], 300);  // warm-up
      }
      double[][] nanos = new double[inputs.length][rounds];
      double[][] ratios = new double[inputs.length][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < inputs.length; i++) {
          nanos[i][r] = time(settings[i], 100);
        }
        for (int i = 0; i < inputs.length; i++) {
          ratios[i][r] = nanos[i][r] / nanos[0][r];
        }
      }
      long goodBytes = bytes(settings[0].messages.get(0));
      System.out.printf("%s (%d rounds)%n%-17s %12s %10s %10s %14s%n", format, rounds, "input", "µs/message",
          "× GOOD", "bytes", "× GOOD/byte");
      for (int i = 0; i < inputs.length; i++) {
        long b = bytes(settings[i].messages.get(0));
        double ratio = median(ratios[i]);
        System.out.printf("%-17s %12.1f %10.2f %10d %14.2f%n", inputs[i], median(nanos[i]) / 1000, ratio, b,
            ratio * goodBytes / b);
        settings[i].tearDown();
      }
    }
  }

  /** Nanoseconds per check over about {@code millis} ms. */
  private static double time(Setting s, long millis) {
    long start = System.nanoTime();
    long end = start + millis * 1_000_000;
    long n = 0;
    long now;
    do {
      s.verifier.check(s.nextMessage());
      n++;
      now = System.nanoTime();
    } while (now < end);
    return (double) (now - start) / n;
  }

  private static long bytes(List<byte[]> frames) {
    long n = 0;
    for (byte[] f : frames) {
      n += f.length;
    }
    return n;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static KeyPair generate(String algorithm, int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    g.initialize(bits);
    return g.generateKeyPair();
  }

  /** A unique self-signed certificate with {@code padding} random bytes in a private extension. */
  static X509Certificate certificate(KeyPair key, String signatureAlgorithm, int padding) throws Exception {
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=hostile-" + UUID.randomUUID());
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), name, key.getPublic());
    if (padding > 0) {
      byte[] junk = new byte[padding];
      RANDOM.nextBytes(junk);
      b.addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), false, new DEROctetString(junk));
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(key.getPrivate())));
  }
}
