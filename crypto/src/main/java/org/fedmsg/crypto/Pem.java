package org.fedmsg.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Reading and writing the PEM files of fedmsg and func/certmaster: certificates (possibly preceded
 * by an {@code openssl x509 -text} dump), private keys and CRLs, plus the base64 forms of fedmsg/1.
 *
 * <p>All methods are static, thread-safe and keep no state. Parsing methods throw {@link
 * IllegalArgumentException} for malformed input and nothing else (besides {@link IOException} when
 * reading a file).
 */
public final class Pem {
  private static final String BEGIN_CERT = "-----BEGIN CERTIFICATE-----";
  private static final String END_CERT = "-----END CERTIFICATE-----";
  private static final String BEGIN_CRL = "-----BEGIN X509 CRL-----";
  private static final String END_CRL = "-----END X509 CRL-----";

  private Pem() {}

  /* --------------- certificates --------------- */

  /**
   * Reads every {@code CERTIFICATE} block of a PEM text, in order, ignoring any text before,
   * between and after the blocks.
   *
   * @param text PEM text; not null
   * @return the certificates, at least one
   * @throws IllegalArgumentException if there is no block or a block is not a valid certificate
   */
  public static List<X509Certificate> readCertificates(String text) {
    List<byte[]> ders = blocks(text, BEGIN_CERT, END_CERT);
    if (ders.isEmpty()) {
      throw new IllegalArgumentException("no PEM CERTIFICATE block found");
    }
    List<X509Certificate> out = new ArrayList<>(ders.size());
    for (byte[] der : ders) {
      out.add(certificateFromDer(der));
    }
    return List.copyOf(out);
  }

  /** As {@link #readCertificates(String)}, from a file read as ASCII/UTF-8. */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    return readCertificates(Files.readString(file, StandardCharsets.ISO_8859_1));
  }

  /**
   * The first certificate of a PEM text (the leaf of a {@code .crt} file).
   *
   * @throws IllegalArgumentException if there is no valid certificate block
   */
  public static X509Certificate readCertificate(String text) {
    return readCertificates(text).get(0);
  }

  /** As {@link #readCertificate(String)}, from a file. */
  public static X509Certificate readCertificate(Path file) throws IOException {
    return readCertificates(file).get(0);
  }

  /**
   * Parses one DER-encoded certificate.
   *
   * @throws IllegalArgumentException if the bytes are not a certificate
   */
  public static X509Certificate certificateFromDer(byte[] der) {
    Objects.requireNonNull(der, "der");
    try {
      return parse(CertificateFactory.getInstance("X.509"), der);
    } catch (CertificateException | RuntimeException e) {
      byte[] asV3 = withVersion3(der);
      if (asV3 != null) {
        try {
          return parse(CertificateFactory.getInstance("X.509"), asV3);
        } catch (CertificateException | RuntimeException ignored) {
          // fall through to the original error
        }
      }
      throw new IllegalArgumentException("malformed certificate: " + e.getMessage(), e);
    }
  }

  /**
   * OpenSSL loads certificates whose version field says "v4" or more (the reference's
   * {@code expired_ca.crt} does); the JDK refuses them. We read them as v3: the re-encoded
   * to-be-signed part no longer matches its own signature, which only matters if something is
   * verified against it (a trust anchor's self-signature never is; anything else then fails).
   * Returns null if the certificate is not of that kind.
   */
  private static byte[] withVersion3(byte[] der) {
    try {
      ASN1Sequence cert = ASN1Sequence.getInstance(der);
      ASN1Sequence tbs = ASN1Sequence.getInstance(cert.getObjectAt(0));
      ASN1Encodable first = tbs.getObjectAt(0);
      if (!(first instanceof ASN1TaggedObject) || ((ASN1TaggedObject) first).getTagNo() != 0) {
        return null;
      }
      ASN1Integer version = ASN1Integer.getInstance(((ASN1TaggedObject) first).getExplicitBaseObject());
      if (version.getValue().intValue() <= 2) {
        return null;
      }
      ASN1EncodableVector tbsV = new ASN1EncodableVector();
      tbsV.add(new DERTaggedObject(true, 0, new ASN1Integer(2)));
      for (int i = 1; i < tbs.size(); i++) {
        tbsV.add(tbs.getObjectAt(i));
      }
      ASN1EncodableVector certV = new ASN1EncodableVector();
      certV.add(new DERSequence(tbsV));
      for (int i = 1; i < cert.size(); i++) {
        certV.add(cert.getObjectAt(i));
      }
      return new DERSequence(certV).getEncoded("DER");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static X509Certificate parse(CertificateFactory cf, byte[] der) throws CertificateException {
    var cert = cf.generateCertificate(new ByteArrayInputStream(der));
    if (!(cert instanceof X509Certificate)) {
      throw new CertificateException("not an X.509 certificate");
    }
    return (X509Certificate) cert;
  }

  /**
   * Encodes a certificate exactly as Python {@code cryptography}'s {@code
   * public_bytes(Encoding.PEM)} does: {@code -----BEGIN CERTIFICATE-----\n}, the DER in base64
   * lines of 64 characters, {@code \n-----END CERTIFICATE-----\n}. fedmsg/1 signs over this text.
   *
   * @throws IllegalArgumentException if the certificate cannot be encoded
   */
  public static String encodeCertificate(X509Certificate certificate) {
    try {
      return encodeBlock("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateException e) {
      throw new IllegalArgumentException("cannot encode certificate", e);
    }
  }

  /* --------------- CRLs --------------- */

  /**
   * Reads every {@code X509 CRL} block of a PEM text, ignoring text around them.
   *
   * @throws IllegalArgumentException if there is no block or a block is not a CRL
   */
  public static List<X509CRL> readCrls(String text) {
    List<byte[]> ders = blocks(text, BEGIN_CRL, END_CRL);
    if (ders.isEmpty()) {
      throw new IllegalArgumentException("no PEM X509 CRL block found");
    }
    List<X509CRL> out = new ArrayList<>(ders.size());
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (byte[] der : ders) {
        out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(der)));
      }
    } catch (CRLException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException("malformed CRL: " + e.getMessage(), e);
    }
    return List.copyOf(out);
  }

  /** As {@link #readCrls(String)}, from a file. */
  public static List<X509CRL> readCrls(Path file) throws IOException {
    return readCrls(Files.readString(file, StandardCharsets.ISO_8859_1));
  }

  /* --------------- private keys --------------- */

  /**
   * Reads the first private key of a PEM text: PKCS#8 ({@code BEGIN PRIVATE KEY}, any algorithm
   * incl. Ed25519), encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN
   * RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}), the last two possibly
   * OpenSSL-encrypted ({@code Proc-Type: 4,ENCRYPTED}). Text, certificates and EC parameter blocks
   * before the key are skipped.
   *
   * @param text PEM text; not null
   * @param passphrase passphrase for an encrypted key; null if the key is not encrypted
   * @return the key (JDK key classes)
   * @throws IllegalArgumentException if there is no key, it is malformed, or the passphrase is
   *     missing or wrong
   */
  public static PrivateKey readPrivateKey(String text, char[] passphrase) {
    Objects.requireNonNull(text, "text");
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo) {
          return converter.getPrivateKey((PrivateKeyInfo) o);
        } else if (o instanceof PEMKeyPair) {
          // the private key info alone: SEC1 keys written without their public key are legal
          return toPrivateKey(converter, ((PEMKeyPair) o).getPrivateKeyInfo());
        } else if (o instanceof PKCS8EncryptedPrivateKeyInfo) {
          requirePassphrase(passphrase);
          var decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder()
              .setProvider(Providers.bc()).build(passphrase);
          return converter.getPrivateKey(((PKCS8EncryptedPrivateKeyInfo) o).decryptPrivateKeyInfo(decryptor));
        } else if (o instanceof PEMEncryptedKeyPair) {
          requirePassphrase(passphrase);
          var decryptor = new JcePEMDecryptorProviderBuilder().setProvider(Providers.bc()).build(passphrase);
          return toPrivateKey(converter, ((PEMEncryptedKeyPair) o).decryptKeyPair(decryptor).getPrivateKeyInfo());
        } else if (o instanceof ASN1ObjectIdentifier) {
          continue; // "EC PARAMETERS" block written by `openssl ecparam -genkey`
        }
        // anything else (a certificate kept in the same file) is skipped
      }
    } catch (PEMException | PKCSException | OperatorCreationException e) {
      throw new IllegalArgumentException("cannot read private key (wrong passphrase?): " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("malformed private key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("no private key found in PEM text");
  }

  /** As {@link #readPrivateKey(String, char[])}, from a file. */
  public static PrivateKey readPrivateKey(Path file, char[] passphrase) throws IOException {
    return readPrivateKey(Files.readString(file, StandardCharsets.ISO_8859_1), passphrase);
  }

  private static PrivateKey toPrivateKey(JcaPEMKeyConverter jdk, PrivateKeyInfo info) throws PEMException {
    try {
      return jdk.getPrivateKey(info);
    } catch (PEMException e) {
      // SEC1 keys may carry their curve only inside the key structure, which the JDK refuses
      return new JcaPEMKeyConverter().setProvider(Providers.bc()).getPrivateKey(info);
    }
  }

  private static void requirePassphrase(char[] passphrase) {
    if (passphrase == null) {
      throw new IllegalArgumentException("the private key is encrypted and no passphrase was given");
    }
  }

  /* --------------- base64 forms of fedmsg/1 --------------- */

  /**
   * Decodes base64 as Python's non-strict {@code base64.b64decode} does: characters outside the
   * alphabet (such as the {@code \n} of wrapped lines) are ignored, but the padding must be right.
   *
   * @throws IllegalArgumentException if the padding is wrong or the text is otherwise not base64
   */
  public static byte[] base64DecodeLenient(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '+' || c == '/' || c == '=') {
        sb.append(c);
      }
    }
    if (sb.length() % 4 != 0) {
      throw new IllegalArgumentException("incorrect base64 padding");
    }
    return Base64.getDecoder().decode(sb.toString());
  }

  /**
   * Base64 of {@code data} in lines of 76 characters, each ended by {@code \n} (the Python 2 {@code
   * str.encode('base64')} layout of fedmsg/1 {@code signature} and {@code certificate} fields).
   */
  public static String base64Wrapped76(byte[] data) {
    String b64 = Base64.getEncoder().encodeToString(data);
    StringBuilder sb = new StringBuilder(b64.length() + b64.length() / 76 + 2);
    for (int i = 0; i < b64.length(); i += 76) {
      sb.append(b64, i, Math.min(b64.length(), i + 76)).append('\n');
    }
    return sb.toString();
  }

  /* --------------- internals --------------- */

  static String encodeBlock(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  /** The decoded bodies of every block between {@code begin} and {@code end} lines. */
  private static List<byte[]> blocks(String text, String begin, String end) {
    Objects.requireNonNull(text, "text");
    List<byte[]> out = new ArrayList<>();
    int from = 0;
    while (true) {
      int b = text.indexOf(begin, from);
      if (b < 0) {
        return out;
      }
      int e = text.indexOf(end, b + begin.length());
      if (e < 0) {
        throw new IllegalArgumentException("unterminated PEM block " + begin);
      }
      String body = text.substring(b + begin.length(), e);
      try {
        out.add(Base64.getMimeDecoder().decode(body.strip()));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("bad base64 in PEM block: " + ex.getMessage(), ex);
      }
      from = e + end.length();
    }
  }
}
