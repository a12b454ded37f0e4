package org.fedmsg.certs;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.fedmsg.crypto.SignatureAlgorithm;

/**
 * The key types {@code fedmsg-certs} generates, named as on its command line ({@code rsa:2048},
 * {@code rsa:4096}, {@code ec:p256}, {@code ed25519}).
 *
 * <p>Certificates are signed with SHA-256 (RSA, ECDSA) or pure Ed25519; RSA service keys are the
 * ones that can also sign fedmsg/1 messages, which the reference implementation only knows as
 * RSA PKCS#1 v1.5.
 */
public enum KeyType {
  /** RSA, 2048-bit modulus (service keys only). */
  RSA_2048("rsa:2048", SignatureAlgorithm.RSA_SHA256, false),
  /** RSA, 4096-bit modulus. */
  RSA_4096("rsa:4096", SignatureAlgorithm.RSA_SHA256, true),
  /** ECDSA on NIST P-256. */
  EC_P256("ec:p256", SignatureAlgorithm.ECDSA_P256_SHA256, true),
  /** Ed25519. */
  ED25519("ed25519", SignatureAlgorithm.ED25519, true);

  private final String cliName;
  private final SignatureAlgorithm signatureAlgorithm;
  private final boolean caCapable;

  KeyType(String cliName, SignatureAlgorithm signatureAlgorithm, boolean caCapable) {
    this.cliName = cliName;
    this.signatureAlgorithm = signatureAlgorithm;
    this.caCapable = caCapable;
  }

  /** The command-line name, e.g. {@code "ec:p256"}. */
  public String cliName() {
    return cliName;
  }

  /** Whether {@code init-ca} accepts this type for a CA key. */
  public boolean caCapable() {
    return caCapable;
  }

  /** The JCA name of the algorithm a key of this type signs certificates and CRLs with. */
  String signatureAlgorithm() {
    return signatureAlgorithm.jcaName();
  }

  /**
   * The algorithm a key of this type signs with, messages and certificates alike (the same as
   * {@link SignatureAlgorithm#forKey} picks for such a key).
   */
  public SignatureAlgorithm algorithm() {
    return signatureAlgorithm;
  }

  /**
   * Parses a command-line key type, case-insensitively.
   *
   * @param text e.g. {@code "rsa:2048"}, not null
   * @return the key type
   * @throws CertsException ({@link CertsException.Reason#UNSUPPORTED_KEY_TYPE}) naming the
   *     supported types when {@code text} is none of them
   */
  public static KeyType parse(String text) {
    String wanted = text.strip().toLowerCase(Locale.ROOT);
    for (KeyType type : values()) {
      if (type.cliName.equals(wanted)) {
        return type;
      }
    }
    throw new CertsException(CertsException.Reason.UNSUPPORTED_KEY_TYPE,
        "unsupported key type '" + text + "' (supported: " + names(false) + ")");
  }

  /**
   * Parses a key type for a CA key.
   *
   * @throws CertsException ({@link CertsException.Reason#UNSUPPORTED_KEY_TYPE}) for an unknown
   *     type or one not accepted for a CA (rsa:2048)
   */
  public static KeyType parseForCa(String text) {
    KeyType type = parse(text);
    if (!type.caCapable) {
      throw new CertsException(CertsException.Reason.UNSUPPORTED_KEY_TYPE,
          "key type " + type.cliName + " is not supported for a CA (supported: " + names(true) + ")");
    }
    return type;
  }

  static String names(boolean caOnly) {
    return Arrays.stream(values()).filter(t -> !caOnly || t.caCapable)
        .map(KeyType::cliName).collect(Collectors.joining(", "));
  }

  /** Generates a fresh key pair of this type. */
  KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator generator;
      switch (this) {
        case RSA_2048:
        case RSA_4096:
          generator = KeyPairGenerator.getInstance("RSA");
          generator.initialize(this == RSA_2048 ? 2048 : 4096, random);
          break;
        case EC_P256:
          generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"), random);
          break;
        case ED25519:
          generator = KeyPairGenerator.getInstance("Ed25519");
          generator.initialize(255, random);
          break;
        default:
          throw new AssertionError(this);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      // Every JDK 17 ships these algorithms; failing here means a broken runtime.
      throw new IllegalStateException("cannot generate a " + cliName + " key", e);
    }
  }

  /**
   * Describes a public key the way {@code list} and {@code inspect} print it: the command-line
   * name when it is one of ours ({@code rsa:1024} for other RSA sizes), else the algorithm OID.
   */
  static String describe(SubjectPublicKeyInfo info) {
    ASN1ObjectIdentifier alg = info.getAlgorithm().getAlgorithm();
    if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      try {
        RSAKeyParameters rsa = (RSAKeyParameters) PublicKeyFactory.createKey(info);
        return "rsa:" + rsa.getModulus().bitLength();
      } catch (java.io.IOException | RuntimeException e) {
        return "rsa:?";
      }
    }
    if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      Object params = info.getAlgorithm().getParameters();
      if (SECObjectIdentifiers.secp256r1.equals(params)) {
        return "ec:p256";
      }
      if (SECObjectIdentifiers.secp384r1.equals(params)) {
        return "ec:p384";
      }
      return "ec:" + params;
    }
    if (alg.equals(EdECObjectIdentifiers.id_Ed25519)) {
      return "ed25519";
    }
    if (alg.equals(EdECObjectIdentifiers.id_Ed448)) {
      return "ed448";
    }
    return alg.getId();
  }

  /** Describes a JCA public key; see {@link #describe(SubjectPublicKeyInfo)}. */
  static String describe(java.security.PublicKey key) {
    return describe(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
  }
}
