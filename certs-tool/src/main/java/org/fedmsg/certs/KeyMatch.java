package org.fedmsg.certs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Whether a private key belongs to a public key: a test signature must verify. */
final class KeyMatch {
  private static final byte[] PROBE = "fedmsg-certs key match".getBytes(StandardCharsets.US_ASCII);

  private KeyMatch() {}

  static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
    try {
      String alg = CertBuilder.signatureAlgorithm(privateKey);
      Signature signer = Signature.getInstance(alg);
      signer.initSign(privateKey);
      signer.update(PROBE);
      byte[] sig = signer.sign();
      Signature verifier = Signature.getInstance(alg);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      return verifier.verify(sig);
    } catch (GeneralSecurityException | CertsException e) {
      // Different algorithms or a key the JDK cannot use: they do not belong together.
      return false;
    }
  }
}
