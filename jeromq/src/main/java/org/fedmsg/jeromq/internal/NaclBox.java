package org.fedmsg.jeromq.internal;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * NaCl's {@code crypto_box} (X25519, XSalsa20, Poly1305) with NaCl's calling convention, the one
 * JeroMQ's CURVE mechanism uses: a message starts with 32 zero bytes and its box with 16, and
 * lengths count them. Interoperates with libsodium (and so with libzmq); checked against
 * libsodium's output in {@code NaclBoxTest}.
 *
 * <p>Cost per box: one HSalsa20 (the per-nonce subkey), one Salsa20 pass over the message and
 * one Poly1305 pass over the ciphertext, nothing allocated but two 32-byte keys. Opening
 * decrypts and authenticates in the same two passes and wipes the output when the tag is wrong.
 *
 * <p>Public for {@code zmq.io.mechanism.curve.Curve} and the benchmarks; not an API of this
 * project.
 */
public final class NaclBox {
  /** Bytes of zeros before a message (NaCl's {@code crypto_box_ZEROBYTES}). */
  public static final int ZEROBYTES = 32;
  /** Bytes of zeros before a box (NaCl's {@code crypto_box_BOXZEROBYTES}). */
  public static final int BOXZEROBYTES = 16;
  /** Nonce length (XSalsa20's 24 bytes). */
  public static final int NONCEBYTES = 24;
  /** Key length: public, secret and precomputed keys. */
  public static final int KEYBYTES = 32;

  private static final byte[] ZERO16 = new byte[16];
  private static final SecureRandom RANDOM = new SecureRandom();

  private NaclBox() {}

  /**
   * {@code crypto_secretbox} (and {@code crypto_box_afternm}): boxes {@code mlen} bytes of
   * {@code m} (of which the first 32 are zero) into the first {@code mlen} bytes of {@code c}
   * (of which the first 16 come out zero, the next 16 are the tag). {@code c} may be {@code m}.
   *
   * @return 0, or -1 if {@code mlen} is below 32
   */
  public static int secretbox(byte[] c, byte[] m, int mlen, byte[] n, byte[] k) {
    if (mlen < ZEROBYTES) {
      return -1;
    }
    byte[] subkey = new byte[KEYBYTES];
    Salsa20.hsalsa20(subkey, 0, n, 0, k, 0);
    byte[] polyKey = keystreamAndXor(c, m, mlen, n, subkey);
    Poly1305.mac(c, BOXZEROBYTES, c, ZEROBYTES, mlen - ZEROBYTES, polyKey, 0);
    Arrays.fill(c, 0, BOXZEROBYTES, (byte) 0);
    Arrays.fill(subkey, (byte) 0);
    Arrays.fill(polyKey, (byte) 0);
    return 0;
  }

  /**
   * {@code crypto_secretbox_open} (and {@code crypto_box_open_afternm}): opens the first
   * {@code clen} bytes of {@code c} into {@code m}, whose first 32 bytes come out zero.
   *
   * @return 0, or -1 if the box is shorter than 32 bytes or its tag is wrong (then {@code m}'s
   *     first {@code clen} bytes are zeros)
   */
  public static int secretboxOpen(byte[] m, byte[] c, int clen, byte[] n, byte[] k) {
    if (clen < ZEROBYTES) {
      return -1;
    }
    byte[] subkey = new byte[KEYBYTES];
    Salsa20.hsalsa20(subkey, 0, n, 0, k, 0);
    byte[] tag = new byte[16];
    byte[] polyKey;
    if (m == c) {
      // in place: authenticate before the ciphertext is overwritten
      polyKey = new byte[KEYBYTES];
      Salsa20.xor(polyKey, 0, polyKey, 0, KEYBYTES, 0, n, 16, subkey, 0);
      Poly1305.mac(tag, 0, c, ZEROBYTES, clen - ZEROBYTES, polyKey, 0);
      Salsa20.xor(m, ZEROBYTES, c, ZEROBYTES, clen - ZEROBYTES, ZEROBYTES, n, 16, subkey, 0);
    } else {
      // decrypt and authenticate in one pass each; the output is wiped if the tag is wrong
      polyKey = keystreamAndXor(m, c, clen, n, subkey);
      Poly1305.mac(tag, 0, c, ZEROBYTES, clen - ZEROBYTES, polyKey, 0);
    }
    int diff = 0;
    for (int i = 0; i < 16; i++) {
      diff |= tag[i] ^ c[BOXZEROBYTES + i];
    }
    Arrays.fill(subkey, (byte) 0);
    Arrays.fill(polyKey, (byte) 0);
    if (diff != 0) {
      Arrays.fill(m, 0, clen, (byte) 0);
      return -1;
    }
    Arrays.fill(m, 0, ZEROBYTES, (byte) 0);
    return 0;
  }

  /**
   * XORs the XSalsa20 keystream of the subkey into {@code len} bytes from {@code in} to
   * {@code out} and returns the keystream's first 32 bytes, Poly1305's one-time key. When the
   * arrays differ the key is recovered as out ^ in, so one pass serves both and the caller's
   * leading bytes need not be zero.
   */
  private static byte[] keystreamAndXor(byte[] out, byte[] in, int len, byte[] n, byte[] subkey) {
    byte[] polyKey = new byte[KEYBYTES];
    if (out == in) {
      Salsa20.xor(polyKey, 0, polyKey, 0, KEYBYTES, 0, n, 16, subkey, 0);
      Salsa20.xor(out, ZEROBYTES, in, ZEROBYTES, len - ZEROBYTES, ZEROBYTES, n, 16, subkey, 0);
    } else {
      Salsa20.xor(out, 0, in, 0, len, 0, n, 16, subkey, 0);
      for (int i = 0; i < KEYBYTES; i++) {
        polyKey[i] = (byte) (out[i] ^ in[i]);
      }
    }
    return polyKey;
  }

  /**
   * {@code crypto_box_beforenm}: the key shared by {@code sk} and {@code pk},
   * HSalsa20(X25519(sk, pk), 0), into {@code k}.
   *
   * @return 0, or -1 when the shared point is all zeros (a low-order public key; libsodium
   *     refuses it too), in which case {@code k} is still written
   */
  public static int beforenm(byte[] k, byte[] pk, byte[] sk) {
    byte[] s = new byte[KEYBYTES];
    X25519.scalarMult(sk, 0, pk, 0, s, 0);
    int nonZero = 0;
    for (byte b : s) {
      nonZero |= b;
    }
    Salsa20.hsalsa20(k, 0, ZERO16, 0, s, 0);
    Arrays.fill(s, (byte) 0);
    return nonZero == 0 ? -1 : 0;
  }

  /** {@code crypto_box}: {@link #beforenm} then {@link #secretbox}. */
  public static int box(byte[] c, byte[] m, int mlen, byte[] n, byte[] pk, byte[] sk) {
    byte[] k = new byte[KEYBYTES];
    int rc = beforenm(k, pk, sk);
    if (rc == 0) {
      rc = secretbox(c, m, mlen, n, k);
    }
    Arrays.fill(k, (byte) 0);
    return rc;
  }

  /** {@code crypto_box_open}: {@link #beforenm} then {@link #secretboxOpen}. */
  public static int boxOpen(byte[] m, byte[] c, int clen, byte[] n, byte[] pk, byte[] sk) {
    byte[] k = new byte[KEYBYTES];
    int rc = beforenm(k, pk, sk);
    if (rc == 0) {
      rc = secretboxOpen(m, c, clen, n, k);
    }
    Arrays.fill(k, (byte) 0);
    return rc;
  }

  /** {@code crypto_box_keypair}: a random secret key, and its public key, into the arrays. */
  public static void keypair(byte[] pk, byte[] sk) {
    RANDOM.nextBytes(sk);
    X25519.scalarMultBase(sk, 0, pk, 0);
  }

  /** {@code length} bytes from a {@link SecureRandom}. */
  public static byte[] random(int length) {
    byte[] b = new byte[length];
    RANDOM.nextBytes(b);
    return b;
  }
}
