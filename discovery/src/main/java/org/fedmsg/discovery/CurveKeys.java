package org.fedmsg.discovery;

import java.util.Optional;
import org.fedmsg.crypto.Z85;

/**
 * Validation and fingerprints of CURVE public keys in their Z85 text form (40 characters for 32 bytes).
 *
 * <p>Delegates to {@link Z85} in the crypto module (one implementation in the project).
 *
 * <p>Stateless and thread-safe.
 */
public final class CurveKeys {

  /** Length of a Z85-encoded 32-byte CURVE key. */
  public static final int Z85_LENGTH = 40;

  private CurveKeys() {}

  /**
   * Decodes a Z85 CURVE public key.
   *
   * @param z85 the key text, not null
   * @return the 32 key bytes (a fresh array), or empty when the text is not a valid Z85 key of 40 characters
   */
  public static Optional<byte[]> decode(String z85) {
    return Z85.decodeKey(z85);
  }

  /**
   * Tells whether a text is a valid Z85 CURVE public key.
   *
   * @param z85 the key text, may be null (then false)
   * @return true when {@link #decode(String)} would succeed
   */
  public static boolean isValid(String z85) {
    return z85 != null && decode(z85).isPresent();
  }

  /**
   * A short, stable fingerprint of a CURVE public key for humans: {@code SHA256:} and the first 16 hex digits
   * of the SHA-256 of the 32 key bytes.
   *
   * @param z85 a valid Z85 key
   * @return the fingerprint
   * @throws IllegalArgumentException if the key is not valid Z85
   */
  public static String fingerprint(String z85) {
    return Z85.fingerprint(decode(z85).orElseThrow(() -> new IllegalArgumentException("not a Z85 CURVE key")));
  }

  /**
   * Encodes 32 key bytes as Z85 (used by tests and tools that generate keys).
   *
   * @param raw exactly 32 bytes
   * @return the 40-character Z85 text
   * @throws IllegalArgumentException if {@code raw} is not 32 bytes long
   */
  public static String encode(byte[] raw) {
    return Z85.encodeKey(raw);
  }
}
