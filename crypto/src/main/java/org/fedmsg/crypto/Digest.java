package org.fedmsg.crypto;

/**
 * Hash functions that appear in certificate, CRL and message signatures, for operator minimums
 * ({@link TrustOptions.Builder#allowedDigests}).
 */
public enum Digest {
  /** MD5: broken; the reference test CRL is signed with it. */
  MD5,
  /** SHA-1: broken for collisions; fedmsg/1 message signatures and legacy CAs use it. */
  SHA1,
  /** SHA-224. */
  SHA224,
  /** SHA-256. */
  SHA256,
  /** SHA-384. */
  SHA384,
  /** SHA-512 (also stands for Ed25519, which hashes with it internally). */
  SHA512;

  /**
   * The digest named {@code name}, as operators write it: {@code sha256}, {@code SHA-256},
   * {@code sha-256} (case-insensitive).
   *
   * @throws IllegalArgumentException if the name is no digest of this enum
   */
  public static Digest parse(String name) {
    String n = name.strip().toUpperCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
    for (Digest d : values()) {
      if (d.name().equals(n)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown digest '" + name + "' (known: md5, sha1, sha224, sha256, sha384, sha512)");
  }

  /** Whether {@link Profile#STRONG} accepts this digest (SHA-256 and stronger). */
  public boolean isStrong() {
    return this == SHA256 || this == SHA384 || this == SHA512;
  }
}
