package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertsCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private String dir;

  @BeforeEach
  void setUp() {
    dir = tmp.resolve("ssl").toString();
  }

  private CertsRun.Result initCa(String... extra) {
    String[] base = {"init-ca", "--dir", dir, "--name", "Bus CA", "--key", "ec:p256"};
    String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return CertsRun.run(args);
  }

  @Test
  void initCa_withoutPassphrase_warnsOnceWithWhatToDo() {
    CertsRun.Result r = initCa();

    assertThat(r.exit()).isZero();
    assertThat(r.err().lines().filter(l -> l.startsWith("warning:"))).singleElement().satisfies(l -> assertThat(l)
        .contains("ca.key is not encrypted").contains("--passphrase-file").contains("offline"));
  }

  @Test
  void initCa_withPassphrase_noWarning() throws Exception {
    Path pass = Files.writeString(tmp.resolve("ca.pass"), "correct horse battery staple\n");
    CertsRun.Result r = initCa("--passphrase-file", pass.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("warning");
  }

  @Test
  void issue_printsTheCertnamesLine() {
    assertThat(initCa().exit()).isZero();
    CertsRun.Result r = CertsRun.run("issue", "bodhi", "--host", "app01.phx2.example.org", "--key", "ec:p256",
        "--san", "DNS:bodhi.example.org,IP:192.0.2.7", "--dir", dir);

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("certnames: {\"bodhi.app01\": \"bodhi-app01.phx2.example.org\"}");
    assertThat(Path.of(dir, "bodhi-app01.phx2.example.org.crt")).exists();
  }

  @Test
  void list_showsSerialCnKeyTypeNotAfterRevoked() throws Exception {
    initCa();
    CertsRun.run("issue", "bodhi", "--host", "app01", "--key", "ed25519", "--dir", dir);
    CertsRun.run("issue", "fas", "--host", "app01", "--key", "ec:p256", "--dir", dir);
    CertsRun.run("revoke", "fas-app01", "--reason", "cessation-of-operation", "--dir", dir);
    CertificateEntry bodhi = CertificateAuthority.open(Path.of(dir), null).list().get(0);

    CertsRun.Result text = CertsRun.run("list", "--dir", dir);
    assertThat(text.out()).contains("SERIAL", "CN", "KEY", "NOT AFTER", "REVOKED");
    assertThat(text.out()).containsPattern(bodhi.serialHex() + "\\s+bodhi-app01\\s+ed25519\\s+"
        + java.util.regex.Pattern.quote(bodhi.notAfter().toString()) + "\\s+no");
    assertThat(text.out()).containsPattern("fas-app01\\s+ec:p256\\s+\\S+\\s+yes \\(cessation-of-operation\\)");

    JsonNode json = JSON.readTree(CertsRun.run("list", "--json", "--dir", dir).out());
    assertThat(json).hasSize(2);
    assertThat(json.get(1).get("revoked").asBoolean()).isTrue();
    assertThat(json.get(1).get("reason").asText()).isEqualTo("cessation-of-operation");
  }

  @Test
  void refusals_clearErrorsExitOneAndNoFiles() throws Exception {
    initCa();
    Map<String, String> before = CertsRun.snapshot(Path.of(dir));

    assertRefused(initCa(), "already exists", "--force");
    assertRefused(CertsRun.run("issue", "bodhi", "--host", "app01", "--key", "dsa:1024", "--dir", dir),
        "unsupported key type 'dsa:1024'", "rsa:2048, rsa:4096, ec:p256, ed25519");
    assertRefused(CertsRun.run("revoke", "ghost-app01", "--dir", dir), "unknown certname 'ghost-app01'");
    assertRefused(CertsRun.run("renew", "ghost-app01", "--dir", dir), "unknown certname 'ghost-app01'");
    assertRefused(CertsRun.run("curve", "ghost-app01", "--dir", dir), "unknown certname 'ghost-app01'");
    assertRefused(CertsRun.run("revoke", "x", "--reason", "bored", "--dir", dir), "unknown revocation reason");
    assertThat(CertsRun.snapshot(Path.of(dir))).isEqualTo(before);

    Path file = Files.writeString(tmp.resolve("not-a-dir"), "");
    assertRefused(CertsRun.run("list", "--dir", file.toString()), "not a directory");
    assertRefused(CertsRun.run("list", "--dir", tmp.resolve("absent").toString()), "does not exist");
    assertRefused(CertsRun.run("issue", "bodhi", "--host", "app01", "--dir", tmp.toString()), "no CA in");
    assertRefused(CertsRun.run("init-ca", "--dir", tmp.resolve("new").toString(), "--name", "x", "--key", "rsa:2048"),
        "not supported for a CA");
    assertThat(tmp.resolve("new")).doesNotExist();
  }

  @Test
  void wrongPassphrase_refusedAndNoFiles() throws Exception {
    Path pass = Files.writeString(tmp.resolve("pass"), "right\n");
    Path wrong = Files.writeString(tmp.resolve("wrong"), "wrong\n");
    assertThat(initCa("--passphrase-file", pass.toString()).exit()).isZero();
    Map<String, String> before = CertsRun.snapshot(Path.of(dir));

    assertRefused(CertsRun.run("issue", "bodhi", "--host", "app01", "--passphrase-file", wrong.toString(), "--dir", dir),
        "wrong passphrase");
    assertRefused(CertsRun.run("crl", "--dir", dir), "is encrypted", "--passphrase-file");
    assertThat(CertsRun.snapshot(Path.of(dir))).isEqualTo(before);

    assertThat(CertsRun.run("issue", "bodhi", "--host", "app01", "--key", "ec:p256",
        "--passphrase-file", pass.toString(), "--dir", dir).exit()).isZero();
  }

  @Test
  void inspect_certificateKeyCrlAndCurveFiles_textAndJson() throws Exception {
    initCa();
    CertsRun.run("issue", "bodhi", "--host", "app01", "--key", "ec:p256", "--dir", dir);
    CertsRun.run("revoke", "bodhi-app01", "--reason", "superseded", "--dir", dir);
    CertsRun.run("crl", "--dir", dir);
    CertsRun.run("curve", "bodhi-app01", "--dir", dir);

    CertsRun.Result cert = CertsRun.run("inspect", "bodhi-app01.crt", "--dir", dir);
    assertThat(cert.exit()).as(cert.err()).isZero();
    assertThat(cert.out()).contains("certificate", "subject: CN=bodhi-app01", "ca: false", "keyType: ec:p256",
        "subjectAltNames: DNS:app01");

    JsonNode key = JSON.readTree(CertsRun.run("inspect", "--json", Path.of(dir, "bodhi-app01.key").toString()).out());
    assertThat(key.at("/contents/0/type").asText()).isEqualTo("private key");
    assertThat(key.at("/contents/0/format").asText()).isEqualTo("PKCS#8");
    assertThat(key.at("/contents/0/keyType").asText()).isEqualTo("ec:p256");

    JsonNode crl = JSON.readTree(CertsRun.run("inspect", "--json", "crl.pem", "--dir", dir).out());
    assertThat(crl.at("/contents/0/type").asText()).isEqualTo("crl");
    assertThat(crl.at("/contents/0/revoked/0/reason").asText()).isEqualTo("superseded");
    assertThat(crl.at("/contents/0/nextUpdate").asText()).isNotEmpty();

    CertsRun.Result secret = CertsRun.run("inspect", "bodhi-app01.curve_secret", "--dir", dir);
    String secretKey = org.zeromq.ZConfig.load(Path.of(dir, "bodhi-app01.curve_secret").toString())
        .getValue("curve/secret-key");
    assertThat(secret.out()).contains("curve secret key", "present (not shown)").doesNotContain(secretKey);

    JsonNode ca = JSON.readTree(CertsRun.run("inspect", "--json", "ca.crt", "--dir", dir).out());
    assertThat(ca.at("/contents/0/ca").asBoolean()).isTrue();
    assertThat(ca.at("/contents/0/keyUsage").toString()).contains("keyCertSign", "cRLSign");

    Path junk = Files.writeString(tmp.resolve("junk.txt"), "hello\n");
    assertRefused(CertsRun.run("inspect", junk.toString()), "is not a certificate, private key, CRL or CURVE key file");
  }

  @Test
  void inspect_referenceEasyRsaCertificateWithTextDump() throws Exception {
    Path certs = org.fedmsg.testing.Fixtures.copyTestCerts(tmp.resolve("fixtures"));
    CertsRun.Result r = CertsRun.run("inspect", certs.resolve("shell-app01.phx2.fedoraproject.org.crt").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("CN=shell-app01.phx2.fedoraproject.org", "keyType: rsa:1024");
    CertsRun.Result key = CertsRun.run("inspect", certs.resolve("signed_by_expired_ca.key").toString());
    assertThat(key.out()).contains("format: PKCS#1", "keyType: rsa:");
  }

  @Test
  void noSubcommand_usageError() {
    assertThat(CertsRun.run().exit()).isEqualTo(2);
    assertThat(CertsRun.run("issue", "--dir", dir).exit()).as("missing --host and SERVICE").isEqualTo(2);
  }

  private static void assertRefused(CertsRun.Result r, String... messageParts) {
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("fedmsg-certs ").contains(messageParts);
  }
}
