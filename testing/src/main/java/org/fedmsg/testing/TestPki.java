package org.fedmsg.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test PKI built in code with Bouncy Castle: root and intermediate CAs, leaves with RSA-1024,
 * RSA-2048, P-256 or Ed25519 keys, any validity window, CRLs with chosen dates and revoked
 * serials. Each call makes fresh keys, so two CAs with the same name are a CA and a rogue.
 *
 * <pre>{@code
 * TestPki.Issued ca = TestPki.rootCa("fedmsg").keyType(KeyType.RSA_2048).build();
 * TestPki.Issued leaf = ca.issue("shell-app01.example.org").keyType(KeyType.ED25519).build();
 * X509CRL crl = ca.crl().revoke(leaf).build();
 * leaf.writeTo(ssldir);                        // ssldir/shell-app01.example.org.crt and .key
 * TestPki.writePem(ssldir.resolve("ca.crt"), ca.certificate());
 * }</pre>
 *
 * <p>Defaults: keys {@link KeyType#EC_P256} (fast to generate); validity from one day before to
 * one year after the current time; signature algorithm from the issuer's key (SHA256withRSA,
 * SHA256withECDSA or Ed25519). Thread-safe; builders are not.
 */
public final class TestPki {
  private static final AtomicLong SERIALS = new AtomicLong(0x1000);

  private TestPki() {}

  /** Key types the PKI can issue. */
  public enum KeyType {
    /** 1024-bit RSA (the legacy fedmsg test PKI). */
    RSA_1024,
    /** 2048-bit RSA. */
    RSA_2048,
    /** ECDSA on NIST P-256. */
    EC_P256,
    /** Ed25519. */
    ED25519
  }

  /** A builder for a self-signed root CA named {@code commonName}. */
  public static CertBuilder rootCa(String commonName) {
    return new CertBuilder(commonName, null, true);
  }

  /** A certificate with its private key and the chain of intermediates above it. */
  public static final class Issued {
    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final String commonName;
    private final boolean root;

    private Issued(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> chain, String cn,
        boolean root) {
      this.root = root;
      this.certificate = certificate;
      this.privateKey = privateKey;
      this.chain = List.copyOf(chain);
      this.commonName = cn;
    }

    /** The certificate. */
    public X509Certificate certificate() {
      return certificate;
    }

    /** Its private key. */
    public PrivateKey privateKey() {
      return privateKey;
    }

    /** This certificate followed by the intermediates above it, not the root: what a signer presents. */
    public List<X509Certificate> chain() {
      return chain;
    }

    /** The subject CN. */
    public String commonName() {
      return commonName;
    }

    /** The serial number. */
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** A builder for an end-entity certificate issued by this CA. */
    public CertBuilder issue(String commonName) {
      return new CertBuilder(commonName, this, false);
    }

    /** A builder for an intermediate CA issued by this CA. */
    public CertBuilder issueCa(String commonName) {
      return new CertBuilder(commonName, this, true);
    }

    /** A builder for a CRL signed by this CA. */
    public CrlBuilder crl() {
      return new CrlBuilder(this);
    }

    /**
     * Writes {@code <dir>/<cn>.crt} (the chain, PEM) and {@code <dir>/<cn>.key} (PKCS#8 PEM), the
     * fedmsg {@code ssldir} layout; creates {@code dir}. Returns {@code dir}.
     */
    public Path writeTo(Path dir) {
      try {
        Files.createDirectories(dir);
        writePem(dir.resolve(commonName + ".crt"), chain.toArray());
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
          w.writeObject(new JcaPKCS8Generator(privateKey, null));
        }
        Files.writeString(dir.resolve(commonName + ".key"), sw.toString(), StandardCharsets.US_ASCII);
        return dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Builds a certificate; see {@link TestPki} for the defaults. */
  public static final class CertBuilder {
    private final String commonName;
    private final Issued issuer;
    private final boolean ca;
    private KeyType keyType = KeyType.EC_P256;
    private Instant notBefore = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    private Instant notAfter = notBefore.plus(366, ChronoUnit.DAYS);
    private String signatureAlgorithm;
    private BigInteger serial;
    private final List<String> hostNames = new ArrayList<>();

    private CertBuilder(String commonName, Issued issuer, boolean ca) {
      this.commonName = Objects.requireNonNull(commonName, "commonName");
      this.issuer = issuer;
      this.ca = ca;
    }

    /** The subject's key type. */
    public CertBuilder keyType(KeyType type) {
      this.keyType = Objects.requireNonNull(type);
      return this;
    }

    /** The validity window (may lie wholly in the past or future). */
    public CertBuilder validity(Instant notBefore, Instant notAfter) {
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    /** The JCA signature algorithm the issuer signs with, e.g. {@code "SHA1withRSA"}. */
    public CertBuilder signatureAlgorithm(String jcaName) {
      this.signatureAlgorithm = jcaName;
      return this;
    }

    /** A fixed serial number (default: a fresh one). */
    public CertBuilder serial(long serial) {
      this.serial = BigInteger.valueOf(serial);
      return this;
    }

    /** Host names (DNS) and IP addresses the certificate is valid for, as a TLS server (subjectAltName). */
    public CertBuilder hostNames(String... names) {
      hostNames.addAll(List.of(names));
      return this;
    }

    /** Generates the key and the certificate. */
    public Issued build() {
      try {
        KeyPair kp = generate(keyType);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        X500Name issuerName = issuer == null ? subject
            : X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded());
        PrivateKey signingKey = issuer == null ? kp.getPrivate() : issuer.privateKey;
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
            serial != null ? serial : BigInteger.valueOf(SERIALS.incrementAndGet()),
            Date.from(notBefore), Date.from(notAfter), subject, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(ca
            ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
            : KeyUsage.digitalSignature));
        if (!hostNames.isEmpty()) {
          org.bouncycastle.asn1.x509.GeneralName[] names = hostNames.stream()
              .map(n -> n.matches("[0-9.]+|.*:.*")
                  ? new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.iPAddress, n)
                  : new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.dNSName, n))
              .toArray(org.bouncycastle.asn1.x509.GeneralName[]::new);
          b.addExtension(Extension.subjectAlternativeName, false, new org.bouncycastle.asn1.x509.GeneralNames(names));
        }
        X509Certificate cert = new JcaX509CertificateConverter()
            .getCertificate(b.build(signer(signingKey, signatureAlgorithm)));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        if (issuer != null && !issuer.root) {
          chain.addAll(issuer.chain);
        }
        return new Issued(cert, kp.getPrivate(), chain, commonName, issuer == null);
      } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
        throw new IllegalStateException("cannot build test certificate " + commonName, e);
      }
    }
  }

  /** Builds a CRL signed by a CA; default thisUpdate an hour ago, nextUpdate in 30 days. */
  public static final class CrlBuilder {
    private final Issued ca;
    private final List<BigInteger> revoked = new ArrayList<>();
    private Instant thisUpdate = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    private Instant nextUpdate = thisUpdate.plus(Duration.ofDays(30));
    private String signatureAlgorithm;
    private BigInteger number;

    private CrlBuilder(Issued ca) {
      this.ca = ca;
    }

    /** Lists these certificates as revoked. */
    public CrlBuilder revoke(Issued... certs) {
      for (Issued c : certs) {
        revoked.add(c.serial());
      }
      return this;
    }

    /** Lists this serial as revoked. */
    public CrlBuilder revoke(BigInteger serial) {
      revoked.add(serial);
      return this;
    }

    /** The thisUpdate and nextUpdate dates. */
    public CrlBuilder dates(Instant thisUpdate, Instant nextUpdate) {
      this.thisUpdate = thisUpdate;
      this.nextUpdate = nextUpdate;
      return this;
    }

    /** The JCA signature algorithm, e.g. {@code "MD5withRSA"} (default from the CA key). */
    public CrlBuilder signatureAlgorithm(String jcaName) {
      this.signatureAlgorithm = jcaName;
      return this;
    }

    /** Adds a cRLNumber extension with this value (default: none). */
    public CrlBuilder number(long crlNumber) {
      this.number = BigInteger.valueOf(crlNumber);
      return this;
    }

    /** Signs the CRL. */
    public X509CRL build() {
      try {
        X509v2CRLBuilder b = new X509v2CRLBuilder(
            X500Name.getInstance(ca.certificate.getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
        b.setNextUpdate(Date.from(nextUpdate));
        for (BigInteger s : revoked) {
          b.addCRLEntry(s, Date.from(thisUpdate), CRLReason.keyCompromise);
        }
        if (number != null) {
          b.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
        }
        return new JcaX509CRLConverter().getCRL(b.build(signer(ca.privateKey, signatureAlgorithm)));
      } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
        throw new IllegalStateException("cannot build test CRL", e);
      }
    }
  }

  /** PEM text of certificates, CRLs or keys, in order. */
  public static String pem(Object... items) {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      for (Object o : items) {
        w.writeObject(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sw.toString();
  }

  /** Writes {@link #pem(Object...)} of {@code items} to {@code file}; returns {@code file}. */
  public static Path writePem(Path file, Object... items) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, pem(items), StandardCharsets.US_ASCII);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh key pair of the given type. */
  public static KeyPair generate(KeyType type) {
    try {
      switch (type) {
        case RSA_1024:
        case RSA_2048: {
          KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
          g.initialize(type == KeyType.RSA_1024 ? 1024 : 2048);
          return g.generateKeyPair();
        }
        case EC_P256: {
          KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec("secp256r1"));
          return g.generateKeyPair();
        }
        case ED25519:
          return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        default:
          throw new AssertionError(type);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate " + type + " key", e);
    }
  }

  private static ContentSigner signer(PrivateKey key, String algorithm) throws OperatorCreationException {
    String alg = algorithm;
    if (alg == null) {
      String k = key.getAlgorithm();
      alg = "RSA".equals(k) ? "SHA256withRSA" : "EC".equals(k) ? "SHA256withECDSA" : "Ed25519";
    }
    return new JcaContentSignerBuilder(alg).build(key);
  }
}
