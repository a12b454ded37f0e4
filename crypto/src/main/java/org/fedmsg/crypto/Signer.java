package org.fedmsg.crypto;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Signs bytes with a service's private key, and carries the matching certificate (chain).
 *
 * <p>Load one from the fedmsg / func-certmaster layout ({@code <ssldir>/<certname>.key} and
 * {@code .crt}) with {@link #load(Path, String)}, from explicit paths with {@link #load(Path,
 * Path)}, or from objects with {@link #of(PrivateKey, List)}. {@link #signRsaSha1(byte[])} makes
 * fedmsg/1 signatures; {@link #sign(byte[])} makes fedmsg/2 signatures with the key's {@link
 * #algorithm() native algorithm}.
 *
 * <p>Thread-safe: each thread uses its own {@link Signature} object, initialised once. {@link
 * #toString()} never shows key material.
 */
public final class Signer {
  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final SignatureAlgorithm algorithm;
  private final SignerIdentity identity;
  private final String certificatePem;
  private final String description;
  private final ThreadLocal<Signature> strong;
  private final ThreadLocal<Signature> legacy;

  private Signer(PrivateKey key, List<X509Certificate> chain) {
    Keys.Kind kind = Keys.kind(key);
    algorithm = SignatureAlgorithm.forKey(key).orElseThrow(() -> new IllegalArgumentException(
        "unsupported private key " + Keys.describe(key) + ": use RSA, EC P-256 or Ed25519"));
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate");
    }
    this.chain = List.copyOf(chain);
    X509Certificate leaf = this.chain.get(0);
    if (Keys.kind(leaf.getPublicKey()) != kind) {
      throw new IllegalArgumentException("the certificate's key does not match the private key");
    }
    try {
      this.key = Primitives.adaptPrivate(key, algorithm);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable private key " + Keys.describe(key), e);
    }
    this.identity = Certificates.identity(leaf);
    this.certificatePem = Pem.encodeCertificate(leaf);
    this.description = "Signer[cn=" + identity.commonName() + ", key=" + Keys.describe(key)
        + ", algorithm=" + algorithm.wireName() + "]";
    this.strong = ThreadLocal.withInitial(() -> initSign(algorithm));
    this.legacy = ThreadLocal.withInitial(() -> initSign(SignatureAlgorithm.RSA_SHA1));
    checkKeyPair(leaf.getPublicKey());
  }

  /**
   * Loads {@code <ssldir>/<certname>.key} and {@code <ssldir>/<certname>.crt}, as the reference
   * does.
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if a file is malformed, the key is encrypted or unsupported,
   *     or key and certificate do not match
   */
  public static Signer load(Path ssldir, String certname) throws IOException {
    Objects.requireNonNull(certname, "certname");
    return load(ssldir.resolve(certname + ".key"), ssldir.resolve(certname + ".crt"));
  }

  /**
   * Loads an unencrypted private key and a certificate file (leaf first, then any intermediates;
   * text before the PEM blocks is ignored).
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if a file is malformed or key and certificate do not match
   */
  public static Signer load(Path keyFile, Path certificateFile) throws IOException {
    return load(keyFile, certificateFile, null);
  }

  /**
   * As {@link #load(Path, Path)}, for a key encrypted with {@code passphrase}.
   *
   * @param passphrase the passphrase, or null for an unencrypted key; not retained
   */
  public static Signer load(Path keyFile, Path certificateFile, char[] passphrase) throws IOException {
    PrivateKey key = Pem.readPrivateKey(keyFile, passphrase);
    return new Signer(key, Pem.readCertificates(certificateFile));
  }

  /**
   * A signer for {@code key} with the certificate chain {@code chainLeafFirst}.
   *
   * @throws IllegalArgumentException if the chain is empty, the key type is unsupported or the key
   *     does not match the leaf certificate
   */
  public static Signer of(PrivateKey key, List<X509Certificate> chainLeafFirst) {
    return new Signer(Objects.requireNonNull(key, "key"), chainLeafFirst);
  }

  /**
   * Signs {@code data} with the key's native algorithm ({@link #algorithm()}), for fedmsg/2.
   *
   * @param data the exact bytes to sign; not modified
   * @return the signature (for ECDSA, the 64-byte P1363 form)
   * @throws IllegalStateException if the key is RSA with fewer than 2048 bits (fedmsg/2 refuses
   *     it) or signing fails
   */
  public byte[] sign(byte[] data) {
    if (algorithm == SignatureAlgorithm.RSA_SHA256 && Keys.rsaBits(key) < 2048) {
      throw new IllegalStateException(
          "RSA key of " + Keys.rsaBits(key) + " bits is too small for fedmsg/2 (need 2048); use fedmsg/1");
    }
    return doSign(strong.get(), data);
  }

  /**
   * Signs {@code data} with RSA PKCS#1 v1.5 and SHA-1, as fedmsg/1 does (deterministic: the same
   * key and data give the same bytes). Any RSA key size is accepted.
   *
   * @throws IllegalStateException if the key is not RSA or signing fails
   */
  public byte[] signRsaSha1(byte[] data) {
    if (algorithm != SignatureAlgorithm.RSA_SHA256) {
      throw new IllegalStateException("fedmsg/1 signing needs an RSA key, this is " + Keys.describe(key));
    }
    return doSign(legacy.get(), data);
  }

  /** The algorithm {@link #sign(byte[])} uses, from the key type. */
  public SignatureAlgorithm algorithm() {
    return algorithm;
  }

  /** The leaf certificate. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The certificate chain, leaf first; immutable. */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** The leaf's first subject CN: the signer name used by topic policies. */
  public String commonName() {
    return identity.commonName();
  }

  /** The identity receivers will see. */
  public SignerIdentity identity() {
    return identity;
  }

  /** The leaf as PEM text, exactly as fedmsg/1 carries it (see {@link Pem#encodeCertificate}). */
  public String certificatePem() {
    return certificatePem;
  }

  /** Names the signer and key type; never key material. */
  @Override
  public String toString() {
    return description;
  }

  private Signature initSign(SignatureAlgorithm alg) {
    try {
      Signature s = Primitives.newSignature(alg);
      s.initSign(key);
      return s;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot initialise " + alg.wireName() + " signing", e);
    }
  }

  private static byte[] doSign(Signature s, byte[] data) {
    try {
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed", e);
    }
  }

  private void checkKeyPair(PublicKey pub) {
    byte[] probe = "fedmsg key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try {
      Signature s = Primitives.newSignature(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      if (!Primitives.verify(algorithm, Primitives.adaptPublic(pub, algorithm), probe, sig)) {
        throw new IllegalArgumentException("the certificate does not belong to the private key");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate does not belong to the private key", e);
    }
  }
}
