package org.fedmsg.jeromq.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Salsa20/20 and HSalsa20, written from D. J. Bernstein's specifications ("Salsa20
 * specification", "Extending the Salsa20 nonce"). The state lives in local variables and the
 * keystream is applied four bytes at a time through a little-endian view of the arrays; nothing
 * is allocated per block.
 */
final class Salsa20 {
  static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  // "expand 32-byte k"
  private static final int C0 = 0x61707865;
  private static final int C1 = 0x3320646e;
  private static final int C2 = 0x79622d32;
  private static final int C3 = 0x6b206574;

  private Salsa20() {}

  static int le32(byte[] b, int off) {
    return (int) LE_INT.get(b, off);
  }

  /**
   * HSalsa20: the 32-byte subkey of {@code key} (32 bytes at {@code keyOff}) and a 16-byte
   * input (at {@code inOff}), written to {@code out} at {@code outOff}.
   */
  static void hsalsa20(byte[] out, int outOff, byte[] in, int inOff, byte[] key, int keyOff) {
    int x0 = C0;
    int x1 = le32(key, keyOff);
    int x2 = le32(key, keyOff + 4);
    int x3 = le32(key, keyOff + 8);
    int x4 = le32(key, keyOff + 12);
    int x5 = C1;
    int x6 = le32(in, inOff);
    int x7 = le32(in, inOff + 4);
    int x8 = le32(in, inOff + 8);
    int x9 = le32(in, inOff + 12);
    int x10 = C2;
    int x11 = le32(key, keyOff + 16);
    int x12 = le32(key, keyOff + 20);
    int x13 = le32(key, keyOff + 24);
    int x14 = le32(key, keyOff + 28);
    int x15 = C3;
    for (int i = 0; i < 10; i++) {
      // column round
      x4 ^= Integer.rotateLeft(x0 + x12, 7);
      x8 ^= Integer.rotateLeft(x4 + x0, 9);
      x12 ^= Integer.rotateLeft(x8 + x4, 13);
      x0 ^= Integer.rotateLeft(x12 + x8, 18);
      x9 ^= Integer.rotateLeft(x5 + x1, 7);
      x13 ^= Integer.rotateLeft(x9 + x5, 9);
      x1 ^= Integer.rotateLeft(x13 + x9, 13);
      x5 ^= Integer.rotateLeft(x1 + x13, 18);
      x14 ^= Integer.rotateLeft(x10 + x6, 7);
      x2 ^= Integer.rotateLeft(x14 + x10, 9);
      x6 ^= Integer.rotateLeft(x2 + x14, 13);
      x10 ^= Integer.rotateLeft(x6 + x2, 18);
      x3 ^= Integer.rotateLeft(x15 + x11, 7);
      x7 ^= Integer.rotateLeft(x3 + x15, 9);
      x11 ^= Integer.rotateLeft(x7 + x3, 13);
      x15 ^= Integer.rotateLeft(x11 + x7, 18);
      // row round
      x1 ^= Integer.rotateLeft(x0 + x3, 7);
      x2 ^= Integer.rotateLeft(x1 + x0, 9);
      x3 ^= Integer.rotateLeft(x2 + x1, 13);
      x0 ^= Integer.rotateLeft(x3 + x2, 18);
      x6 ^= Integer.rotateLeft(x5 + x4, 7);
      x7 ^= Integer.rotateLeft(x6 + x5, 9);
      x4 ^= Integer.rotateLeft(x7 + x6, 13);
      x5 ^= Integer.rotateLeft(x4 + x7, 18);
      x11 ^= Integer.rotateLeft(x10 + x9, 7);
      x8 ^= Integer.rotateLeft(x11 + x10, 9);
      x9 ^= Integer.rotateLeft(x8 + x11, 13);
      x10 ^= Integer.rotateLeft(x9 + x8, 18);
      x12 ^= Integer.rotateLeft(x15 + x14, 7);
      x13 ^= Integer.rotateLeft(x12 + x15, 9);
      x14 ^= Integer.rotateLeft(x13 + x12, 13);
      x15 ^= Integer.rotateLeft(x14 + x13, 18);
    }
    // HSalsa20 keeps the diagonal and the input words, without the final addition
    LE_INT.set(out, outOff, x0);
    LE_INT.set(out, outOff + 4, x5);
    LE_INT.set(out, outOff + 8, x10);
    LE_INT.set(out, outOff + 12, x15);
    LE_INT.set(out, outOff + 16, x6);
    LE_INT.set(out, outOff + 20, x7);
    LE_INT.set(out, outOff + 24, x8);
    LE_INT.set(out, outOff + 28, x9);
  }

  /**
   * XORs the Salsa20 keystream of ({@code key}, 8-byte {@code nonce}) into {@code len} bytes,
   * from {@code in} to {@code out}, starting at keystream byte {@code streamOff} (any value; a
   * block boundary is the fast case). {@code in} and {@code out} may be the same array at the
   * same offset.
   */
  static void xor(byte[] out, int outOff, byte[] in, int inOff, int len, long streamOff,
      byte[] nonce, int nonceOff, byte[] key, int keyOff) {
    int k0 = le32(key, keyOff);
    int k1 = le32(key, keyOff + 4);
    int k2 = le32(key, keyOff + 8);
    int k3 = le32(key, keyOff + 12);
    int k4 = le32(key, keyOff + 16);
    int k5 = le32(key, keyOff + 20);
    int k6 = le32(key, keyOff + 24);
    int k7 = le32(key, keyOff + 28);
    int n0 = le32(nonce, nonceOff);
    int n1 = le32(nonce, nonceOff + 4);
    long counter = streamOff >>> 6;
    int skip = (int) (streamOff & 63);
    byte[] partial = null;
    int done = 0;
    while (done < len) {
      int j8 = (int) counter;
      int j9 = (int) (counter >>> 32);
      int x0 = C0;
      int x1 = k0;
      int x2 = k1;
      int x3 = k2;
      int x4 = k3;
      int x5 = C1;
      int x6 = n0;
      int x7 = n1;
      int x8 = j8;
      int x9 = j9;
      int x10 = C2;
      int x11 = k4;
      int x12 = k5;
      int x13 = k6;
      int x14 = k7;
      int x15 = C3;
      for (int i = 0; i < 10; i++) {
        x4 ^= Integer.rotateLeft(x0 + x12, 7);
        x8 ^= Integer.rotateLeft(x4 + x0, 9);
        x12 ^= Integer.rotateLeft(x8 + x4, 13);
        x0 ^= Integer.rotateLeft(x12 + x8, 18);
        x9 ^= Integer.rotateLeft(x5 + x1, 7);
        x13 ^= Integer.rotateLeft(x9 + x5, 9);
        x1 ^= Integer.rotateLeft(x13 + x9, 13);
        x5 ^= Integer.rotateLeft(x1 + x13, 18);
        x14 ^= Integer.rotateLeft(x10 + x6, 7);
        x2 ^= Integer.rotateLeft(x14 + x10, 9);
        x6 ^= Integer.rotateLeft(x2 + x14, 13);
        x10 ^= Integer.rotateLeft(x6 + x2, 18);
        x3 ^= Integer.rotateLeft(x15 + x11, 7);
        x7 ^= Integer.rotateLeft(x3 + x15, 9);
        x11 ^= Integer.rotateLeft(x7 + x3, 13);
        x15 ^= Integer.rotateLeft(x11 + x7, 18);
        x1 ^= Integer.rotateLeft(x0 + x3, 7);
        x2 ^= Integer.rotateLeft(x1 + x0, 9);
        x3 ^= Integer.rotateLeft(x2 + x1, 13);
        x0 ^= Integer.rotateLeft(x3 + x2, 18);
        x6 ^= Integer.rotateLeft(x5 + x4, 7);
        x7 ^= Integer.rotateLeft(x6 + x5, 9);
        x4 ^= Integer.rotateLeft(x7 + x6, 13);
        x5 ^= Integer.rotateLeft(x4 + x7, 18);
        x11 ^= Integer.rotateLeft(x10 + x9, 7);
        x8 ^= Integer.rotateLeft(x11 + x10, 9);
        x9 ^= Integer.rotateLeft(x8 + x11, 13);
        x10 ^= Integer.rotateLeft(x9 + x8, 18);
        x12 ^= Integer.rotateLeft(x15 + x14, 7);
        x13 ^= Integer.rotateLeft(x12 + x15, 9);
        x14 ^= Integer.rotateLeft(x13 + x12, 13);
        x15 ^= Integer.rotateLeft(x14 + x13, 18);
      }
      x0 += C0;
      x1 += k0;
      x2 += k1;
      x3 += k2;
      x4 += k3;
      x5 += C1;
      x6 += n0;
      x7 += n1;
      x8 += j8;
      x9 += j9;
      x10 += C2;
      x11 += k4;
      x12 += k5;
      x13 += k6;
      x14 += k7;
      x15 += C3;
      int o = outOff + done;
      int p = inOff + done;
      if (skip == 0 && len - done >= 64) {
        // the common case: a whole block, sixteen 4-byte XORs
        LE_INT.set(out, o, le32(in, p) ^ x0);
        LE_INT.set(out, o + 4, le32(in, p + 4) ^ x1);
        LE_INT.set(out, o + 8, le32(in, p + 8) ^ x2);
        LE_INT.set(out, o + 12, le32(in, p + 12) ^ x3);
        LE_INT.set(out, o + 16, le32(in, p + 16) ^ x4);
        LE_INT.set(out, o + 20, le32(in, p + 20) ^ x5);
        LE_INT.set(out, o + 24, le32(in, p + 24) ^ x6);
        LE_INT.set(out, o + 28, le32(in, p + 28) ^ x7);
        LE_INT.set(out, o + 32, le32(in, p + 32) ^ x8);
        LE_INT.set(out, o + 36, le32(in, p + 36) ^ x9);
        LE_INT.set(out, o + 40, le32(in, p + 40) ^ x10);
        LE_INT.set(out, o + 44, le32(in, p + 44) ^ x11);
        LE_INT.set(out, o + 48, le32(in, p + 48) ^ x12);
        LE_INT.set(out, o + 52, le32(in, p + 52) ^ x13);
        LE_INT.set(out, o + 56, le32(in, p + 56) ^ x14);
        LE_INT.set(out, o + 60, le32(in, p + 60) ^ x15);
        done += 64;
      } else {
        // a block entered or left part-way: at most two per call
        if (partial == null) {
          partial = new byte[64];
        }
        LE_INT.set(partial, 0, x0);
        LE_INT.set(partial, 4, x1);
        LE_INT.set(partial, 8, x2);
        LE_INT.set(partial, 12, x3);
        LE_INT.set(partial, 16, x4);
        LE_INT.set(partial, 20, x5);
        LE_INT.set(partial, 24, x6);
        LE_INT.set(partial, 28, x7);
        LE_INT.set(partial, 32, x8);
        LE_INT.set(partial, 36, x9);
        LE_INT.set(partial, 40, x10);
        LE_INT.set(partial, 44, x11);
        LE_INT.set(partial, 48, x12);
        LE_INT.set(partial, 52, x13);
        LE_INT.set(partial, 56, x14);
        LE_INT.set(partial, 60, x15);
        int n = Math.min(64 - skip, len - done);
        for (int i = 0; i < n; i++) {
          out[o + i] = (byte) (in[p + i] ^ partial[skip + i]);
        }
        done += n;
        skip = 0;
      }
      counter++;
    }
  }
}
