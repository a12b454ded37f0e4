package org.fedmsg.bench;

import com.neilalexander.jnacl.crypto.xsalsa20poly1305;
import java.util.Arrays;
import java.util.Locale;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.fedmsg.jeromq.internal.NaclBox;

/**
 * The per-frame box of CURVE alone (NaCl's {@code crypto_secretbox}: XSalsa20 and Poly1305,
 * boxing then opening one frame), three ways, interleaved in one JVM: {@code jnacl} (what stock
 * JeroMQ calls), Bouncy Castle's {@code XSalsa20Engine} and {@code Poly1305}, and
 * {@link NaclBox} (fedmsg-jeromq). Each is first checked to produce the same boxes. Run:
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar org.fedmsg.bench.CurveBoxBenchmark [rounds]
 * }</pre>
 */
public final class CurveBoxBenchmark {
  private static final int[] SIZES = {100, 1024, 3072};
  private static final long SLICE_NANOS = 200_000_000L;

  private CurveBoxBenchmark() {}

  interface Box {
    void seal(byte[] c, byte[] m, int mlen, byte[] n, byte[] k);

    int open(byte[] m, byte[] c, int clen, byte[] n, byte[] k);
  }

  static final Box JNACL = new Box() {
    @Override
    public void seal(byte[] c, byte[] m, int mlen, byte[] n, byte[] k) {
      xsalsa20poly1305.crypto_secretbox(c, m, mlen, n, k);
    }

    @Override
    public int open(byte[] m, byte[] c, int clen, byte[] n, byte[] k) {
      return xsalsa20poly1305.crypto_secretbox_open(m, c, clen, n, k);
    }
  };

  static final Box OURS = new Box() {
    @Override
    public void seal(byte[] c, byte[] m, int mlen, byte[] n, byte[] k) {
      NaclBox.secretbox(c, m, mlen, n, k);
    }

    @Override
    public int open(byte[] m, byte[] c, int clen, byte[] n, byte[] k) {
      return NaclBox.secretboxOpen(m, c, clen, n, k);
    }
  };

  /** Bouncy Castle's primitives put together as NaCl's secretbox (new engine objects per box). */
  static final Box BOUNCY_CASTLE = new Box() {
    private final byte[] zeros = new byte[32];

    @Override
    public void seal(byte[] c, byte[] m, int mlen, byte[] n, byte[] k) {
      XSalsa20Engine salsa = new XSalsa20Engine();
      salsa.init(true, new ParametersWithIV(new KeyParameter(k), n));
      byte[] polyKey = new byte[32];
      salsa.processBytes(zeros, 0, 32, polyKey, 0);
      salsa.processBytes(m, 32, mlen - 32, c, 32);
      Poly1305 mac = new Poly1305();
      mac.init(new KeyParameter(polyKey));
      mac.update(c, 32, mlen - 32);
      mac.doFinal(c, 16);
      Arrays.fill(c, 0, 16, (byte) 0);
    }

    @Override
    public int open(byte[] m, byte[] c, int clen, byte[] n, byte[] k) {
      XSalsa20Engine salsa = new XSalsa20Engine();
      salsa.init(false, new ParametersWithIV(new KeyParameter(k), n));
      byte[] polyKey = new byte[32];
      salsa.processBytes(zeros, 0, 32, polyKey, 0);
      Poly1305 mac = new Poly1305();
      mac.init(new KeyParameter(polyKey));
      mac.update(c, 32, clen - 32);
      byte[] tag = new byte[16];
      mac.doFinal(tag, 0);
      if (!java.security.MessageDigest.isEqual(tag, Arrays.copyOfRange(c, 16, 32))) {
        return -1;
      }
      salsa.processBytes(c, 32, clen - 32, m, 32);
      Arrays.fill(m, 0, 32, (byte) 0);
      return 0;
    }
  };

  /**
   * Prints boxes (box + open) per second for each implementation and size, median of the rounds.
   *
   * @param args optional: rounds (default 7)
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Box[] boxes = {JNACL, BOUNCY_CASTLE, OURS};
    String[] names = {"jnacl (stock)", "Bouncy Castle", "fedmsg-jeromq"};
    System.out.printf(Locale.ROOT, "box + open per second, median of %d interleaved rounds of %d ms%n",
        rounds, SLICE_NANOS / 1_000_000);
    System.out.printf(Locale.ROOT, "%-8s %16s %16s %16s %10s %10s%n", "frame", names[0], names[1], names[2],
        "BC/jnacl", "ours/jnacl");
    // warm-up: every implementation on every size, before any measurement
    for (int w = 0; w < 3; w++) {
      for (int size : SIZES) {
        for (Box b : boxes) {
          measure(b, new byte[32 + size], new byte[24], new byte[32], SLICE_NANOS);
        }
      }
    }
    for (int size : SIZES) {
      byte[] k = NaclBox.random(32);
      byte[] n = NaclBox.random(24);
      byte[] m = new byte[32 + size];
      System.arraycopy(NaclBox.random(size), 0, m, 32, size);
      checkSame(boxes, m, n, k);
      double[][] rates = new double[boxes.length][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < boxes.length; i++) {
          int b = (i + r) % boxes.length; // rotate the order: no implementation always goes first
          rates[b][r] = measure(boxes[b], m, n, k, SLICE_NANOS);
        }
      }
      double j = median(rates[0]);
      double bc = median(rates[1]);
      double ours = median(rates[2]);
      System.out.printf(Locale.ROOT, "%-8s %16.0f %16.0f %16.0f %9.1fx %9.1fx%n", size + " B", j, bc, ours, bc / j,
          ours / j);
    }
  }

  private static void checkSame(Box[] boxes, byte[] m, byte[] n, byte[] k) {
    byte[] expected = new byte[m.length];
    boxes[0].seal(expected, m, m.length, n, k);
    for (Box b : boxes) {
      byte[] c = new byte[m.length];
      b.seal(c, m, m.length, n, k);
      byte[] opened = new byte[m.length];
      if (!Arrays.equals(c, expected) || b.open(opened, c, c.length, n, k) != 0 || !Arrays.equals(opened, m)) {
        throw new IllegalStateException("implementations disagree");
      }
    }
  }

  private static double measure(Box box, byte[] m, byte[] n, byte[] k, long nanos) {
    byte[] c = new byte[m.length];
    byte[] opened = new byte[m.length];
    long start = System.nanoTime();
    long end = start + nanos;
    long ops = 0;
    long now;
    do {
      for (int i = 0; i < 16; i++) {
        box.seal(c, m, m.length, n, k);
        if (box.open(opened, c, c.length, n, k) != 0) {
          throw new IllegalStateException("box did not open");
        }
      }
      ops += 16;
      now = System.nanoTime();
    } while (now < end);
    return ops / ((now - start) / 1e9);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
