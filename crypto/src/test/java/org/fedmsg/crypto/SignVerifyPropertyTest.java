package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;

/** Sign then verify is Valid; any single-byte change of the data or the signature is Invalid. */
class SignVerifyPropertyTest {
  private static final TestPki.Issued CA = TestPki.rootCa("prop-ca").keyType(KeyType.EC_P256).build();
  private static final Map<KeyType, Signer> SIGNERS = new EnumMap<>(KeyType.class);
  private static final TrustStore STORE = TrustStore.create(TrustOptions.builder()
      .caCertificates(List.of(CA.certificate())).backgroundRefresh(false).build());

  static {
    for (KeyType t : KeyType.values()) {
      TestPki.Issued leaf = CA.issue("prop-" + t).keyType(t).build();
      SIGNERS.put(t, Signer.of(leaf.privateKey(), leaf.chain()));
    }
  }

  @Property(tries = 200)
  void signThenVerify_unchanged_valid(@ForAll KeyType type, @ForAll @Size(max = 512) byte[] data) {
    Signed s = sign(type, data);
    assertThat(STORE.verify(s.chain, s.alg, data, s.sig, Instant.now(), s.profile).isValid()).isTrue();
  }

  @Property(tries = 300)
  void signThenVerify_oneDataByteChanged_invalid(@ForAll KeyType type, @ForAll @Size(min = 1, max = 512) byte[] data,
      @ForAll @IntRange(min = 0, max = 511) int index, @ForAll @IntRange(min = 1, max = 255) int delta) {
    Assume.that(index < data.length);
    Signed s = sign(type, data);
    byte[] changed = data.clone();
    changed[index] = (byte) (changed[index] + delta);

    assertThat(STORE.verify(s.chain, s.alg, changed, s.sig, Instant.now(), s.profile).isValid()).isFalse();
  }

  @Property(tries = 300)
  void signThenVerify_oneSignatureByteChanged_invalid(@ForAll KeyType type, @ForAll @Size(max = 512) byte[] data,
      @ForAll @IntRange(min = 0, max = 255) int index, @ForAll @IntRange(min = 1, max = 255) int delta) {
    Signed s = sign(type, data);
    Assume.that(index < s.sig.length);
    byte[] changed = s.sig.clone();
    changed[index] = (byte) (changed[index] + delta);

    assertThat(STORE.verify(s.chain, s.alg, data, changed, Instant.now(), s.profile).isValid()).isFalse();
  }

  private static Signed sign(KeyType type, byte[] data) {
    Signer signer = SIGNERS.get(type);
    if (type == KeyType.RSA_1024) {
      return new Signed(signer.chain(), SignatureAlgorithm.RSA_SHA1, signer.signRsaSha1(data), Profile.LEGACY);
    }
    return new Signed(signer.chain(), signer.algorithm(), signer.sign(data), Profile.STRONG);
  }

  private static final class Signed {
    final List<java.security.cert.X509Certificate> chain;
    final SignatureAlgorithm alg;
    final byte[] sig;
    final Profile profile;

    Signed(List<java.security.cert.X509Certificate> chain, SignatureAlgorithm alg, byte[] sig, Profile profile) {
      this.chain = chain;
      this.alg = alg;
      this.sig = sig;
      this.profile = profile;
    }
  }
}
