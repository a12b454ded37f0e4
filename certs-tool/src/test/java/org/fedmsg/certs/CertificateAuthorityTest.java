package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CertificateAuthorityTest {
  private static final Duration YEAR = Duration.ofDays(365);

  @TempDir Path tmp;

  private CertificateAuthority newCa(Path dir) {
    return CertificateAuthority.init(dir, "Test CA", KeyType.EC_P256, Duration.ofDays(3650), null, false);
  }

  /* --------------- init-ca --------------- */

  @Test
  void init_newDirectory_writesCaKeyCrlAndState() throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority ca = newCa(dir);

    assertThat(CertsRun.mode(dir.resolve("ca.key"))).isEqualTo("rw-------");
    X509Certificate cert = PemFiles.readCertificate(dir.resolve("ca.crt"));
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=Test CA");
    assertThat(cert.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
    boolean[] ku = cert.getKeyUsage();
    assertThat(ku[5]).as("keyCertSign").isTrue();
    assertThat(ku[6]).as("cRLSign").isTrue();
    assertThat(ski(cert)).isNotEmpty();
    cert.verify(cert.getPublicKey());
    X509CRL crl = readCrl(dir);
    crl.verify(cert.getPublicKey());
    assertThat(crl.getNextUpdate()).isAfter(crl.getThisUpdate());
    assertThat(ca.list()).isEmpty();
  }

  @Test
  void init_existingCa_refusedWithoutForceAndNothingChanged() {
    Path dir = tmp.resolve("ssl");
    newCa(dir);
    Map<String, String> before = CertsRun.snapshot(dir);

    assertThatThrownBy(() -> newCa(dir))
        .isInstanceOfSatisfying(CertsException.class, e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.ALREADY_EXISTS))
        .hasMessageContaining("--force");
    assertThat(CertsRun.snapshot(dir)).isEqualTo(before);
  }

  @Test
  void init_force_replacesTheCa() throws Exception {
    Path dir = tmp.resolve("ssl");
    X509Certificate first = newCa(dir).certificate();
    CertificateAuthority second = CertificateAuthority.init(dir, "Test CA", KeyType.ED25519, YEAR, null, true);

    assertThat(second.certificate().getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertThat(PemFiles.readCertificate(dir.resolve("ca.crt"))).isEqualTo(second.certificate());
  }

  @Test
  void init_rsa2048_unsupportedForCaAndNoFiles() {
    Path dir = tmp.resolve("ssl");
    assertThatThrownBy(() -> CertificateAuthority.init(dir, "x", KeyType.RSA_2048, YEAR, null, false))
        .isInstanceOfSatisfying(CertsException.class,
            e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.UNSUPPORTED_KEY_TYPE));
    assertThat(dir).doesNotExist();
  }

  @Test
  void init_directoryIsAFile_refusedAsUnreadable() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "x");
    assertThatThrownBy(() -> newCa(file))
        .isInstanceOfSatisfying(CertsException.class,
            e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.UNREADABLE))
        .hasMessageContaining("not a directory");
  }

  /* --------------- issue --------------- */

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void issue_eachKeyType_leafUsableByTheBus(KeyType type) throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority ca = newCa(dir);
    IssuedCertificate issued = ca.issue("bodhi", "app01.example.com", type, YEAR, List.of("IP:10.0.0.1"), false);

    assertThat(issued.certname()).isEqualTo("bodhi-app01.example.com");
    assertThat(issued.certnamesLine()).isEqualTo("certnames: {\"bodhi.app01\": \"bodhi-app01.example.com\"}");
    assertThat(issued.keyFile()).isEqualTo(dir.resolve("bodhi-app01.example.com.key"));
    assertThat(CertsRun.mode(issued.keyFile())).isEqualTo("rw-------");
    X509Certificate leaf = PemFiles.readCertificate(issued.certificateFile());
    leaf.verify(ca.certificate().getPublicKey());
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=bodhi-app01.example.com");
    assertThat(leaf.getBasicConstraints()).as("CA:false").isEqualTo(-1);
    assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId());
    assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(aki(leaf)).isEqualTo(ski(ca.certificate()));
    assertThat(ski(leaf)).isNotEmpty().isNotEqualTo(ski(ca.certificate()));
    assertThat(sanStrings(leaf)).containsExactly("app01.example.com", "10.0.0.1");
    assertThat(KeyMatch.matches(PemFiles.readPrivateKey(issued.keyFile(), null), leaf.getPublicKey())).isTrue();
    assertThat(KeyType.describe(leaf.getPublicKey())).isEqualTo(type.cliName());
    assertThat(ca.list()).singleElement().satisfies(e -> {
      assertThat(e.serial()).isEqualTo(leaf.getSerialNumber());
      assertThat(e.keyType()).isEqualTo(type.cliName());
      assertThat(e.revoked()).isFalse();
    });
  }

  @Test
  void issue_sameCertnameTwice_refusedWithoutForce() {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    ca.issue("bodhi", "app01.example.com", KeyType.EC_P256, YEAR, List.of(), false);
    Map<String, String> before = CertsRun.snapshot(ca.dir());

    assertThatThrownBy(() -> ca.issue("bodhi", "app01.example.com", KeyType.EC_P256, YEAR, List.of(), false))
        .isInstanceOfSatisfying(CertsException.class, e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.ALREADY_EXISTS))
        .hasMessageContaining("renew");
    assertThat(CertsRun.snapshot(ca.dir())).isEqualTo(before);

    IssuedCertificate replaced = ca.issue("bodhi", "app01.example.com", KeyType.EC_P256, YEAR, List.of(), true);
    assertThat(ca.list()).hasSize(2).last().extracting(CertificateEntry::serial).isEqualTo(replaced.entry().serial());
  }

  @Test
  void issue_malformedInput_refusedAndNoFiles() {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    Map<String, String> before = CertsRun.snapshot(ca.dir());

    for (Callable<?> bad : List.<Callable<?>>of(
        () -> ca.issue("bo/dhi", "app01", KeyType.EC_P256, YEAR, List.of(), false),
        () -> ca.issue("bodhi", "../etc", KeyType.EC_P256, YEAR, List.of(), false),
        () -> ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of("IP:999.1.1.1"), false),
        () -> ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of("DNS:bad name"), false),
        () -> ca.issue("bodhi", "app01", KeyType.EC_P256, Duration.ZERO, List.of(), false))) {
      assertThatThrownBy(bad::call).isInstanceOfSatisfying(CertsException.class,
          e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.INVALID_ARGUMENT));
    }
    assertThat(CertsRun.snapshot(ca.dir())).isEqualTo(before);
  }

  @Test
  void issue_encryptedCa_needsTheRightPassphrase() throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority.init(dir, "Secret CA", KeyType.EC_P256, YEAR, "s3cret".toCharArray(), false);
    assertThat(Files.readString(dir.resolve("ca.key"))).contains("BEGIN ENCRYPTED PRIVATE KEY");
    Map<String, String> before = CertsRun.snapshot(dir);

    assertThatThrownBy(() -> CertificateAuthority.open(dir, "wrong".toCharArray())
        .issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false))
        .isInstanceOfSatisfying(CertsException.class, e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.WRONG_PASSPHRASE))
        .hasMessageContaining("wrong passphrase");
    assertThatThrownBy(() -> CertificateAuthority.open(dir, null)
        .issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false))
        .isInstanceOfSatisfying(CertsException.class, e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.WRONG_PASSPHRASE))
        .hasMessageContaining("--passphrase-file");
    assertThat(CertsRun.snapshot(dir)).isEqualTo(before);

    IssuedCertificate ok = CertificateAuthority.open(dir, "s3cret".toCharArray())
        .issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    assertThat(ok.certificateFile()).exists();
  }

  @Test
  void close_wipesThePassphraseCopy_signingRefusedListingStillWorks() throws Exception {
    Path dir = tmp.resolve("ssl");
    char[] given = "s3cret".toCharArray();
    CertificateAuthority.init(dir, "Secret CA", KeyType.EC_P256, YEAR, given, false).close();
    assertThat(given).as("the caller's array is the caller's to wipe").containsExactly("s3cret".toCharArray());

    CertificateAuthority ca = CertificateAuthority.open(dir, given);
    assertThat(ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false).certificateFile()).exists();
    char[] kept = keptPassphrase(ca);
    assertThat(kept).containsExactly("s3cret".toCharArray());

    ca.close();
    assertThat(kept).as("the CA's copy is overwritten").containsOnly('\0');
    assertThatThrownBy(() -> ca.issue("bodhi", "app02", KeyType.EC_P256, YEAR, List.of(), false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> ca.writeCrl(YEAR)).isInstanceOf(IllegalStateException.class);
    assertThat(ca.list()).extracting(CertificateEntry::certname).contains("bodhi-app01");
    ca.close(); // idempotent
  }

  /** The CA's own passphrase copy: the only way to show that close() overwrites it, not just drops it. */
  private static char[] keptPassphrase(CertificateAuthority ca) throws Exception {
    java.lang.reflect.Field f = CertificateAuthority.class.getDeclaredField("passphrase");
    f.setAccessible(true);
    return (char[]) f.get(ca);
  }

  @Test
  void issue_validityBeyondTheCa_cutToTheCaEnd() {
    CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ssl"), "Short CA", KeyType.EC_P256,
        Duration.ofDays(10), null, false);
    IssuedCertificate issued = ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    assertThat(issued.entry().notAfter()).isEqualTo(ca.certificate().getNotAfter().toInstant());
  }

  /* --------------- open --------------- */

  @Test
  void open_missingOrEmptyOrBrokenDirectory_refusedWithReason() throws Exception {
    assertReason(() -> CertificateAuthority.open(tmp.resolve("absent"), null), CertsException.Reason.UNREADABLE);
    assertReason(() -> CertificateAuthority.open(Files.writeString(tmp.resolve("f"), ""), null),
        CertsException.Reason.UNREADABLE);
    assertReason(() -> CertificateAuthority.open(Files.createDirectory(tmp.resolve("empty")), null),
        CertsException.Reason.NO_CA);
    Path dir = tmp.resolve("ssl");
    newCa(dir);
    Files.writeString(dir.resolve(StateFile.FILE_NAME), "{\"format\": 1, \"ca\": ");
    assertReason(() -> CertificateAuthority.open(dir, null), CertsException.Reason.BAD_STATE);
  }

  /* --------------- renew --------------- */

  @Test
  void renew_keepsKeyAndOverlapsThePreviousCertificate() throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority.init(dir, "Test CA", KeyType.EC_P256, Duration.ofDays(3650), null, false);
    Instant t0 = Instant.now();
    CertificateAuthority ca = CertificateAuthority.open(dir, null, Clock.fixed(t0, ZoneOffset.UTC));
    IssuedCertificate first = ca.issue("bodhi", "app01", KeyType.EC_P256, Duration.ofDays(30), List.of(), false);
    String keyBefore = Files.readString(first.keyFile());

    CertificateAuthority later = CertificateAuthority.open(dir, null, Clock.fixed(t0.plus(Duration.ofDays(25)), ZoneOffset.UTC));
    IssuedCertificate second = later.renew("bodhi-app01", null, null);

    assertThat(second.entry().serial()).isNotEqualTo(first.entry().serial());
    assertThat(second.entry().notBefore()).isBefore(first.entry().notAfter());
    assertThat(second.entry().notAfter()).isAfter(first.entry().notAfter());
    assertThat(Duration.between(second.entry().notBefore(), second.entry().notAfter())).isEqualTo(Duration.ofDays(30).plus(CertificateAuthority.BACKDATE));
    assertThat(Files.readString(first.keyFile())).isEqualTo(keyBefore);
    X509Certificate onDisk = PemFiles.readCertificate(second.certificateFile());
    assertThat(onDisk.getSerialNumber()).isEqualTo(second.entry().serial());
    assertThat(later.list()).extracting(CertificateEntry::revoked).containsExactly(false, false);
    assertThat(second.certnamesKey()).isEqualTo("bodhi.app01");
  }

  @Test
  void renew_rekey_newKeyMatchingTheNewCertificate() throws Exception {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    IssuedCertificate first = ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    PublicKey oldKey = PemFiles.readCertificate(first.certificateFile()).getPublicKey();

    IssuedCertificate second = ca.renew("bodhi-app01", YEAR, KeyType.ED25519);

    X509Certificate cert = PemFiles.readCertificate(second.certificateFile());
    assertThat(cert.getPublicKey()).isNotEqualTo(oldKey);
    assertThat(KeyMatch.matches(PemFiles.readPrivateKey(second.keyFile(), null), cert.getPublicKey())).isTrue();
    assertThat(second.entry().keyType()).isEqualTo("ed25519");
  }

  @Test
  void renew_unknownOrRevoked_refused() {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    assertReason(() -> ca.renew("nobody-here", null, null), CertsException.Reason.UNKNOWN_CERTNAME);
    ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    ca.revoke("bodhi-app01", null, RevocationReason.KEY_COMPROMISE);
    assertReason(() -> ca.renew("bodhi-app01", null, null), CertsException.Reason.NOT_ALLOWED);
    assertThat(ca.renew("bodhi-app01", null, KeyType.EC_P256).entry().revoked()).isFalse();
  }

  @Test
  void renew_keyOnDiskDoesNotMatch_refused() throws Exception {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    IssuedCertificate other = ca.issue("fas", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    Files.copy(other.keyFile(), ca.dir().resolve("bodhi-app01.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertReason(() -> ca.renew("bodhi-app01", null, null), CertsException.Reason.INVALID_FILE);
  }

  /* --------------- revoke, crl, list --------------- */

  @Test
  void revokeThenCrl_listsTheSerialWithReasonSignedByTheCa() throws Exception {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    IssuedCertificate bad = ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    IssuedCertificate good = ca.issue("fas", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    long numberBefore = crlNumber(readCrl(ca.dir()));

    List<CertificateEntry> revoked = ca.revoke("bodhi-app01", null, RevocationReason.KEY_COMPROMISE);
    X509CRL crl = ca.writeCrl(Duration.ofDays(7));

    assertThat(revoked).extracting(CertificateEntry::serial).containsExactly(bad.entry().serial());
    assertThat(readCrl(ca.dir())).isEqualTo(crl);
    crl.verify(ca.certificate().getPublicKey());
    X509CRLEntry entry = crl.getRevokedCertificate(bad.entry().serial());
    assertThat(entry).isNotNull();
    assertThat(entry.getRevocationReason()).isEqualTo(java.security.cert.CRLReason.KEY_COMPROMISE);
    assertThat(crl.getRevokedCertificate(good.entry().serial())).isNull();
    assertThat(Duration.between(crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant())).isEqualTo(Duration.ofDays(7));
    assertThat(crlNumber(crl)).isEqualTo(numberBefore + 1);
    assertThat(ca.list()).extracting(CertificateEntry::certname, CertificateEntry::revoked)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("bodhi-app01", true),
            org.assertj.core.groups.Tuple.tuple("fas-app01", false));
    assertThat(ca.revoke("bodhi-app01", null, RevocationReason.KEY_COMPROMISE)).as("second revoke is a no-op").isEmpty();
  }

  @Test
  void revoke_oneSerial_leavesTheOtherCertificateOfTheCertname() {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    IssuedCertificate old = ca.issue("bodhi", "app01", KeyType.EC_P256, YEAR, List.of(), false);
    IssuedCertificate renewed = ca.renew("bodhi-app01", YEAR, null);

    ca.revoke("bodhi-app01", old.entry().serial(), RevocationReason.SUPERSEDED);

    assertThat(ca.list()).extracting(CertificateEntry::serial, CertificateEntry::revoked).containsExactly(
        org.assertj.core.groups.Tuple.tuple(old.entry().serial(), true),
        org.assertj.core.groups.Tuple.tuple(renewed.entry().serial(), false));
    assertReason(() -> ca.revoke("bodhi-app01", BigInteger.TEN, RevocationReason.SUPERSEDED),
        CertsException.Reason.UNKNOWN_CERTNAME);
  }

  @Test
  void revoke_unknownCertname_refused() {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    assertThatThrownBy(() -> ca.revoke("ghost-app01", null, RevocationReason.UNSPECIFIED))
        .isInstanceOfSatisfying(CertsException.class, e -> assertThat(e.reason()).isEqualTo(CertsException.Reason.UNKNOWN_CERTNAME))
        .hasMessageContaining("ghost-app01");
    assertReason(() -> ca.revoke("../ca", null, RevocationReason.UNSPECIFIED), CertsException.Reason.INVALID_ARGUMENT);
  }

  /* --------------- concurrency --------------- */

  @Test
  @Timeout(120)
  void issue_concurrentThreads_stateKeepsEveryCertificate() throws Exception {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    int n = 12;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<IssuedCertificate>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String service = "svc" + i;
        // Separate CertificateAuthority objects, as separate runs would have.
        results.add(pool.submit(() -> CertificateAuthority.open(ca.dir(), null)
            .issue(service, "app01", KeyType.EC_P256, YEAR, List.of(), false)));
      }
      for (Future<IssuedCertificate> f : results) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    List<CertificateEntry> entries = ca.list();
    assertThat(entries).hasSize(n);
    assertThat(new HashSet<>(entries.stream().map(CertificateEntry::serial).toList())).hasSize(n);
    for (CertificateEntry e : entries) {
      assertThat(PemFiles.readCertificate(ca.dir().resolve(e.certname() + ".crt")).getSerialNumber()).isEqualTo(e.serial());
    }
    assertThat(CertsRun.snapshot(ca.dir()).keySet()).noneMatch(name -> name.endsWith(".tmp"));
  }

  @Test
  @Timeout(300)
  void issue_concurrentProcesses_stateKeepsEveryCertificate() throws Exception {
    CertificateAuthority ca = newCa(tmp.resolve("ssl"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    int n = 4;
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      processes.add(new ProcessBuilder(java, "-cp", classpath, CertsCommand.class.getName(),
          "issue", "proc" + i, "--host", "app01", "--key", "ec:p256", "--dir", ca.dir().toString())
          .redirectErrorStream(true).start());
    }
    for (Process p : processes) {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(output).isZero();
    }
    assertThat(ca.list()).extracting(CertificateEntry::certname)
        .containsExactlyInAnyOrder("proc0-app01", "proc1-app01", "proc2-app01", "proc3-app01");
  }

  /* --------------- helpers --------------- */

  static void assertReason(Callable<?> call, CertsException.Reason reason) {
    assertThatThrownBy(call::call).isInstanceOfSatisfying(CertsException.class,
        e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
  }

  static X509CRL readCrl(Path dir) throws Exception {
    return org.fedmsg.crypto.Pem.readCrls(dir.resolve("crl.pem")).get(0);
  }

  private static long crlNumber(X509CRL crl) {
    byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
    return org.bouncycastle.asn1.ASN1Integer.getInstance(ASN1OctetString.getInstance(ext).getOctets())
        .getValue().longValueExact();
  }

  private static byte[] ski(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
  }

  private static byte[] aki(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(Extension.authorityKeyIdentifier.getId());
    return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
  }

  private static List<String> sanStrings(X509Certificate cert) throws Exception {
    List<String> out = new ArrayList<>();
    Collection<List<?>> sans = cert.getSubjectAlternativeNames();
    for (List<?> san : sans) {
      out.add(String.valueOf(san.get(1)));
    }
    return out;
  }
}
