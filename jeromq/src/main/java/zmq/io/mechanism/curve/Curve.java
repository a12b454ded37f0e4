package zmq.io.mechanism.curve;

import java.nio.ByteBuffer;
import org.fedmsg.jeromq.internal.NaclBox;
import zmq.util.Z85;

/**
 * Takes the place of JeroMQ's class of the same name (the {@code crypto_box} primitives under
 * its CURVE mechanism) in the {@code fedmsg-jeromq} jar: same methods, same contracts, but the
 * boxes are {@link NaclBox} (our XSalsa20 and Poly1305) and the key agreement Bouncy Castle's
 * X25519, instead of the {@code jnacl} port, whose Poly1305 multiplies byte by byte. The wire
 * is unchanged: CurveZMQ (RFC 26) over NaCl boxes, as libzmq speaks it.
 *
 * <p>As in JeroMQ, the {@link ByteBuffer} forms work on each buffer's whole backing array from
 * index 0 (the mechanism allocates them so). {@code CurveReplacementTest} checks that this
 * class still offers every member of the JeroMQ class it replaces, and fails when JeroMQ's
 * version changes, so that a new JeroMQ is reviewed before it runs on top of this class.
 */
public class Curve {
  /** NaCl's sizes, under the names JeroMQ's mechanism classes use. */
  enum Size {
    NONCE(24),
    ZERO(32),
    BOXZERO(16),
    PUBLICKEY(32),
    SECRETKEY(32),
    KEY(32),
    BEFORENM(32);

    private final int bytes;

    Size(int bytes) {
      this.bytes = bytes;
    }

    public int bytes() {
      return bytes;
    }
  }

  /** Stateless; the mechanism makes one per connection. */
  public Curve() {}

  /** The Z85 text of a 32-byte public key. */
  public static String z85EncodePublic(byte[] publicKey) {
    return Z85.encode(publicKey, Size.PUBLICKEY.bytes());
  }

  /** A new key pair as Z85 text: public, then secret. */
  public String[] keypairZ85() {
    byte[][] pair = keypair();
    return new String[] {Z85.encode(pair[0], Size.PUBLICKEY.bytes()), Z85.encode(pair[1], Size.SECRETKEY.bytes())};
  }

  /** A new key pair: public, then secret. */
  public byte[][] keypair() {
    byte[] pk = new byte[Size.PUBLICKEY.bytes()];
    byte[] sk = new byte[Size.SECRETKEY.bytes()];
    NaclBox.keypair(pk, sk);
    return new byte[][] {pk, sk};
  }

  int beforenm(byte[] outSharedKey, byte[] publicKey, byte[] secretKey) {
    return NaclBox.beforenm(outSharedKey, publicKey, secretKey);
  }

  int afternm(ByteBuffer ciphered, ByteBuffer plaintext, int length, ByteBuffer nonce, byte[] precom) {
    return afternm(ciphered.array(), plaintext.array(), length, nonce.array(), precom);
  }

  int afternm(byte[] ciphered, byte[] plaintext, int length, byte[] nonce, byte[] precom) {
    return NaclBox.secretbox(ciphered, plaintext, length, nonce, precom);
  }

  int openAfternm(ByteBuffer plaintext, ByteBuffer messagebox, int length, ByteBuffer nonce, byte[] precom) {
    return openAfternm(plaintext.array(), messagebox.array(), length, nonce.array(), precom);
  }

  int openAfternm(byte[] plaintext, byte[] cipher, int length, byte[] nonce, byte[] precom) {
    return NaclBox.secretboxOpen(plaintext, cipher, length, nonce, precom);
  }

  int open(ByteBuffer plaintext, ByteBuffer messagebox, int length, ByteBuffer nonce, byte[] publicKey,
      byte[] secretKey) {
    return open(plaintext.array(), messagebox.array(), length, nonce.array(), publicKey, secretKey);
  }

  int open(byte[] plaintext, byte[] messagebox, int length, byte[] nonce, byte[] publicKey, byte[] secretKey) {
    return NaclBox.boxOpen(plaintext, messagebox, length, nonce, publicKey, secretKey);
  }

  int secretbox(ByteBuffer ciphertext, ByteBuffer plaintext, int length, ByteBuffer nonce, byte[] key) {
    return secretbox(ciphertext.array(), plaintext.array(), length, nonce.array(), key);
  }

  int secretbox(byte[] ciphertext, byte[] plaintext, int length, byte[] nonce, byte[] key) {
    return NaclBox.secretbox(ciphertext, plaintext, length, nonce, key);
  }

  int secretboxOpen(ByteBuffer plaintext, ByteBuffer box, int length, ByteBuffer nonce, byte[] key) {
    return secretboxOpen(plaintext.array(), box.array(), length, nonce.array(), key);
  }

  int secretboxOpen(byte[] plaintext, byte[] box, int length, byte[] nonce, byte[] key) {
    return NaclBox.secretboxOpen(plaintext, box, length, nonce, key);
  }

  byte[] random(int length) {
    return NaclBox.random(length);
  }

  /** {@code crypto_box}: boxes with the key shared by {@code secretKey} and {@code publicKey}. */
  public int box(ByteBuffer ciphertext, ByteBuffer plaintext, int length, ByteBuffer nonce, byte[] publicKey,
      byte[] secretKey) {
    return box(ciphertext.array(), plaintext.array(), length, nonce.array(), publicKey, secretKey);
  }

  /** {@code crypto_box}: boxes with the key shared by {@code secretKey} and {@code publicKey}. */
  public int box(byte[] ciphertext, byte[] plaintext, int length, byte[] nonce, byte[] publicKey, byte[] secretKey) {
    return NaclBox.box(ciphertext, plaintext, length, nonce, publicKey, secretKey);
  }
}
