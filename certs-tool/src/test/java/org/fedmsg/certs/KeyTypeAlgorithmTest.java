package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One choice of algorithm per key type: fedmsg-certs and the message signer agree. */
class KeyTypeAlgorithmTest {
  @ParameterizedTest
  @EnumSource(value = KeyType.class, names = {"RSA_2048", "EC_P256", "ED25519"})
  void algorithm_sameAsSignerPicksForSuchAKey_andItsJcaNameSigns(KeyType type) throws Exception {
    KeyPair pair = type.generate(new SecureRandom());
    assertThat(SignatureAlgorithm.forKey(pair.getPrivate())).contains(type.algorithm());
    assertThat(SignatureAlgorithm.forKey(pair.getPublic())).contains(type.algorithm());
    Signature s = Signature.getInstance(type.signatureAlgorithm());
    s.initSign(pair.getPrivate());
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    s.initVerify(pair.getPublic());
    s.update(new byte[] {1, 2, 3});
    assertThat(s.verify(sig)).isTrue();
  }
}
