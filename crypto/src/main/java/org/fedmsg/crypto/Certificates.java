package org.fedmsg.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Certificate helpers: the one reader of a subject's common name (the signer's name for policies)
 * used everywhere in the project, fingerprints, digests of signature algorithms.
 */
public final class Certificates {
  private Certificates() {}

  static SignerIdentity identity(X509Certificate cert) {
    return new SignerIdentity(
        commonName(cert),
        fingerprint(cert),
        cert.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT),
        cert.getSubjectX500Principal().getName());
  }

  /**
   * The subject's common name: the value of the attribute whose type is CN; "" if the subject has
   * none. With several CN attributes, the first in encoding order, as the reference takes it
   * (M2Crypto's {@code get_subject().CN} is OpenSSL's {@code X509_NAME_get_text_by_NID}, which
   * returns the first entry of that type, the first one {@code openssl x509 -subject} prints).
   *
   * @throws IllegalArgumentException if a CN sits in a multi-valued RDN (e.g. {@code
   *     OU=pkgdb-app01+CN=shell-app07}): such a name has no single reading, so it is refused
   *     rather than guessed
   */
  public static String commonName(X509Certificate cert) {
    return commonName(cert.getSubjectX500Principal().getEncoded());
  }

  /** As {@link #commonName(X509Certificate)}, for a DER-encoded X.500 name. */
  public static String commonName(byte[] encodedName) {
    X500Name name;
    try {
      name = X500Name.getInstance(encodedName);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("unreadable subject name", e);
    }
    String first = null;
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        if (!BCStyle.CN.equals(atv.getType())) {
          continue;
        }
        if (rdn.isMultiValued()) {
          throw new IllegalArgumentException("subject has a CN inside a multi-valued RDN: "
              + X500Name.getInstance(encodedName));
        }
        if (first == null) {
          ASN1Encodable v = atv.getValue();
          first = v instanceof ASN1String ? ((ASN1String) v).getString() : v.toString();
        }
      }
    }
    return first == null ? "" : first;
  }

  /** The common name for messages (never throws): the CN, or the whole subject when there is none or it is refused. */
  static String displayName(X509Certificate cert) {
    try {
      String cn = commonName(cert);
      return cn.isEmpty() ? cert.getSubjectX500Principal().getName() : cn;
    } catch (IllegalArgumentException e) {
      return cert.getSubjectX500Principal().getName();
    }
  }

  /** Hex SHA-256 of the DER encoding. */
  static String fingerprint(X509Certificate cert) {
    return HexFormat.of().formatHex(sha256(der(cert)));
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
