package org.fedmsg.json;

import java.math.BigInteger;

/**
 * Python's {@code float.__repr__} for doubles: the shortest decimal that reads back as the same
 * double (the nearest one when several are as short, ties to even), printed in fixed notation
 * when the decimal exponent is in [-4, 16) and in scientific notation otherwise.
 *
 * <p>The shortest digits come from the Schubfach algorithm (R. Giulietti, "The Schubfach way to
 * render doubles", 2020), written here for this project. It is needed because the JDK 17
 * {@code Double.toString} sometimes prints more digits than necessary (fixed in JDK 19, which
 * still prints at least two digits, e.g. {@code 4.9E-324} where Python prints {@code 5e-324}).
 *
 * <p>Thread-safe: stateless apart from an immutable table built once.
 */
final class PythonFloat {
  private static final int Q_MIN = -1074;
  private static final long C_MIN = 1L << 52;
  private static final long MASK_63 = (1L << 63) - 1;

  // Range of k = floor(log10(v)) the algorithm can ask for, over all finite positive doubles.
  private static final int K_MIN = -324;
  private static final int K_MAX = 292;

  /**
   * g(k) = floor(10^-k * 2^-beta) + 1, a 126-bit upper approximation of 10^-k, stored as a high
   * (63 bits) and low (63 bits) half; beta = floor(log2(10^-k)) - 125. Computed exactly with
   * BigInteger once, rather than checked in as a table of magic numbers.
   */
  private static final long[] G = buildTable();

  private PythonFloat() {}

  private static long[] buildTable() {
    long[] g = new long[2 * (K_MAX - K_MIN + 1)];
    for (int k = K_MIN; k <= K_MAX; k++) {
      int e = -k; // we need 10^e
      int beta = flog2pow10(e) - 125;
      BigInteger v;
      if (e >= 0) {
        BigInteger p = BigInteger.TEN.pow(e);
        v = beta >= 0 ? p.shiftRight(beta) : p.shiftLeft(-beta);
      } else {
        v = BigInteger.ONE.shiftLeft(-beta).divide(BigInteger.TEN.pow(-e));
      }
      v = v.add(BigInteger.ONE);
      int i = 2 * (k - K_MIN);
      g[i] = v.shiftRight(63).longValueExact();
      g[i + 1] = v.longValue() & MASK_63;
    }
    return g;
  }

  /** floor(q * log10(2)), exact for |q| &lt;= 1200 (checked in tests). */
  static int flog10pow2(int q) {
    return (int) ((q * 661_971_961_083L) >> 41);
  }

  /** floor(q * log10(2) + log10(3/4)), exact for |q| &lt;= 1200 (checked in tests). */
  static int flog10threeQuartersPow2(int q) {
    return (int) ((q * 661_971_961_083L - 274_743_187_321L) >> 41);
  }

  /** floor(e * log2(10)), exact for |e| &lt;= 400 (checked in tests). */
  static int flog2pow10(int e) {
    return (int) ((e * 913_124_641_741L) >> 38);
  }

  /** Python's {@code repr(v)}: see the class comment. Never null. */
  static String repr(double v) {
    AsciiBuffer out = new AsciiBuffer(26);
    write(v, out);
    return out.toAsciiString();
  }

  /** Appends Python's {@code repr(v)} to {@code out}. */
  static void write(double v, AsciiBuffer out) {
    long bits = Double.doubleToRawLongBits(v);
    int biasedExp = (int) (bits >>> 52) & 0x7ff;
    long fraction = bits & (C_MIN - 1);
    if (biasedExp == 0x7ff) {
      if (fraction != 0) {
        out.ascii("NaN");
      } else {
        out.ascii(bits < 0 ? "-Infinity" : "Infinity");
      }
      return;
    }
    if (bits < 0) {
      out.put('-');
    }
    if (biasedExp == 0 && fraction == 0) {
      out.ascii("0.0");
      return;
    }
    long c;
    int q;
    if (biasedExp != 0) {
      c = C_MIN | fraction;
      q = biasedExp - 1075;
    } else {
      c = fraction;
      q = Q_MIN;
    }
    shortest(c, q, out);
  }

  /**
   * Finds the shortest decimal f * 10^e in the rounding interval of v = c * 2^q and writes it.
   * Quantities with a "b" are v, its left and right interval bounds, times 4 / 10^k, rounded to
   * odd; comparing a round-to-odd value with an even integer gives the same answer as comparing
   * the exact value, which is what makes the interval tests below exact.
   */
  private static void shortest(long c, int q, AsciiBuffer out) {
    // Python reads decimals with round-half-even: a bound is inside the interval iff c is even.
    int out1 = (int) c & 1;
    long cb = c << 2;
    long cbr = cb + 2;
    long cbl;
    int k;
    if (c != C_MIN || q == Q_MIN) {
      cbl = cb - 2;
      k = flog10pow2(q);
    } else {
      // At a power of two the gap below v is half the gap above.
      cbl = cb - 1;
      k = flog10threeQuartersPow2(q);
    }
    int h = q + flog2pow10(-k) + 2;
    int i = 2 * (k - K_MIN);
    long g1 = G[i];
    long g0 = G[i + 1];
    long vb = roundToOdd(g1, g0, cb << h);
    long vbl = roundToOdd(g1, g0, cbl << h);
    long vbr = roundToOdd(g1, g0, cbr << h);

    long s = vb >> 2;
    // The interval is narrower than 10^(k+1): at most one multiple of 10^(k+1) lies in it. If one
    // does, it is the shortest answer (its trailing zeros are stripped when printing).
    long sp10 = s / 10 * 10;
    long tp10 = sp10 + 10;
    boolean upin = vbl + out1 <= sp10 << 2;
    boolean wpin = (tp10 << 2) + out1 <= vbr;
    if (upin != wpin) {
      format(upin ? sp10 : tp10, k, out);
      return;
    }
    // Otherwise one or two multiples of 10^k are in the interval: take the one inside, or the
    // nearer one, or the even one on a tie.
    long t = s + 1;
    boolean uin = vbl + out1 <= s << 2;
    boolean win = (t << 2) + out1 <= vbr;
    if (uin != win) {
      format(uin ? s : t, k, out);
      return;
    }
    long cmp = vb - ((s + t) << 1);
    format(cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t, k, out);
  }

  /** floor(g * cp / 2^127), with the lowest bit set when the discarded fraction is non-zero. */
  private static long roundToOdd(long g1, long g0, long cp) {
    long x1 = Math.multiplyHigh(g0, cp);
    long y0 = g1 * cp;
    long y1 = Math.multiplyHigh(g1, cp);
    long z = (y0 >>> 1) + x1;
    long vbp = y1 + (z >>> 63);
    return vbp | (((z & MASK_63) + MASK_63) >>> 63);
  }

  /** Writes f * 10^e (f &gt; 0) the way Python's repr lays out digits. */
  static void format(long f, int e, AsciiBuffer out) {
    while (f % 10 == 0) {
      f /= 10;
      e++;
    }
    int start = out.length();
    out.decimal(f);
    int n = out.length() - start; // number of significant digits, now in the buffer
    int exp10 = e + n - 1; // decimal exponent of the first digit
    if (exp10 >= -4 && exp10 < 16) {
      if (exp10 >= n - 1) {
        // An integral value: digits, zeros, ".0".
        for (int j = 0; j < exp10 - (n - 1); j++) {
          out.put('0');
        }
        out.ascii(".0");
      } else if (exp10 >= 0) {
        out.insert(start + exp10 + 1, '.');
      } else {
        // 0.000ddd: shift the digits right by the leading zeros and "0.".
        int zeros = -exp10 - 1;
        out.insertZeroPoint(start, zeros);
      }
    } else {
      if (n > 1) {
        out.insert(start + 1, '.');
      }
      out.put('e');
      out.put(exp10 < 0 ? '-' : '+');
      int a = Math.abs(exp10);
      if (a < 10) {
        out.put('0');
      }
      out.decimal(a);
    }
  }
}
