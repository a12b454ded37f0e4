package org.fedmsg.certs;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds the CA certificate, service certificates and CRLs with Bouncy Castle.
 *
 * <p>Profile (what the bus and {@code openssl verify} need): the CA has
 * {@code basicConstraints CA:true} (critical) and {@code keyUsage keyCertSign, cRLSign}
 * (critical); a service certificate has {@code basicConstraints CA:false} (critical),
 * {@code keyUsage digitalSignature} (critical), subject {@code CN=<certname>}, its host and any
 * extra names as subjectAltName; both carry a subjectKeyIdentifier and the service certificate
 * and the CRL an authorityKeyIdentifier matching the CA's. Stateless.
 */
final class CertBuilder {
  private static final Pattern DNS_NAME =
      Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\\.?");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private CertBuilder() {}

  static X500Name commonName(String cn) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
  }

  /** A positive random 127-bit serial (RFC 5280 asks for at most 20 octets, CAB for 64 random bits). */
  static BigInteger randomSerial(SecureRandom random) {
    BigInteger serial;
    do {
      serial = new BigInteger(127, random);
    } while (serial.signum() == 0);
    return serial;
  }

  static X509Certificate buildCa(String name, PublicKey publicKey, PrivateKey privateKey,
      BigInteger serial, Instant notBefore, Instant notAfter) {
    X500Name subject = commonName(name);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial,
          Date.from(notBefore), Date.from(notAfter), subject, publicKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey))
          .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(publicKey));
      return toCertificate(b.build(signer(privateKey)));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot build the CA certificate", e);
    }
  }

  static X509Certificate buildLeaf(X509Certificate ca, PrivateKey caKey, String commonName,
      PublicKey publicKey, BigInteger serial, Instant notBefore, Instant notAfter, List<GeneralName> sans) {
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial,
          Date.from(notBefore), Date.from(notAfter), commonName(commonName), publicKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey))
          .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
      if (!sans.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(sans.toArray(new GeneralName[0])));
      }
      return toCertificate(b.build(signer(caKey)));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot build a certificate", e);
    }
  }

  static X509CRL buildCrl(X509Certificate ca, PrivateKey caKey, List<CertificateEntry> revoked,
      long number, Instant thisUpdate, Instant nextUpdate) {
    try {
      X509v2CRLBuilder b = new JcaX509v2CRLBuilder(ca, Date.from(thisUpdate));
      b.setNextUpdate(Date.from(nextUpdate));
      for (CertificateEntry e : revoked) {
        b.addCRLEntry(e.serial(), Date.from(e.revokedAt()), e.revocationReason().code());
      }
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca));
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
      X509CRLHolder holder = b.build(signer(caKey));
      return new JcaX509CRLConverter().getCRL(holder);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot build the CRL", e);
    }
  }

  private static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder(signatureAlgorithm(key)).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }

  /** SHA-256 for RSA and ECDSA, pure EdDSA for Ed25519: the CA key decides. */
  static String signatureAlgorithm(PrivateKey key) {
    String alg = key.getAlgorithm().toUpperCase(Locale.ROOT);
    switch (alg) {
      case "RSA":
        return "SHA256withRSA";
      case "EC":
      case "ECDSA":
        return "SHA256withECDSA";
      case "ED25519":
      case "EDDSA":
        return "Ed25519";
      default:
        throw new CertsException(CertsException.Reason.UNSUPPORTED_KEY_TYPE,
            "cannot sign with a " + key.getAlgorithm() + " CA key");
    }
  }

  private static X509Certificate toCertificate(X509CertificateHolder holder) throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  /**
   * Parses subjectAltName entries: {@code DNS:name}, {@code IP:address}, {@code email:addr},
   * {@code URI:uri}, or a bare name (an IP address if it looks like one, else a DNS name).
   *
   * @throws CertsException {@link CertsException.Reason#INVALID_ARGUMENT} for a malformed entry
   */
  static List<GeneralName> parseSans(List<String> entries) {
    List<GeneralName> names = new ArrayList<>();
    for (String raw : entries) {
      names.add(parseSan(raw.strip()));
    }
    return names;
  }

  /** Normalises a SAN entry to the {@code TYPE:value} form stored in the state file. */
  static String normaliseSan(String raw) {
    GeneralName n = parseSan(raw.strip());
    String value = raw.strip();
    int colon = value.indexOf(':');
    String prefix = colon > 0 ? value.substring(0, colon).toUpperCase(Locale.ROOT) : "";
    if (prefix.equals("DNS") || prefix.equals("IP") || prefix.equals("EMAIL") || prefix.equals("URI")) {
      value = value.substring(colon + 1);
    }
    switch (n.getTagNo()) {
      case GeneralName.iPAddress:
        return "IP:" + value;
      case GeneralName.rfc822Name:
        return "email:" + value;
      case GeneralName.uniformResourceIdentifier:
        return "URI:" + value;
      default:
        return "DNS:" + value.toLowerCase(Locale.ROOT);
    }
  }

  private static GeneralName parseSan(String entry) {
    int colon = entry.indexOf(':');
    String prefix = colon > 0 ? entry.substring(0, colon).toUpperCase(Locale.ROOT) : "";
    String value = colon > 0 ? entry.substring(colon + 1) : entry;
    switch (prefix) {
      case "DNS":
        return dns(value, entry);
      case "IP":
        return ip(value, entry);
      case "EMAIL":
        if (!value.matches("[^@\\s]+@[^@\\s]+")) {
          throw badSan(entry);
        }
        return new GeneralName(GeneralName.rfc822Name, value);
      case "URI":
        try {
          java.net.URI uri = new java.net.URI(value);
          if (uri.getScheme() == null) {
            throw badSan(entry);
          }
        } catch (java.net.URISyntaxException e) {
          throw badSan(entry);
        }
        return new GeneralName(GeneralName.uniformResourceIdentifier, value);
      default:
        // A bare IPv6 address contains colons too; try it before calling the entry malformed.
        if (IPV4.matcher(entry).matches() || entry.contains(":")) {
          return ip(entry, entry);
        }
        return dns(entry, entry);
    }
  }

  private static GeneralName dns(String value, String entry) {
    if (!DNS_NAME.matcher(value).matches() || value.length() > 253) {
      throw badSan(entry);
    }
    return new GeneralName(GeneralName.dNSName, value.toLowerCase(Locale.ROOT));
  }

  private static GeneralName ip(String value, String entry) {
    // Only literals: InetAddress.getByName would do a DNS lookup for a name.
    if (!(IPV4.matcher(value).matches() || value.matches("[0-9A-Fa-f:.]+") && value.contains(":"))) {
      throw badSan(entry);
    }
    if (IPV4.matcher(value).matches()) {
      for (String octet : value.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          throw badSan(entry);
        }
      }
    }
    try {
      InetAddress.getByName(value);
      return new GeneralName(GeneralName.iPAddress, value);
    } catch (java.net.UnknownHostException | IllegalArgumentException e) {
      throw badSan(entry);
    }
  }

  private static CertsException badSan(String entry) {
    return new CertsException(CertsException.Reason.INVALID_ARGUMENT,
        "malformed subjectAltName '" + entry + "' (use DNS:name, IP:address, email:addr or URI:uri)");
  }

  /** Whether {@code name} is a syntactically valid DNS host name. */
  static boolean isHostName(String name) {
    return DNS_NAME.matcher(name).matches() && !name.startsWith("*") && !name.endsWith(".") && name.length() <= 253;
  }
}
