package org.fedmsg.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Z85 text of 32-byte CURVE keys (ZeroMQ RFC 32), and their fingerprints for logs.
 *
 * <p>Stateless and thread-safe.
 */
public final class Z85 {
  /** Length of a Z85-encoded 32-byte CURVE key. */
  public static final int KEY_LENGTH = 40;

  private static final String ALPHABET =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

  private Z85() {}

  /**
   * Decodes a Z85 CURVE key.
   *
   * @param z85 the key text, not null
   * @return the 32 key bytes (a fresh array), or empty when the text is not 40 characters of valid Z85
   */
  public static Optional<byte[]> decodeKey(String z85) {
    if (z85.length() != KEY_LENGTH) {
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
   * Encodes 32 key bytes as Z85.
   *
   * @param raw exactly 32 bytes
   * @return the 40-character Z85 text
   * @throws IllegalArgumentException if {@code raw} is not 32 bytes long
   */
  public static String encodeKey(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("a CURVE key has 32 bytes, got " + raw.length);
    }
    StringBuilder sb = new StringBuilder(KEY_LENGTH);
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

  /**
   * A short, stable fingerprint of a CURVE public key for humans and logs: {@code SHA256:} and the
   * first 16 hex digits of the SHA-256 of the 32 key bytes. Never use it on a secret key.
   *
   * @param publicKey the 32 key bytes
   * @return the fingerprint
   * @throws IllegalArgumentException if the key is not 32 bytes
   */
  public static String fingerprint(byte[] publicKey) {
    if (publicKey.length != 32) {
      throw new IllegalArgumentException("a CURVE key has 32 bytes, got " + publicKey.length);
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKey);
      return "SHA256:" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
    }
  }
}
