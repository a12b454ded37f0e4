package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.Issued;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRL replacement attacks against a file-backed store: a same-name CRL signed by another key, an
 * older validly signed CRL (rollback), a newer one that forgets a revocation, and a message
 * signed by the CA itself under an expired CRL.
 */
class TrustStoreCrlTest {
  private static final Instant NOW = Instant.now();
  private static final byte[] DATA = "fedmsg/2 frames".getBytes(StandardCharsets.UTF_8);
  private static final AtomicInteger MTIME = new AtomicInteger(1);

  @TempDir Path dir;

  private final Issued ca = TestPki.rootCa("fedmsg").build();
  private final Issued rogue = TestPki.rootCa("fedmsg").build(); // same name, another key
  private final Issued good = ca.issue("good.example.org").build();
  private final Issued revoked = ca.issue("revoked.example.org").build();

  @Test
  void replacedByForgedCrl_failClosed_previousKeptAndRefusalReported() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      replace(crl, rogue.crl().build());
      store.refresh();

      assertThat(verify(store, good).isValid()).isTrue();
      assertThat(reason(verify(store, revoked))).isEqualTo(Reason.CERT_REVOKED);
      TrustStore.CrlStatus status = store.crlStatus();
      assertThat(status.refused()).isEqualTo(1);
      assertThat(status.lastRefusal()).contains("not signed by that CA");
      assertThat(status.problem()).isNull();
      assertThat(store.crls().get(0).isRevoked(revoked.certificate())).isTrue();
    }
  }

  @Test
  void replacedByForgedCrl_failOpen_revokedStaysRejected() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_OPEN)) {
      replace(crl, rogue.crl().build());
      store.refresh();

      assertThat(reason(verify(store, revoked))).isEqualTo(Reason.CERT_REVOKED);
      assertThat(verify(store, good).isValid()).isTrue();
    }
  }

  @Test
  void forgedCrlAtStart_failClosed_crlUnavailableAndReported() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), rogue.crl().build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      assertThat(reason(verify(store, good))).isEqualTo(Reason.CRL_UNAVAILABLE);
      assertThat(store.crlStatus().refused()).isEqualTo(1);
      assertThat(store.crlStatus().problem()).contains("not signed by that CA");

      replace(crl, ca.crl().build());
      store.refresh();

      assertThat(verify(store, good).isValid()).isTrue();
      assertThat(store.crlStatus().loads()).isEqualTo(1);
    }
  }

  @Test
  void sameRefusedFile_judgedOnce() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      replace(crl, rogue.crl().build());
      store.refresh();
      store.refresh();

      assertThat(store.crlStatus().refused()).isEqualTo(1);
    }
  }

  @Test
  void rolledBackByThisUpdate_refusedAndRevokedStaysRejected() throws Exception {
    X509CRL older = ca.crl().dates(NOW.minus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(20))).build();
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      replace(crl, older);
      store.refresh();

      assertThat(reason(verify(store, revoked))).isEqualTo(Reason.CERT_REVOKED);
      assertThat(store.crlStatus().refused()).isEqualTo(1);
      assertThat(store.crlStatus().lastRefusal()).contains("older than the one already accepted");
    }
  }

  @Test
  void rolledBackByCrlNumber_refusedEvenWithLaterThisUpdate() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().number(7).revoke(revoked).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_OPEN)) {
      X509CRL lowerNumber = ca.crl().number(6).dates(NOW.minus(Duration.ofMinutes(1)), NOW.plus(Duration.ofDays(30)))
          .build();
      replace(crl, lowerNumber);
      store.refresh();

      assertThat(store.crlStatus().refused()).isEqualTo(1);
      assertThat(store.crlStatus().lastRefusal()).contains("cRLNumber 6").contains("cRLNumber 7");
      assertThat(reason(verify(store, revoked))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void higherCrlNumber_accepted() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().number(7).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      replace(crl, ca.crl().number(8).revoke(revoked).build());
      store.refresh();

      assertThat(store.crlStatus().refused()).isZero();
      assertThat(reason(verify(store, revoked))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void newerCrlForgettingARevocation_revokedStaysRejected() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().number(1).revoke(revoked).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      replace(crl, ca.crl().number(2).build());
      store.refresh();

      assertThat(store.crlStatus().refused()).isZero();
      VerificationResult.Invalid r = (VerificationResult.Invalid) verify(store, revoked);
      assertThat(r.reason()).isEqualTo(Reason.CERT_REVOKED);
      assertThat(r.detail()).contains("earlier CRL");
      assertThat(verify(store, good).isValid()).isTrue();
    }
  }

  @Test
  void forgedIntermediateCrl_afterIntermediateSeen_refused() throws Exception {
    Issued inter = ca.issueCa("fedmsg intermediate").build();
    Issued rogueInter = ca.issueCa("fedmsg intermediate").build(); // same name, another key: rogue's CRL
    Issued leaf = inter.issue("svc").build();
    Issued revokedLeaf = inter.issue("gone").build();
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().build(), inter.crl().revoke(revokedLeaf).build());
    try (TrustStore store = fileStore(crl, CrlFailureMode.FAIL_CLOSED)) {
      assertThat(verify(store, leaf).isValid()).isTrue(); // the store sees the intermediate here

      replace(crl, ca.crl().build(), rogueInter.crl().build());
      store.refresh();

      assertThat(store.crlStatus().refused()).isEqualTo(1);
      assertThat(verify(store, leaf).isValid()).isTrue();
      assertThat(reason(verify(store, revokedLeaf))).isEqualTo(Reason.CERT_REVOKED);
    }
  }

  @Test
  void caSignedMessage_underExpiredCrl_crlUnavailable() {
    X509CRL expired = ca.crl().dates(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(2))).build();
    try (TrustStore store = directStore(expired)) {
      assertThat(reason(verify(store, ca))).isEqualTo(Reason.CRL_UNAVAILABLE);
      assertThat(reason(verify(store, good))).isEqualTo(Reason.CRL_UNAVAILABLE);
    }
  }

  @Test
  void caSignedMessage_underCurrentCrl_valid() {
    try (TrustStore store = directStore(ca.crl().build())) {
      assertThat(verify(store, ca).isValid()).isTrue();
    }
  }

  @Test
  void caSignedMessage_withoutAnyCrlOfTheCa_crlUnavailable() {
    Issued other = TestPki.rootCa("other").build();
    try (TrustStore store = directStore(other.crl().build())) {
      assertThat(reason(verify(store, ca))).isEqualTo(Reason.CRL_UNAVAILABLE);
    }
  }

  /* --------------- helpers --------------- */

  private TrustStore fileStore(Path crl, CrlFailureMode mode) {
    return TrustStore.create(TrustOptions.builder().ca(TestPki.writePem(dir.resolve("ca.crt"), ca.certificate()))
        .crl(crl).crlFailureMode(mode).backgroundRefresh(false).build());
  }

  private TrustStore directStore(X509CRL crl) {
    return TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).crls(List.of(crl))
        .backgroundRefresh(false).build());
  }

  /** Rewrites the file and moves its mtime forward, so the store sees a change however coarse the clock. */
  private static void replace(Path file, Object... crls) throws Exception {
    TestPki.writePem(file, crls);
    Files.setLastModifiedTime(file, FileTime.from(NOW.plusSeconds(MTIME.incrementAndGet())));
  }

  private static VerificationResult verify(TrustStore store, Issued signer) {
    byte[] sig = Signer.of(signer.privateKey(), signer.chain()).sign(DATA);
    return store.verify(signer.chain(), SignatureAlgorithm.ECDSA_P256_SHA256, DATA, sig, NOW, Profile.STRONG);
  }

  private static Reason reason(VerificationResult r) {
    return r instanceof VerificationResult.Invalid i ? i.reason() : null;
  }
}
