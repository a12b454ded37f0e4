package org.fedmsg.crypto;

/**
 * Which algorithms a verification accepts, before the operator's own minimums
 * ({@link TrustOptions}) are applied on top.
 */
public enum Profile {
  /**
   * fedmsg/1: whatever the reference implementation (OpenSSL) accepts, including 1024-bit RSA,
   * SHA-1 and MD5 certificate and CRL signatures and RSA/SHA-1 message signatures.
   */
  LEGACY,
  /**
   * fedmsg/2: keys RSA ≥ 2048 bits, EC P-256 or Ed25519; certificate and CRL signatures with
   * SHA-256 or stronger (or Ed25519); message signatures {@link SignatureAlgorithm#isStrong()
   * strong} only.
   */
  STRONG
}
