package org.fedmsg.discovery;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Validation and fingerprints of CURVE public keys in their Z85 text form (40 characters for 32 bytes).
 *
 * <p>Stateless and thread-safe.
 */
public final class CurveKeys {

  /** Length of a Z85-encoded 32-byte CURVE key. */
  public static final int Z85_LENGTH = 40;

  private static final String ALPHABET =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

  private CurveKeys() {}

  /**
   * Decodes a Z85 CURVE public key.
   *
   * @param z85 the key text, not null
   * @return the 32 key bytes (a fresh array), or empty when the text is not a valid Z85 key of 40 characters
   */
  public static Optional<byte[]> decode(String z85) {
    if (z85.length() != Z85_LENGTH) {
      return Optional.empty();
    }
    byte[] out = new byte[32];
    for (int block = 0; block < 8; block++) {
      long value = 0;
      for (int i = 0; i < 5; i++) {
        int digit = ALPHABET.indexOf(z85.charAt(block * 5 + i));
        if (digit < 0) {
          return Optional.empty();
        }
        value = value * 85 + digit;
      }
      // Five base-85 digits can exceed 32 bits; such text is not a key.
      if (value > 0xFFFF_FFFFL) {
        return Optional.empty();
      }
      for (int i = 0; i < 4; i++) {
        out[block * 4 + i] = (byte) (value >>> (24 - 8 * i));
      }
    }
    return Optional.of(out);
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
    byte[] raw = decode(z85).orElseThrow(() -> new IllegalArgumentException("not a Z85 CURVE key"));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
      return "SHA256:" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
    }
  }

  /**
   * Encodes 32 key bytes as Z85 (used by tests and tools that generate keys).
   *
   * @param raw exactly 32 bytes
   * @return the 40-character Z85 text
   * @throws IllegalArgumentException if {@code raw} is not 32 bytes long
   */
  public static String encode(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("a CURVE key has 32 bytes, got " + raw.length);
    }
    StringBuilder sb = new StringBuilder(Z85_LENGTH);
    for (int block = 0; block < 8; block++) {
      long value = 0;
      for (int i = 0; i < 4; i++) {
        value = (value << 8) | (raw[block * 4 + i] & 0xFF);
      }
      char[] chars = new char[5];
      for (int i = 4; i >= 0; i--) {
        chars[i] = ALPHABET.charAt((int) (value % 85));
        value /= 85;
      }
      sb.append(chars);
    }
    return sb.toString();
  }
}
