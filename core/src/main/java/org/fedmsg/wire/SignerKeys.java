package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The identity replay and sequence state are keyed on: SHA-256 of the signer's public key
 * (its SubjectPublicKeyInfo as the key encodes itself), lower-case hex. Not the certificate's
 * hash: the certificate bytes are not covered by a fedmsg/1 signature, and a re-encoded or renewed
 * certificate of the same key is still the same signer, who must not be able to make a seen
 * message new.
 *
 * <p>The trust store hands out the same certificate instance for the same bytes, so the result is
 * cached per instance (weakly): a known signer costs one lookup.
 */
final class SignerKeys {
  private static final Cache<X509Certificate, String> IDS =
      Caffeine.newBuilder().executor(Runnable::run).weakKeys().maximumSize(10_000).build();

  private SignerKeys() {}

  /** The key identity of {@code certificate}'s subject. */
  static String id(X509Certificate certificate) {
    return IDS.get(certificate, c -> sha256Hex(c.getPublicKey().getEncoded()));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256(data));
  }
}
