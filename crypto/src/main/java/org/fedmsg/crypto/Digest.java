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

  /** Whether {@link Profile#STRONG} accepts this digest (SHA-256 and stronger). */
  public boolean isStrong() {
    return this == SHA256 || this == SHA384 || this == SHA512;
  }
}
