package org.fedmsg.jeromq.internal;

import static org.fedmsg.jeromq.internal.Salsa20.le32;

/**
 * Poly1305, written from D. J. Bernstein's "The Poly1305-AES message-authentication code": the
 * accumulator and r in five 26-bit limbs held in longs, so a 16-byte block costs 25
 * multiplications (the textbook radix-2^8 form costs 289). Runs in time independent of the
 * data.
 */
final class Poly1305 {
  private static final long M26 = 0x3ffffff;
  private static final long M32 = 0xffffffffL;

  private Poly1305() {}

  private static long u32(byte[] b, int off) {
    return le32(b, off) & M32;
  }

  /**
   * Writes the 16-byte tag of {@code len} bytes of {@code m} (from {@code off}) under the
   * one-time 32-byte {@code key} (r then s, at {@code keyOff}) to {@code out} at {@code outOff}.
   */
  static void mac(byte[] out, int outOff, byte[] m, int off, int len, byte[] key, int keyOff) {
    // r, clamped as the specification requires
    long r0 = u32(key, keyOff) & 0x3ffffff;
    long r1 = (u32(key, keyOff + 3) >>> 2) & 0x3ffff03;
    long r2 = (u32(key, keyOff + 6) >>> 4) & 0x3ffc0ff;
    long r3 = (u32(key, keyOff + 9) >>> 6) & 0x3f03fff;
    long r4 = (u32(key, keyOff + 12) >>> 8) & 0x00fffff;
    long s1 = r1 * 5;
    long s2 = r2 * 5;
    long s3 = r3 * 5;
    long s4 = r4 * 5;
    long h0 = 0;
    long h1 = 0;
    long h2 = 0;
    long h3 = 0;
    long h4 = 0;
    byte[] last = null;
    int pos = off;
    int end = off + len;
    while (pos < end) {
      byte[] b = m;
      int p = pos;
      long hibit = 1L << 24;
      if (end - pos < 16) {
        // the final short block: the message bytes, a 1, then zeros, and no 2^128 bit
        last = new byte[16];
        System.arraycopy(m, pos, last, 0, end - pos);
        last[end - pos] = 1;
        b = last;
        p = 0;
        hibit = 0;
      }
      h0 += u32(b, p) & M26;
      h1 += (u32(b, p + 3) >>> 2) & M26;
      h2 += (u32(b, p + 6) >>> 4) & M26;
      h3 += (u32(b, p + 9) >>> 6) & M26;
      h4 += (u32(b, p + 12) >>> 8) | hibit;

      long d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
      long d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
      long d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
      long d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
      long d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

      long c = d0 >>> 26;
      h0 = d0 & M26;
      d1 += c;
      c = d1 >>> 26;
      h1 = d1 & M26;
      d2 += c;
      c = d2 >>> 26;
      h2 = d2 & M26;
      d3 += c;
      c = d3 >>> 26;
      h3 = d3 & M26;
      d4 += c;
      c = d4 >>> 26;
      h4 = d4 & M26;
      h0 += c * 5;
      c = h0 >>> 26;
      h0 &= M26;
      h1 += c;
      pos += 16;
    }

    // full carry
    long c = h1 >>> 26;
    h1 &= M26;
    h2 += c;
    c = h2 >>> 26;
    h2 &= M26;
    h3 += c;
    c = h3 >>> 26;
    h3 &= M26;
    h4 += c;
    c = h4 >>> 26;
    h4 &= M26;
    h0 += c * 5;
    c = h0 >>> 26;
    h0 &= M26;
    h1 += c;

    // g = h + 5 - 2^130; take g when it does not go negative (h >= p), without branching
    long g0 = h0 + 5;
    c = g0 >>> 26;
    g0 &= M26;
    long g1 = h1 + c;
    c = g1 >>> 26;
    g1 &= M26;
    long g2 = h2 + c;
    c = g2 >>> 26;
    g2 &= M26;
    long g3 = h3 + c;
    c = g3 >>> 26;
    g3 &= M26;
    long g4 = h4 + c - (1L << 26);
    long useG = (g4 >>> 63) - 1; // all ones when g4 >= 0
    h0 = (h0 & ~useG) | (g0 & useG);
    h1 = (h1 & ~useG) | (g1 & useG);
    h2 = (h2 & ~useG) | (g2 & useG);
    h3 = (h3 & ~useG) | (g3 & useG);
    h4 = (h4 & ~useG) | (g4 & useG);

    // h mod 2^128, plus s
    long w0 = (h0 | (h1 << 26)) & M32;
    long w1 = ((h1 >>> 6) | (h2 << 20)) & M32;
    long w2 = ((h2 >>> 12) | (h3 << 14)) & M32;
    long w3 = ((h3 >>> 18) | (h4 << 8)) & M32;
    long f = w0 + u32(key, keyOff + 16);
    Salsa20.LE_INT.set(out, outOff, (int) f);
    f = w1 + u32(key, keyOff + 20) + (f >>> 32);
    Salsa20.LE_INT.set(out, outOff + 4, (int) f);
    f = w2 + u32(key, keyOff + 24) + (f >>> 32);
    Salsa20.LE_INT.set(out, outOff + 8, (int) f);
    f = w3 + u32(key, keyOff + 28) + (f >>> 32);
    Salsa20.LE_INT.set(out, outOff + 12, (int) f);
  }
}
