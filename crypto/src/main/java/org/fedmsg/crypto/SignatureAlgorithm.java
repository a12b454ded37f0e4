package org.fedmsg.crypto;

import java.util.Optional;

/**
 * The message-signature algorithms fedmsg knows, with their names on the wire.
 *
 * <p>{@link #RSA_SHA1} exists only for fedmsg/1 compatibility (the reference implementation signs
 * with RSA PKCS#1 v1.5 and SHA-1); fedmsg/2 uses the other three, chosen from the key type.
 */
public enum SignatureAlgorithm {
  /** RSA PKCS#1 v1.5 with SHA-1: fedmsg/1 only. */
  RSA_SHA1("rsa-sha1", Digest.SHA1, false),
  /** RSA PKCS#1 v1.5 with SHA-256 (RSA keys of at least 2048 bits). */
  RSA_SHA256("rsa-sha256", Digest.SHA256, true),
  /**
   * ECDSA over P-256 with SHA-256. The signature is encoded as IEEE P1363 {@code r || s}, each 32
   * bytes big-endian (64 bytes in all), not ASN.1 DER: fixed length and no encoding ambiguity.
   */
  ECDSA_P256_SHA256("ecdsa-p256-sha256", Digest.SHA256, true),
  /** Ed25519 (RFC 8032, pure): 64-byte signatures. */
  ED25519("ed25519", Digest.SHA512, true);

  private final String wireName;
  private final Digest digest;
  private final boolean strong;

  SignatureAlgorithm(String wireName, Digest digest, boolean strong) {
    this.wireName = wireName;
    this.digest = digest;
    this.strong = strong;
  }

  /** The algorithm's name on the wire, e.g. {@code "ed25519"}; never null. */
  public String wireName() {
    return wireName;
  }

  /** The digest the algorithm hashes with (Ed25519 counts as SHA-512, which it uses inside). */
  public Digest digest() {
    return digest;
  }

  /** Whether the {@link Profile#STRONG} profile accepts this algorithm. */
  public boolean isStrong() {
    return strong;
  }

  /**
   * The algorithm with this wire name.
   *
   * @param wireName a wire name; may be null
   * @return the algorithm, or empty if the name is null or unknown (never throws)
   */
  public static Optional<SignatureAlgorithm> fromWireName(String wireName) {
    for (SignatureAlgorithm a : values()) {
      if (a.wireName.equals(wireName)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
