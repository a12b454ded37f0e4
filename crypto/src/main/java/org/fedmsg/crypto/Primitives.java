package org.fedmsg.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.EnumMap;
import java.util.Map;

/**
 * Which provider computes each signature algorithm, and reusable {@link Signature} objects.
 *
 * <p>The choice was measured with {@code CryptoPrimitivesBenchmark}: on the JDK 17 providers
 * ECDSA and Ed25519 are an order of magnitude slower than Bouncy Castle's, so those two use Bouncy
 * Castle; RSA is within a few percent either way and stays on the JDK provider.
 */
final class Primitives {
  private Primitives() {}

  /** Per-thread verifiers, one per algorithm; re-initialised with each key. */
  private static final ThreadLocal<Map<SignatureAlgorithm, Signature>> VERIFIERS =
      ThreadLocal.withInitial(() -> new EnumMap<>(SignatureAlgorithm.class));

  static boolean usesBouncyCastle(SignatureAlgorithm alg) {
    return alg == SignatureAlgorithm.ECDSA_P256_SHA256 || alg == SignatureAlgorithm.ED25519;
  }

  static String jcaName(SignatureAlgorithm alg) {
    switch (alg) {
      case RSA_SHA1:
        return "SHA1withRSA";
      case RSA_SHA256:
        return "SHA256withRSA";
      case ECDSA_P256_SHA256:
        // P1363 (r || s), see SignatureAlgorithm
        return "SHA256withPLAIN-ECDSA";
      case ED25519:
        return "Ed25519";
      default:
        throw new AssertionError(alg);
    }
  }

  static Signature newSignature(SignatureAlgorithm alg) throws GeneralSecurityException {
    return usesBouncyCastle(alg)
        ? Signature.getInstance(jcaName(alg), Providers.bc())
        : Signature.getInstance(jcaName(alg));
  }

  /** The key as the chosen provider wants it (BC keys for BC algorithms), converted once. */
  static PublicKey adaptPublic(PublicKey key, SignatureAlgorithm alg) throws GeneralSecurityException {
    if (!usesBouncyCastle(alg)) {
      return key;
    }
    Provider bc = Providers.bc();
    if (key.getClass().getName().startsWith("org.bouncycastle.")) {
      return key;
    }
    String keyAlg = alg == SignatureAlgorithm.ED25519 ? "Ed25519" : "EC";
    return KeyFactory.getInstance(keyAlg, bc).generatePublic(new X509EncodedKeySpec(key.getEncoded()));
  }

  /** As {@link #adaptPublic}, for private keys. */
  static PrivateKey adaptPrivate(PrivateKey key, SignatureAlgorithm alg) throws GeneralSecurityException {
    if (!usesBouncyCastle(alg) || key.getClass().getName().startsWith("org.bouncycastle.")) {
      return key;
    }
    String keyAlg = alg == SignatureAlgorithm.ED25519 ? "Ed25519" : "EC";
    return KeyFactory.getInstance(keyAlg, Providers.bc()).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
  }

  /** Whether a key of this kind can check signatures of this algorithm. */
  static boolean keyMatches(Keys.Kind kind, SignatureAlgorithm alg) {
    switch (alg) {
      case RSA_SHA1:
      case RSA_SHA256:
        return kind == Keys.Kind.RSA;
      case ECDSA_P256_SHA256:
        return kind == Keys.Kind.EC_P256;
      case ED25519:
        return kind == Keys.Kind.ED25519;
      default:
        return false;
    }
  }

  /**
   * Verifies with a per-thread {@link Signature}; {@code key} must come from {@link #adaptPublic}.
   *
   * @return whether the signature is valid; false also for a malformed signature encoding
   * @throws InvalidKeyException if the key does not suit the algorithm
   */
  static boolean verify(SignatureAlgorithm alg, PublicKey key, byte[] data, byte[] sig)
      throws GeneralSecurityException {
    Map<SignatureAlgorithm, Signature> mine = VERIFIERS.get();
    Signature s = mine.get(alg);
    if (s == null) {
      s = newSignature(alg);
      mine.put(alg, s);
    }
    s.initVerify(key);
    s.update(data);
    try {
      return s.verify(sig);
    } catch (java.security.SignatureException e) {
      // a signature of the wrong length or a bad encoding is just a bad signature
      return false;
    }
  }
}
