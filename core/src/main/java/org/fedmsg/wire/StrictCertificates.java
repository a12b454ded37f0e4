package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Certificate;

/**
 * fedmsg/2's rule that a presented chain is exactly the DER of its certificates: no bytes the
 * certificate parser repairs or ignores (a v4 version label, a BER boolean, unused bits in the
 * signature BIT STRING, an outer signature algorithm that differs from the signed one). Without
 * it, a relay could alter chain bytes without breaking any signature.
 *
 * <p>The parser returns the same certificate instances for the same bytes, so the result is
 * cached per instance: a known signer costs one array comparison per certificate.
 */
final class StrictCertificates {
  private static final Cache<X509Certificate, Boolean> CHECKED =
      Caffeine.newBuilder().weakKeys().maximumSize(10_000).build();

  private StrictCertificates() {}

  /** Whether {@code presented} is exactly the canonical DER of {@code chain}, concatenated. */
  static boolean isExactDer(List<X509Certificate> chain, byte[] presented) {
    int off = 0;
    try {
      for (X509Certificate c : chain) {
        byte[] der = c.getEncoded();
        if (off + der.length > presented.length
            || !Arrays.equals(der, 0, der.length, presented, off, off + der.length)) {
          return false;
        }
        if (!CHECKED.get(c, k -> isCanonical(der))) {
          return false;
        }
        off += der.length;
      }
    } catch (CertificateEncodingException e) {
      return false;
    }
    return off == presented.length;
  }

  private static boolean isCanonical(byte[] der) {
    try {
      Certificate c = Certificate.getInstance(der);
      return c.getSignature().getPadBits() == 0
          && c.getSignatureAlgorithm().equals(c.getTBSCertificate().getSignature())
          && Arrays.equals(c.getEncoded(ASN1Encoding.DER), der);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
