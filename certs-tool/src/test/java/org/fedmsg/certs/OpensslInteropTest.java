package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedmsg.testing.ExternalTools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real {@code openssl} binary accepts what fedmsg-certs writes. */
@Timeout(120)
class OpensslInteropTest {
  private static Path openssl;
  private static final Duration YEAR = Duration.ofDays(365);

  @TempDir Path tmp;

  @BeforeAll
  static void needsOpenssl() {
    openssl = ExternalTools.openssl();
  }

  record Run(int exit, String output) {}

  private static Run openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(openssl.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @ParameterizedTest(name = "CA {0}, leaf {1}")
  @CsvSource({"ec:p256, rsa:2048", "ec:p256, ec:p256", "ed25519, ed25519", "ed25519, rsa:2048", "ec:p256, ed25519"})
  void verify_issuedCertificate_okThenRevokedAfterCrl(String caType, String leafType) throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority ca = CertificateAuthority.init(dir, "Interop CA", KeyType.parseForCa(caType),
        Duration.ofDays(3650), null, false);
    IssuedCertificate issued = ca.issue("bodhi", "app01.example.com", KeyType.parse(leafType), YEAR, List.of(), false);
    String crt = issued.certificateFile().toString();

    Run ok = openssl("verify", "-CAfile", ca.certificateFile().toString(), "-CRLfile", ca.crlFile().toString(),
        "-crl_check", crt);
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(ok.output()).contains(crt + ": OK");

    ca.revoke(issued.certname(), null, RevocationReason.KEY_COMPROMISE);
    ca.writeCrl(Duration.ofDays(7));

    Run revoked = openssl("verify", "-CAfile", ca.certificateFile().toString(), "-CRLfile", ca.crlFile().toString(),
        "-crl_check", crt);
    assertThat(revoked.exit()).isNotZero();
    assertThat(revoked.output()).contains("certificate revoked");

    Run text = openssl("crl", "-in", ca.crlFile().toString(), "-noout", "-text");
    assertThat(text.exit()).as(text.output()).isZero();
    assertThat(text.output()).contains("Next Update:", "Key Compromise",
        issued.entry().serialHex().replaceFirst("^0+", ""));
  }

  @Test
  void verify_crlInsideCaFile_alsoAccepted() throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority ca = CertificateAuthority.init(dir, "Interop CA", KeyType.EC_P256, Duration.ofDays(3650), null, false);
    IssuedCertificate issued = ca.issue("fas", "app02", KeyType.EC_P256, YEAR, List.of(), false);
    Path bundle = tmp.resolve("ca+crl.pem");
    Files.write(bundle, (Files.readString(ca.certificateFile()) + Files.readString(ca.crlFile())).getBytes(StandardCharsets.US_ASCII));

    Run ok = openssl("verify", "-CAfile", bundle.toString(), "-crl_check", issued.certificateFile().toString());
    assertThat(ok.exit()).as(ok.output()).isZero();
  }

  @Test
  void caKey_encrypted_opensslReadsItWithThePassphrase() throws Exception {
    Path dir = tmp.resolve("ssl");
    CertificateAuthority.init(dir, "Secret CA", KeyType.EC_P256, YEAR, "correct horse".toCharArray(), false);
    Path pass = Files.writeString(tmp.resolve("pass"), "correct horse\n");
    Path wrong = Files.writeString(tmp.resolve("wrong"), "battery staple\n");

    Run ok = openssl("pkey", "-in", dir.resolve("ca.key").toString(), "-passin", "file:" + pass, "-noout");
    assertThat(ok.exit()).as(ok.output()).isZero();
    Run bad = openssl("pkey", "-in", dir.resolve("ca.key").toString(), "-passin", "file:" + wrong, "-noout");
    assertThat(bad.exit()).isNotZero();
  }
}
