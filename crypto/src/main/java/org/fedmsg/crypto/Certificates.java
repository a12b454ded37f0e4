package org.fedmsg.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Small certificate helpers: identity, fingerprints, digests of signature algorithms. */
final class Certificates {
  private Certificates() {}

  static SignerIdentity identity(X509Certificate cert) {
    return new SignerIdentity(
        commonName(cert),
        HexFormat.of().formatHex(sha256(der(cert))),
        cert.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT),
        cert.getSubjectX500Principal().getName());
  }

  /** The value of the first CN attribute of the subject, as the reference uses it; "" if none. */
  static String commonName(X509Certificate cert) {
    try {
      X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
      RDN[] rdns = name.getRDNs(BCStyle.CN);
      if (rdns.length == 0) {
        return "";
      }
      ASN1Encodable v = rdns[0].getFirst().getValue();
      return v instanceof ASN1String ? ((ASN1String) v).getString() : v.toString();
    } catch (RuntimeException e) {
      return "";
    }
  }

  static byte[] der(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode certificate", e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is mandatory", e);
    }
  }

  /**
   * The digest of a certificate or CRL signature algorithm, from its OID; null if the algorithm
   * has no separate digest that we rate (Ed25519 is reported as SHA-512) or is unknown.
   */
  static Digest digestOf(String sigAlgOid) {
    switch (sigAlgOid) {
      case "1.2.840.113549.1.1.4": // md5WithRSAEncryption
        return Digest.MD5;
      case "1.2.840.113549.1.1.5": // sha1WithRSAEncryption
      case "1.2.840.10045.4.1": // ecdsa-with-SHA1
      case "1.2.840.10040.4.3": // dsa-with-sha1
        return Digest.SHA1;
      case "1.2.840.113549.1.1.14":
      case "1.2.840.10045.4.3.1":
        return Digest.SHA224;
      case "1.2.840.113549.1.1.11":
      case "1.2.840.10045.4.3.2":
        return Digest.SHA256;
      case "1.2.840.113549.1.1.12":
      case "1.2.840.10045.4.3.3":
        return Digest.SHA384;
      case "1.2.840.113549.1.1.13":
      case "1.2.840.10045.4.3.4":
      case "1.3.101.112": // Ed25519
        return Digest.SHA512;
      default:
        return null;
    }
  }
}
