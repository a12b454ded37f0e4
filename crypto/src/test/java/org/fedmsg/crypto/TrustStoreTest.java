package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestClock;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.Issued;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Trust decisions on a PKI built in code: one test per rejection reason and trust-source behaviour. */
class TrustStoreTest {
  private static final Instant NOW = Instant.now();
  private static final byte[] DATA = "fedmsg/2 frames".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private final Issued ca = TestPki.rootCa("fedmsg").keyType(KeyType.EC_P256).build();
  private final Issued leaf = ca.issue("svc.example.org").keyType(KeyType.ED25519).build();

  /* --------------- valid --------------- */

  @Test
  void verify_leafOfTrustedCa_validWithIdentity() {
    try (TrustStore store = store(ca)) {
      VerificationResult r = verify(store, leaf, Profile.STRONG);

      assertThat(r).isInstanceOf(VerificationResult.Valid.class);
      SignerIdentity id = ((VerificationResult.Valid) r).signer();
      assertThat(id.commonName()).isEqualTo("svc.example.org");
      assertThat(id.serial()).isEqualTo(leaf.serial().toString(16).toUpperCase());
      assertThat(id.fingerprint()).hasSize(64);
    }
  }

  @Test
  void verify_intermediateCaWithCrlsFromBoth_valid() {
    Issued inter = ca.issueCa("fedmsg intermediate").build();
    Issued l = inter.issue("svc2").keyType(KeyType.EC_P256).build();
    assertThat(l.chain()).hasSize(2);
    try (TrustStore store = store(ca, List.of(ca.crl().build(), inter.crl().build()))) {
      assertThat(verify(store, l, Profile.STRONG).isValid()).isTrue();
    }
  }

  @Test
  void verify_intermediateOnlyInBundle_valid() {
    Issued inter = ca.issueCa("inter").build();
    Issued l = inter.issue("svc3").build();
    TrustOptions opts = TrustOptions.builder().caCertificates(List.of(ca.certificate(), inter.certificate()))
        .backgroundRefresh(false).build();
    try (TrustStore store = TrustStore.create(opts)) {
      assertThat(store.verify(List.of(l.certificate()), SignatureAlgorithm.ECDSA_P256_SHA256,
          DATA, Signer.of(l.privateKey(), l.chain()).sign(DATA), NOW, Profile.STRONG).isValid()).isTrue();
    }
  }

  @Test
  void verify_legacyRsa1024Sha1UnderLegacy_valid() {
    Issued oldCa = TestPki.rootCa("old").keyType(KeyType.RSA_1024).signatureAlgorithm("SHA1withRSA").build();
    Issued old = oldCa.issue("old-svc").keyType(KeyType.RSA_1024).signatureAlgorithm("SHA1withRSA").build();
    X509CRL md5Crl = oldCa.crl().signatureAlgorithm("MD5withRSA").build();
    try (TrustStore store = store(oldCa, List.of(md5Crl))) {
      byte[] sig = Signer.of(old.privateKey(), old.chain()).signRsaSha1(DATA);
      assertThat(store.verify(old.chain(), SignatureAlgorithm.RSA_SHA1, DATA, sig, NOW, Profile.LEGACY).isValid()).isTrue();
    }
  }

  /* --------------- MALFORMED, UNSIGNED, UNSUPPORTED_CRYPTO --------------- */

  @Test
  void verify_nullData_malformed() {
    try (TrustStore store = store(ca)) {
      VerificationResult r = store.verify(leaf.chain(), SignatureAlgorithm.ED25519, null, new byte[64], NOW, Profile.STRONG);
      assertThat(reason(r)).isEqualTo(Reason.MALFORMED);
    }
  }

  @Test
  void parseCertificatesCached_garbage_throwsIllegalArgument() {
    try (TrustStore store = store(ca)) {
      assertThatThrownBy(() -> store.parseCertificatesCached("bm90IGEgY2VydA==\n")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.parseCertificatesCached(new byte[] {0x30, 0x03, 1, 2, 3}))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void parseCertificatesCached_sameTextAfterChainValidated_sameInstances() {
    try (TrustStore store = store(ca)) {
      String field = Pem.base64Wrapped76(Pem.encodeCertificate(leaf.certificate()).getBytes(StandardCharsets.US_ASCII));
      List<X509Certificate> a = store.parseCertificatesCached(field);
      assertThat(store.verifyChain(a, NOW, Profile.STRONG)).isInstanceOf(VerificationResult.Valid.class);
      List<X509Certificate> b = store.parseCertificatesCached(new String(field.toCharArray()));

      assertThat(a.get(0)).isEqualTo(leaf.certificate());
      assertThat(b).isSameAs(a);
      assertThat(store.parsedCacheBytes()).isPositive().isLessThanOrEqualTo(TrustStore.PARSED_CACHE_BYTES);
    }
  }

  /** A refused chain is never in the (8 MiB) parse cache; its repeats come from the small negative cache. */
  @Test
  void parseCertificatesCached_chainThatDoesNotValidate_notInTheParseCache_repeatRefusedFromNegativeCache() {
    Issued rogue = TestPki.rootCa("fedmsg").keyType(KeyType.EC_P256).build().issue("svc").build();
    try (TrustStore store = store(ca)) {
      String field = Pem.base64Wrapped76(Pem.encodeCertificate(rogue.certificate()).getBytes(StandardCharsets.US_ASCII));
      byte[] der = rogue.chain().get(0).getEncoded();
      List<X509Certificate> a = store.parseCertificatesCached(field);
      assertThat(reason(store.verifyChain(a, NOW, Profile.STRONG))).isEqualTo(Reason.UNTRUSTED_CHAIN);
      List<X509Certificate> d = store.parseCertificatesCached(der);
      assertThat(reason(store.verifyChain(d, NOW, Profile.STRONG))).isEqualTo(Reason.UNTRUSTED_CHAIN);

      assertThat(store.parsedCacheBytes()).isZero();
      List<X509Certificate> again = store.parseCertificatesCached(new String(field.toCharArray()));
      assertThat(again).isSameAs(a);
      assertThat(store.parseCertificatesCached(der.clone())).isSameAs(d);
      assertThat(reason(store.verifyChain(again, NOW, Profile.STRONG))).isEqualTo(Reason.UNTRUSTED_CHAIN);
      assertThat(store.parsedCacheBytes()).isZero();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void parseCertificatesCached_overTheSizeLimits_refusedBeforeParsing() {
    try (TrustStore store = store(ca)) {
      assertThatThrownBy(() -> store.parseCertificatesCached("A".repeat(TrustStore.MAX_CERTIFICATE_TEXT + 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over the limit");
      byte[] big = new byte[TrustStore.MAX_CHAIN_BYTES + 1];
      big[0] = 0x30;
      assertThatThrownBy(() -> store.parseCertificatesCached(big))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over the limit");
    }
  }

  @Test
  void parseCertificatesCached_concatenatedDer_readsChain() throws Exception {
    Issued inter = ca.issueCa("inter").build();
    Issued l = inter.issue("svc").build();
    byte[] a = l.certificate().getEncoded();
    byte[] b = inter.certificate().getEncoded();
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    try (TrustStore store = store(ca)) {
      assertThat(store.parseCertificatesCached(both)).containsExactly(l.certificate(), inter.certificate());
    }
  }

  @Test
  void verify_emptyChain_unsigned() {
    try (TrustStore store = store(ca)) {
      assertThat(reason(store.verify(List.of(), SignatureAlgorithm.ED25519, DATA, new byte[64], NOW, Profile.STRONG)))
          .isEqualTo(Reason.UNSIGNED);
    }
  }

  @Test
  void verify_noAlgorithm_unsupportedCrypto() {
    try (TrustStore store = store(ca)) {
      assertThat(reason(store.verify(leaf.chain(), null, DATA, new byte[64], NOW, Profile.STRONG)))
          .isEqualTo(Reason.UNSUPPORTED_CRYPTO);
    }
  }

  /* --------------- WEAK_ALGORITHM --------------- */

  @Test
  void verify_strongProfileRsa1024Leaf_weakAlgorithm() {
    Issued l = ca.issue("weak").keyType(KeyType.RSA_1024).build();
    try (TrustStore store = store(ca)) {
      byte[] sig = Signer.of(l.privateKey(), l.chain()).signRsaSha1(DATA);
      assertThat(reason(store.verify(l.chain(), SignatureAlgorithm.RSA_SHA256, DATA, sig, NOW, Profile.STRONG)))
          .isEqualTo(Reason.WEAK_ALGORITHM);
    }
  }

  @Test
  void verify_strongProfileSha1SignedLeaf_weakAlgorithm() {
    Issued rsaCa = TestPki.rootCa("rsa").keyType(KeyType.RSA_2048).build();
    Issued l = rsaCa.issue("sha1").keyType(KeyType.ED25519).signatureAlgorithm("SHA1withRSA").build();
    try (TrustStore store = store(rsaCa)) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.WEAK_ALGORITHM);
      assertThat(verify(store, l, Profile.LEGACY).isValid()).isTrue();
    }
  }

  @Test
  void verify_strongProfileRsaSha1Message_weakAlgorithm() {
    try (TrustStore store = store(ca)) {
      assertThat(reason(store.verify(leaf.chain(), SignatureAlgorithm.RSA_SHA1, DATA, new byte[128], NOW, Profile.STRONG)))
          .isEqualTo(Reason.WEAK_ALGORITHM);
    }
  }

  @Test
  void verify_strongProfileMd5Crl_weakAlgorithm() {
    Issued rsaCa = TestPki.rootCa("rsa").keyType(KeyType.RSA_2048).build();
    Issued l = rsaCa.issue("svc").keyType(KeyType.ED25519).build();
    try (TrustStore store = store(rsaCa, List.of(rsaCa.crl().signatureAlgorithm("MD5withRSA").build()))) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.WEAK_ALGORITHM);
    }
  }

  @Test
  void verify_operatorMinRsaBitsInLegacy_weakAlgorithm() {
    Issued oldCa = TestPki.rootCa("old").keyType(KeyType.RSA_1024).build();
    Issued old = oldCa.issue("old-svc").keyType(KeyType.RSA_1024).build();
    TrustOptions opts = TrustOptions.builder().caCertificates(List.of(oldCa.certificate()))
        .minRsaBits(2048).backgroundRefresh(false).build();
    try (TrustStore store = TrustStore.create(opts)) {
      byte[] sig = Signer.of(old.privateKey(), old.chain()).signRsaSha1(DATA);
      assertThat(reason(store.verify(old.chain(), SignatureAlgorithm.RSA_SHA1, DATA, sig, NOW, Profile.LEGACY)))
          .isEqualTo(Reason.WEAK_ALGORITHM);
    }
  }

  @Test
  void verify_operatorForbidsSha1InLegacy_weakAlgorithm() {
    Issued rsaCa = TestPki.rootCa("rsa").keyType(KeyType.RSA_2048).build();
    Issued l = rsaCa.issue("svc").keyType(KeyType.RSA_2048).build();
    TrustOptions opts = TrustOptions.builder().caCertificates(List.of(rsaCa.certificate()))
        .allowedDigests(Set.of(Digest.SHA256, Digest.SHA384, Digest.SHA512)).backgroundRefresh(false).build();
    try (TrustStore store = TrustStore.create(opts)) {
      byte[] sig = Signer.of(l.privateKey(), l.chain()).signRsaSha1(DATA);
      assertThat(reason(store.verify(l.chain(), SignatureAlgorithm.RSA_SHA1, DATA, sig, NOW, Profile.LEGACY)))
          .isEqualTo(Reason.WEAK_ALGORITHM);
    }
  }

  /* --------------- UNTRUSTED_CHAIN --------------- */

  @Test
  void verify_leafOfAnotherCa_untrustedChain() {
    Issued other = TestPki.rootCa("other").build();
    try (TrustStore store = store(other)) {
      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.UNTRUSTED_CHAIN);
    }
  }

  @Test
  void verify_rogueCaWithSameName_untrustedChain() {
    Issued rogue = TestPki.rootCa("fedmsg").build();
    Issued forged = rogue.issue("svc.example.org").keyType(KeyType.ED25519).build();
    try (TrustStore store = store(ca)) {
      VerificationResult r = verify(store, forged, Profile.STRONG);
      assertThat(reason(r)).isEqualTo(Reason.UNTRUSTED_CHAIN);
      assertThat(((VerificationResult.Invalid) r).detail()).contains("does not verify");
    }
  }

  @Test
  void verify_intermediateMissing_untrustedChain() {
    Issued inter = ca.issueCa("inter").build();
    Issued l = inter.issue("svc").build();
    try (TrustStore store = store(ca)) {
      VerificationResult r = store.verify(List.of(l.certificate()), SignatureAlgorithm.ECDSA_P256_SHA256, DATA,
          Signer.of(l.privateKey(), l.chain()).sign(DATA), NOW, Profile.STRONG);
      assertThat(reason(r)).isEqualTo(Reason.UNTRUSTED_CHAIN);
    }
  }

  @Test
  void verify_issuedByNonCaLeaf_untrustedChain() {
    // a leaf used as a CA: its certificate says CA:FALSE
    Issued notCa = ca.issue("not-a-ca").build();
    Issued l = notCaIssue(notCa);
    try (TrustStore store = store(ca)) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.UNTRUSTED_CHAIN);
    }
  }

  /* --------------- dates --------------- */

  @Test
  void verify_expiredLeaf_certExpired() {
    Issued l = ca.issue("old").keyType(KeyType.ED25519).validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).build();
    try (TrustStore store = store(ca)) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.CERT_EXPIRED);
    }
  }

  @Test
  void verify_notYetValidLeaf_certNotYetValid() {
    Issued l = ca.issue("future").keyType(KeyType.ED25519).validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10))).build();
    try (TrustStore store = store(ca)) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.CERT_NOT_YET_VALID);
    }
  }

  @Test
  void verify_expiredCa_certExpired() {
    Issued oldCa = TestPki.rootCa("old").validity(NOW.minus(Duration.ofDays(100)), NOW.minus(Duration.ofDays(1))).build();
    Issued l = oldCa.issue("svc").keyType(KeyType.ED25519).build();
    try (TrustStore store = store(oldCa)) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.CERT_EXPIRED);
    }
  }

  @Test
  void verify_cachedChainAtLaterInstant_stillChecksDates() {
    try (TrustStore store = store(ca)) {
      byte[] sig = Signer.of(leaf.privateKey(), leaf.chain()).sign(DATA);
      assertThat(store.verify(leaf.chain(), SignatureAlgorithm.ED25519, DATA, sig, NOW, Profile.STRONG).isValid()).isTrue();

      VerificationResult later = store.verify(leaf.chain(), SignatureAlgorithm.ED25519, DATA, sig,
          NOW.plus(Duration.ofDays(400)), Profile.STRONG);

      assertThat(reason(later)).isEqualTo(Reason.CERT_EXPIRED);
    }
  }

  /* --------------- revocation --------------- */

  @Test
  void verify_revokedLeaf_certRevoked() {
    try (TrustStore store = store(ca, List.of(ca.crl().revoke(leaf).build()))) {
      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void verify_revokedIntermediate_certRevoked() {
    Issued inter = ca.issueCa("inter").build();
    Issued l = inter.issue("svc").keyType(KeyType.ED25519).build();
    try (TrustStore store = store(ca, List.of(ca.crl().revoke(inter).build(), inter.crl().build()))) {
      assertThat(reason(verify(store, l, Profile.STRONG))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void verify_crlPastNextUpdateBeyondGrace_crlUnavailable() {
    X509CRL old = ca.crl().dates(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(2))).build();
    try (TrustStore store = store(ca, List.of(old))) {
      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.CRL_UNAVAILABLE);
    }
  }

  @Test
  void verify_crlPastNextUpdateWithinGrace_valid() {
    X509CRL stale = ca.crl().dates(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofMinutes(10))).build();
    try (TrustStore store = store(ca, List.of(stale))) {
      assertThat(verify(store, leaf, Profile.STRONG).isValid()).isTrue();
    }
  }

  @Test
  void verify_crlFromAnotherCa_crlUnavailable() {
    Issued other = TestPki.rootCa("other").build();
    try (TrustStore store = store(ca, List.of(other.crl().build()))) {
      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.CRL_UNAVAILABLE);
    }
  }

  @Test
  void verify_crlFromRogueCaWithSameName_crlUnavailable() {
    Issued rogue = TestPki.rootCa("fedmsg").build();
    try (TrustStore store = store(ca, List.of(rogue.crl().build()))) {
      VerificationResult r = verify(store, leaf, Profile.STRONG);
      assertThat(reason(r)).isEqualTo(Reason.CRL_UNAVAILABLE);
      assertThat(((VerificationResult.Invalid) r).detail()).contains("not signed by");
    }
  }

  @Test
  void verify_crlFileMissing_crlUnavailable() {
    try (TrustStore store = TrustStore.create(TrustOptions.builder()
        .ca(TestPki.writePem(dir.resolve("ca.crt"), ca.certificate()))
        .crl(dir.resolve("missing.pem")).backgroundRefresh(false).build())) {
      VerificationResult r = verify(store, leaf, Profile.STRONG);
      assertThat(reason(r)).isEqualTo(Reason.CRL_UNAVAILABLE);
    }
  }

  @Test
  @Timeout(60)
  void verify_crlUrlUnreachable_crlUnavailable() {
    try (TrustStore store = TrustStore.create(TrustOptions.builder()
        .ca(TestPki.writePem(dir.resolve("ca.crt"), ca.certificate()))
        .crl("https://127.0.0.1:1/crl.pem").stateDirectory(dir.resolve("state")).backgroundRefresh(false).build())) {
      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.CRL_UNAVAILABLE);
    }
  }

  @Test
  @Timeout(60)
  void create_caUrlUnreachableWithoutStateCopy_throwsUncheckedIo() {
    assertThatThrownBy(() -> TrustStore.create(TrustOptions.builder().ca("https://127.0.0.1:1/ca.crt")
        .backgroundRefresh(false).build())).isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void verify_failOpenWithoutCrl_validButRevokedStillRejected() {
    X509CRL expired = ca.crl().revoke(leaf).dates(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(2))).build();
    Issued other = ca.issue("other").keyType(KeyType.ED25519).build();
    TrustOptions opts = TrustOptions.builder().caCertificates(List.of(ca.certificate())).crls(List.of(expired))
        .crlFailureMode(CrlFailureMode.FAIL_OPEN).backgroundRefresh(false).build();
    try (TrustStore store = TrustStore.create(opts)) {
      assertThat(verify(store, other, Profile.STRONG).isValid()).isTrue();
      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  /* --------------- BAD_SIGNATURE --------------- */

  @Test
  void verify_tamperedData_badSignature() {
    try (TrustStore store = store(ca)) {
      byte[] sig = Signer.of(leaf.privateKey(), leaf.chain()).sign(DATA);
      byte[] tampered = DATA.clone();
      tampered[0] ^= 1;
      assertThat(reason(store.verify(leaf.chain(), SignatureAlgorithm.ED25519, tampered, sig, NOW, Profile.STRONG)))
          .isEqualTo(Reason.BAD_SIGNATURE);
    }
  }

  @Test
  void verify_algorithmNotMatchingKey_badSignature() {
    try (TrustStore store = store(ca)) {
      assertThat(reason(store.verify(leaf.chain(), SignatureAlgorithm.ECDSA_P256_SHA256, DATA, new byte[64], NOW, Profile.STRONG)))
          .isEqualTo(Reason.BAD_SIGNATURE);
    }
  }

  @Test
  void verify_garbageSignatureBytes_badSignature() {
    Issued ec = ca.issue("ec").keyType(KeyType.EC_P256).build();
    try (TrustStore store = store(ca)) {
      assertThat(reason(store.verify(ec.chain(), SignatureAlgorithm.ECDSA_P256_SHA256, DATA, new byte[] {1, 2, 3}, NOW, Profile.STRONG)))
          .isEqualTo(Reason.BAD_SIGNATURE);
    }
  }

  /* --------------- reloading --------------- */

  @Test
  void refresh_crlFileReplaced_revocationTakesEffect() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().build());
    try (TrustStore store = TrustStore.create(TrustOptions.builder()
        .ca(TestPki.writePem(dir.resolve("ca.crt"), ca.certificate())).crl(crl).backgroundRefresh(false).build())) {
      assertThat(verify(store, leaf, Profile.STRONG).isValid()).isTrue();

      TestPki.writePem(crl, ca.crl().revoke(leaf).build());
      Files.setLastModifiedTime(crl, java.nio.file.attribute.FileTime.from(NOW.plusSeconds(5)));
      store.refresh();

      assertThat(reason(verify(store, leaf, Profile.STRONG))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void refresh_caFileReplacedWithGarbage_keepsPreviousCa() throws Exception {
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    try (TrustStore store = TrustStore.create(TrustOptions.builder().ca(caFile).backgroundRefresh(false).build())) {
      Files.writeString(caFile, "garbage");
      store.refresh();

      assertThat(verify(store, leaf, Profile.STRONG).isValid()).isTrue();
    }
  }

  @Test
  @Timeout(30)
  void backgroundRefresh_caFileReplaced_newCaTrusted() throws Exception {
    Issued next = TestPki.rootCa("next").build();
    Issued nextLeaf = next.issue("svc").keyType(KeyType.ED25519).build();
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    try (TrustStore store = TrustStore.create(TrustOptions.builder().ca(caFile)
        .pollInterval(Duration.ofMillis(50)).build())) {
      assertThat(reason(verify(store, nextLeaf, Profile.STRONG))).isEqualTo(Reason.UNTRUSTED_CHAIN);

      TestPki.writePem(caFile, ca.certificate(), next.certificate());
      while (store.caCertificates().size() < 2) {
        TimeUnit.MILLISECONDS.sleep(20);
      }

      assertThat(verify(store, nextLeaf, Profile.STRONG).isValid()).isTrue();
    }
  }

  @Test
  void verify_clockInjected_usedForDefaultInstant() {
    TestClock clock = new TestClock(NOW);
    try (TrustStore store = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .clock(clock).backgroundRefresh(false).build())) {
      byte[] sig = Signer.of(leaf.privateKey(), leaf.chain()).sign(DATA);
      assertThat(store.verify(leaf.chain(), SignatureAlgorithm.ED25519, DATA, sig, Profile.STRONG).isValid()).isTrue();

      clock.advance(Duration.ofDays(400));

      assertThat(reason(store.verify(leaf.chain(), SignatureAlgorithm.ED25519, DATA, sig, Profile.STRONG)))
          .isEqualTo(Reason.CERT_EXPIRED);
    }
  }

  /* --------------- helpers --------------- */

  private TrustStore store(Issued trusted) {
    return TrustStore.create(TrustOptions.builder().caCertificates(List.of(trusted.certificate()))
        .backgroundRefresh(false).build());
  }

  private TrustStore store(Issued trusted, List<X509CRL> crls) {
    return TrustStore.create(TrustOptions.builder().caCertificates(List.of(trusted.certificate())).crls(crls)
        .backgroundRefresh(false).build());
  }

  private static VerificationResult verify(TrustStore store, Issued signer, Profile profile) {
    Signer s = Signer.of(signer.privateKey(), signer.chain());
    byte[] sig = s.algorithm() == SignatureAlgorithm.RSA_SHA256 && Keys.rsaBits(signer.privateKey()) < 2048
        ? s.signRsaSha1(DATA) : s.sign(DATA);
    SignatureAlgorithm alg = Keys.rsaBits(signer.privateKey()) > 0 && Keys.rsaBits(signer.privateKey()) < 2048
        ? SignatureAlgorithm.RSA_SHA1 : s.algorithm();
    return store.verify(signer.chain(), alg, DATA, sig, NOW, profile);
  }

  /** A leaf "issued" by a certificate that is not a CA, built by hand since TestPki refuses nothing. */
  private static Issued notCaIssue(Issued notCa) {
    return notCa.issue("victim").keyType(KeyType.ED25519).build();
  }

  static Reason reason(VerificationResult r) {
    return r instanceof VerificationResult.Invalid ? ((VerificationResult.Invalid) r).reason() : null;
  }
}
