package org.fedmsg.crypto;

import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAKey;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** Classifies keys by type and size, whichever provider made them. */
final class Keys {
  private Keys() {}

  enum Kind {
    RSA,
    EC_P256,
    EC_OTHER,
    ED25519,
    OTHER
  }

  static Kind kind(Key key) {
    try {
      AlgorithmIdentifier alg;
      if (key instanceof PublicKey) {
        alg = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm();
      } else if (key instanceof PrivateKey) {
        alg = PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm();
      } else {
        return Kind.OTHER;
      }
      ASN1ObjectIdentifier oid = alg.getAlgorithm();
      if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
        return Kind.RSA;
      }
      if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
        return Kind.ED25519;
      }
      if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        ASN1Encodable params = alg.getParameters();
        return X9ObjectIdentifiers.prime256v1.equals(params) ? Kind.EC_P256 : Kind.EC_OTHER;
      }
      return Kind.OTHER;
    } catch (RuntimeException e) {
      // keys without an encoding (hardware tokens) or odd encodings
      return Kind.OTHER;
    }
  }

  /** RSA modulus length in bits, or 0 for other keys. */
  static int rsaBits(Key key) {
    return key instanceof RSAKey ? ((RSAKey) key).getModulus().bitLength() : 0;
  }

  /** A short description for logs and details, e.g. {@code "RSA-1024"}; never key material. */
  static String describe(Key key) {
    Kind k = kind(key);
    return k == Kind.RSA ? "RSA-" + rsaBits(key) : k.name();
  }
}
