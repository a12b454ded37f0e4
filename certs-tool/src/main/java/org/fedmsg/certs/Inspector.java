package org.fedmsg.certs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * {@code fedmsg-certs inspect}: describes a certificate (or bundle), private key, CRL or CURVE
 * key file as a JSON tree, which {@link #render} turns into text. Never shows private or secret
 * key material. Stateless.
 */
final class Inspector {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.ofDelimiter(":").withUpperCase();
  private static final DefaultAlgorithmNameFinder ALG_NAMES = new DefaultAlgorithmNameFinder();

  private Inspector() {}

  /**
   * Describes {@code file}.
   *
   * @return {@code {"file": ..., "contents": [ {"type": "certificate", ...}, ... ]}}
   * @throws CertsException {@link CertsException.Reason#UNREADABLE} or
   *     {@link CertsException.Reason#INVALID_FILE} when the file holds none of the known kinds
   */
  static ObjectNode inspect(Path file, Clock clock) {
    byte[] bytes = PemFiles.read(file);
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    ObjectNode root = JSON.createObjectNode();
    root.put("file", file.toString());
    ArrayNode contents = root.putArray("contents");
    Instant now = clock.instant();
    try {
      if (text.matches("(?s).*(^|\\n)curve\\s*\\n.*") && text.contains("public-key")) {
        contents.add(curve(file));
      } else if (text.contains("-----BEGIN ")) {
        pem(text, contents, now);
      } else {
        der(bytes, contents, now);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof CertsException c) {
        throw c;
      }
      throw notRecognised(file, e);
    }
    if (contents.isEmpty()) {
      throw notRecognised(file, null);
    }
    return root;
  }

  private static CertsException notRecognised(Path file, Exception cause) {
    return new CertsException(CertsException.Reason.INVALID_FILE,
        file + " is not a certificate, private key, CRL or CURVE key file", cause);
  }

  private static void pem(String text, ArrayNode contents, Instant now) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof X509CertificateHolder cert) {
          contents.add(certificate(cert, now));
        } else if (o instanceof X509CRLHolder crl) {
          contents.add(crl(crl, now));
        } else if (o instanceof PrivateKeyInfo key) {
          contents.add(privateKey(describePrivate(key), "PKCS#8", false));
        } else if (o instanceof PEMKeyPair pair) {
          String format = pair.getPublicKeyInfo().getAlgorithm().getAlgorithm()
              .equals(PKCSObjectIdentifiers.rsaEncryption) ? "PKCS#1" : "SEC1";
          contents.add(privateKey(KeyType.describe(pair.getPublicKeyInfo()), format, false));
        } else if (o instanceof PKCS8EncryptedPrivateKeyInfo) {
          contents.add(privateKey("unknown until decrypted", "encrypted PKCS#8", true));
        } else if (o instanceof PEMEncryptedKeyPair) {
          contents.add(privateKey("unknown until decrypted", "encrypted OpenSSL legacy", true));
        } else if (o instanceof SubjectPublicKeyInfo pub) {
          ObjectNode n = JSON.createObjectNode();
          n.put("type", "public key");
          n.put("keyType", KeyType.describe(pub));
          contents.add(n);
        }
      }
    }
  }

  private static void der(byte[] bytes, ArrayNode contents, Instant now) {
    try {
      contents.add(certificate(new X509CertificateHolder(bytes), now));
      return;
    } catch (IOException | RuntimeException e) {
      // Not a DER certificate; try a CRL.
    }
    try {
      contents.add(crl(new X509CRLHolder(new java.io.ByteArrayInputStream(bytes)), now));
    } catch (IOException | RuntimeException e) {
      // Neither: the caller reports the file as unrecognised.
    }
  }

  private static ObjectNode certificate(X509CertificateHolder cert, Instant now) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "certificate");
    n.put("subject", cert.getSubject().toString());
    n.put("issuer", cert.getIssuer().toString());
    n.put("serial", hex(cert.getSerialNumber()));
    n.put("notBefore", cert.getNotBefore().toInstant().toString());
    n.put("notAfter", cert.getNotAfter().toInstant().toString());
    Instant nb = cert.getNotBefore().toInstant();
    Instant na = cert.getNotAfter().toInstant();
    n.put("status", now.isBefore(nb) ? "not yet valid" : now.isAfter(na) ? "expired" : "valid");
    n.put("keyType", KeyType.describe(cert.getSubjectPublicKeyInfo()));
    n.put("signatureAlgorithm", algorithm(cert.getSignatureAlgorithm()));
    Extensions ext = cert.getExtensions();
    BasicConstraints bc = ext == null ? null : BasicConstraints.fromExtensions(ext);
    n.put("ca", bc != null && bc.isCA());
    KeyUsage ku = ext == null ? null : KeyUsage.fromExtensions(ext);
    if (ku != null) {
      ArrayNode usages = n.putArray("keyUsage");
      String[] names = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
          "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
      int[] bits = {KeyUsage.digitalSignature, KeyUsage.nonRepudiation, KeyUsage.keyEncipherment,
          KeyUsage.dataEncipherment, KeyUsage.keyAgreement, KeyUsage.keyCertSign, KeyUsage.cRLSign,
          KeyUsage.encipherOnly, KeyUsage.decipherOnly};
      for (int i = 0; i < bits.length; i++) {
        if (ku.hasUsages(bits[i])) {
          usages.add(names[i]);
        }
      }
    }
    GeneralNames sans = ext == null ? null : GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
    if (sans != null) {
      ArrayNode a = n.putArray("subjectAltNames");
      for (GeneralName g : sans.getNames()) {
        a.add(generalName(g));
      }
    }
    SubjectKeyIdentifier ski = ext == null ? null : SubjectKeyIdentifier.fromExtensions(ext);
    if (ski != null) {
      n.put("subjectKeyIdentifier", HEX.formatHex(ski.getKeyIdentifier()));
    }
    AuthorityKeyIdentifier aki = ext == null ? null : AuthorityKeyIdentifier.fromExtensions(ext);
    if (aki != null && aki.getKeyIdentifierObject() != null) {
      n.put("authorityKeyIdentifier", HEX.formatHex(aki.getKeyIdentifierObject().getOctets()));
    }
    try {
      n.put("sha256Fingerprint", HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return n;
  }

  private static ObjectNode crl(X509CRLHolder crl, Instant now) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "crl");
    n.put("issuer", crl.getIssuer().toString());
    n.put("thisUpdate", crl.getThisUpdate().toInstant().toString());
    if (crl.getNextUpdate() != null) {
      n.put("nextUpdate", crl.getNextUpdate().toInstant().toString());
      n.put("status", now.isAfter(crl.getNextUpdate().toInstant()) ? "expired" : "current");
    } else {
      n.putNull("nextUpdate");
      n.put("status", "no nextUpdate");
    }
    CRLNumber number = crl.getExtensions() == null ? null
        : java.util.Optional.ofNullable(crl.getExtension(Extension.cRLNumber))
            .map(e -> CRLNumber.getInstance(e.getParsedValue())).orElse(null);
    if (number != null) {
      n.put("crlNumber", number.getCRLNumber());
    }
    n.put("signatureAlgorithm", algorithm(crl.toASN1Structure().getSignatureAlgorithm()));
    ArrayNode revoked = n.putArray("revoked");
    for (Object o : crl.getRevokedCertificates()) {
      X509CRLEntryHolder e = (X509CRLEntryHolder) o;
      ObjectNode r = revoked.addObject();
      r.put("serial", hex(e.getSerialNumber()));
      r.put("revocationDate", e.getRevocationDate().toInstant().toString());
      Extension reason = e.getExtension(Extension.reasonCode);
      r.put("reason", reason == null ? RevocationReason.UNSPECIFIED.cliName()
          : RevocationReason.fromCode(CRLReason.getInstance(reason.getParsedValue()).getValue().intValue())
              .cliName());
    }
    return n;
  }

  private static ObjectNode privateKey(String keyType, String format, boolean encrypted) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "private key");
    n.put("keyType", keyType);
    n.put("format", format);
    n.put("encrypted", encrypted);
    return n;
  }

  private static String describePrivate(PrivateKeyInfo key) {
    ASN1ObjectIdentifier alg = key.getPrivateKeyAlgorithm().getAlgorithm();
    try {
      if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
        return "rsa:" + RSAPrivateKey.getInstance(key.parsePrivateKey()).getModulus().bitLength();
      }
      if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        return KeyType.describe(new SubjectPublicKeyInfo(key.getPrivateKeyAlgorithm(), new byte[0]));
      }
    } catch (IOException | RuntimeException e) {
      return alg.getId();
    }
    if (alg.equals(EdECObjectIdentifiers.id_Ed25519)) {
      return "ed25519";
    }
    return alg.getId();
  }

  private static ObjectNode curve(Path file) throws IOException {
    Map<String, String> zpl;
    try {
      zpl = org.fedmsg.crypto.CurveKeyPair.readZpl(file);
    } catch (IllegalArgumentException e) {
      throw new CertsException(CertsException.Reason.INVALID_FILE, file + ": " + e.getMessage());
    }
    String publicKey = zpl.get("curve/public-key");
    String secretKey = zpl.get("curve/secret-key");
    if (publicKey == null || !validZ85Key(publicKey) || (secretKey != null && !validZ85Key(secretKey))) {
      throw new CertsException(CertsException.Reason.INVALID_FILE, file + " has no valid CURVE public-key");
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("type", secretKey == null ? "curve public key" : "curve secret key");
    n.put("publicKey", publicKey);
    if (secretKey != null) {
      n.put("secretKey", "present (not shown)");
    }
    ObjectNode m = null;
    for (Map.Entry<String, String> e : zpl.entrySet()) {
      if (e.getKey().startsWith("metadata/")) {
        m = m == null ? n.putObject("metadata") : m;
        m.put(e.getKey().substring("metadata/".length()), e.getValue());
      }
    }
    return n;
  }

  private static boolean validZ85Key(String key) {
    return org.fedmsg.crypto.Z85.decodeKey(key).isPresent();
  }

  private static String generalName(GeneralName g) {
    switch (g.getTagNo()) {
      case GeneralName.dNSName:
        return "DNS:" + g.getName();
      case GeneralName.iPAddress:
        byte[] addr = org.bouncycastle.asn1.ASN1OctetString.getInstance(g.getName()).getOctets();
        try {
          return "IP:" + java.net.InetAddress.getByAddress(addr).getHostAddress();
        } catch (java.net.UnknownHostException e) {
          return "IP:?";
        }
      case GeneralName.rfc822Name:
        return "email:" + g.getName();
      case GeneralName.uniformResourceIdentifier:
        return "URI:" + g.getName();
      default:
        return g.toString();
    }
  }

  private static String algorithm(AlgorithmIdentifier id) {
    return ALG_NAMES.getAlgorithmName(id);
  }

  private static String hex(BigInteger serial) {
    return serial.toString(16).toUpperCase(Locale.ROOT);
  }

  /** Renders an {@link #inspect} tree as indented text. */
  static String render(JsonNode root) {
    StringBuilder out = new StringBuilder();
    out.append(root.path("file").asText()).append(":\n");
    for (JsonNode item : root.path("contents")) {
      out.append("  ").append(item.path("type").asText()).append('\n');
      renderFields(item, "    ", out);
    }
    return out.toString();
  }

  private static void renderFields(JsonNode node, String indent, StringBuilder out) {
    for (Map.Entry<String, JsonNode> f : node.properties()) {
      if (f.getKey().equals("type")) {
        continue;
      }
      JsonNode v = f.getValue();
      out.append(indent).append(f.getKey()).append(':');
      if (v.isArray() && v.size() > 0 && v.get(0).isObject()) {
        out.append('\n');
        for (JsonNode o : v) {
          StringBuilder line = new StringBuilder();
          o.properties().forEach(e -> line.append(line.length() == 0 ? "" : ", ")
              .append(e.getKey()).append(' ').append(e.getValue().asText()));
          out.append(indent).append("  - ").append(line).append('\n');
        }
      } else if (v.isArray()) {
        StringBuilder line = new StringBuilder();
        v.forEach(e -> line.append(line.length() == 0 ? "" : ", ").append(e.asText()));
        out.append(' ').append(v.isEmpty() ? "(none)" : line).append('\n');
      } else if (v.isObject()) {
        out.append('\n');
        renderFields(v, indent + "  ", out);
      } else {
        out.append(' ').append(v.isNull() ? "(none)" : v.asText()).append('\n');
      }
    }
  }

}
