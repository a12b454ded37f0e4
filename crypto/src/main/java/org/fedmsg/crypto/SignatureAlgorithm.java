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
  RSA_SHA1("rsa-sha1", Digest.SHA1, false, "SHA1withRSA"),
  /** RSA PKCS#1 v1.5 with SHA-256 (RSA keys of at least 2048 bits). */
  RSA_SHA256("rsa-sha256", Digest.SHA256, true, "SHA256withRSA"),
  /**
   * ECDSA over P-256 with SHA-256. The signature is encoded as IEEE P1363 {@code r || s}, each 32
   * bytes big-endian (64 bytes in all), not ASN.1 DER: fixed length and no encoding ambiguity.
   */
  ECDSA_P256_SHA256("ecdsa-p256-sha256", Digest.SHA256, true, "SHA256withECDSA"),
  /** Ed25519 (RFC 8032, pure): 64-byte signatures. */
  ED25519("ed25519", Digest.SHA512, true, "Ed25519");

  private final String wireName;
  private final Digest digest;
  private final boolean strong;
  private final String jcaName;

  SignatureAlgorithm(String wireName, Digest digest, boolean strong, String jcaName) {
    this.wireName = wireName;
    this.digest = digest;
    this.strong = strong;
    this.jcaName = jcaName;
  }

  /**
   * The algorithm a key signs fedmsg/2 messages, certificates and CRLs with: RSA-SHA256,
   * ECDSA P-256 SHA-256 or Ed25519, by key type (the one place that choice is made, for {@link
   * Signer} and {@code fedmsg-certs}).
   *
   * @return the algorithm, or empty for other keys (EC curves other than P-256, DSA, ...)
   */
  public static Optional<SignatureAlgorithm> forKey(java.security.Key key) {
    switch (Keys.kind(key)) {
      case RSA:
        return Optional.of(RSA_SHA256);
      case EC_P256:
        return Optional.of(ECDSA_P256_SHA256);
      case ED25519:
        return Optional.of(ED25519);
      default:
        return Optional.empty();
    }
  }

  /**
   * The JCA name of the same algorithm for X.509 signatures (certificates, CRLs), e.g. {@code
   * "SHA256withECDSA"} (DER-encoded ECDSA there, unlike the P1363 form of message signatures).
   */
  public String jcaName() {
    return jcaName;
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
