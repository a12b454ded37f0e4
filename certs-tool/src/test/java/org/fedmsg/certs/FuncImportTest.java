package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.certs.CertificateAuthorityTest.assertReason;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A func/certmaster directory ({@code ca.cert}, {@code <host>.cert}, {@code <host>.pem}) made from
 * the reference's real easy-rsa certificates (text dumps, SHA-1 CA, 1024-bit RSA) works unchanged.
 */
class FuncImportTest {
  private static final String APP01 = "shell-app01.phx2.fedoraproject.org";
  private static final String APP02 = "shell-app02.phx2.fedoraproject.org";

  @TempDir Path tmp;
  private Path certmaster;

  @BeforeEach
  void certmasterDirectory() throws Exception {
    Path fixtures = Fixtures.copyTestCerts(tmp.resolve("fixtures"));
    certmaster = Files.createDirectory(tmp.resolve("certmaster"));
    Files.copy(fixtures.resolve("ca.crt"), certmaster.resolve("ca.cert"));
    for (String host : List.of(APP01, APP02)) {
      Files.copy(fixtures.resolve(host + ".crt"), certmaster.resolve(host + ".cert"));
      Files.copy(fixtures.resolve(host + ".key"), certmaster.resolve(host + ".pem"));
    }
    // A host known to certmaster without its key (a certmaster server's view of a minion)...
    Files.copy(fixtures.resolve("bodhi-app02.phx2.fedoraproject.org.crt"),
        certmaster.resolve("bodhi-app02.phx2.fedoraproject.org.cert"));
    // ...one whose key belongs to another certificate...
    Files.copy(fixtures.resolve("mediawiki-app01.stg.phx2.fedoraproject.org.crt"), certmaster.resolve("wiki01.cert"));
    Files.copy(fixtures.resolve(APP01 + ".key"), certmaster.resolve("wiki01.pem"));
    // ...and one from an unrelated CA.
    Files.copy(fixtures.resolve("signed_by_expired_ca.crt"), certmaster.resolve("stranger.cert"));
    Files.copy(fixtures.resolve("signed_by_expired_ca.key"), certmaster.resolve("stranger.pem"));
  }

  @Test
  void importFunc_linksCertmasterFilesAndWritesTheConfig() throws Exception {
    Map<String, String> certmasterBefore = CertsRun.snapshot(certmaster);
    Path ssldir = tmp.resolve("fedmsg-ssl");
    Path configOut = tmp.resolve("fedmsg.d/ssl.yaml");

    CertsRun.Result r = CertsRun.run("import-func", "--certmaster-dir", certmaster.toString(), "--dir", ssldir.toString(),
        "--service", "shell,announce", "--config-out", configOut.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(CertsRun.snapshot(certmaster)).as("certmaster's files are untouched").isEqualTo(certmasterBefore);
    assertThat(Files.readSymbolicLink(ssldir.resolve(APP01 + ".key"))).isEqualTo(certmaster.resolve(APP01 + ".pem").toAbsolutePath());
    assertThat(Files.readSymbolicLink(ssldir.resolve(APP01 + ".crt"))).isEqualTo(certmaster.resolve(APP01 + ".cert").toAbsolutePath());
    assertThat(Files.readSymbolicLink(ssldir.resolve("ca.crt"))).isEqualTo(certmaster.resolve("ca.cert").toAbsolutePath());
    assertThat(r.err()).contains("bodhi-app02.phx2.fedoraproject.org: no key", "wiki01: wiki01.pem does not match",
        "stranger: stranger.cert is not signed by ca.cert");
    assertThat(ssldir.resolve("wiki01.crt")).doesNotExist();

    JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(configOut));
    assertThat(config.get("ssldir").asText()).isEqualTo(ssldir.toAbsolutePath().toString());
    assertThat(config.get("ca_cert_location").asText()).isEqualTo(ssldir.toAbsolutePath().resolve("ca.crt").toString());
    assertThat(config.get("certnames").get("shell.shell-app01").asText()).isEqualTo(APP01);
    assertThat(config.get("certnames").get("announce.shell-app02").asText()).isEqualTo(APP02);
    assertThat(config.get("certnames")).hasSize(4);
    assertThat(r.out()).isEqualTo(Files.readString(configOut));

    // The bus's own loaders read the imported layout: sign as fedmsg/1 does, verify against ca.crt.
    Signer signer = Signer.load(ssldir, config.get("certnames").get("shell.shell-app01").asText());
    byte[] data = "{\"crypto\":\"x509\"}".getBytes(StandardCharsets.UTF_8);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder()
        .ca(Path.of(config.get("ca_cert_location").asText())).backgroundRefresh(false).build())) {
      VerificationResult result = trust.verify(signer.chain(), SignatureAlgorithm.RSA_SHA1, data,
          signer.signRsaSha1(data), Profile.LEGACY);
      assertThat(result).isInstanceOf(VerificationResult.Valid.class);
    }
  }

  @Test
  void importFunc_twice_isIdempotent_andCopyKeysCopiesWith0600() throws Exception {
    Path ssldir = tmp.resolve("fedmsg-ssl");
    assertThat(FuncImport.run(certmaster, ssldir, List.of("shell"), false, false).certnames()).hasSize(2);
    Map<String, String> once = CertsRun.snapshot(ssldir);
    FuncImport.run(certmaster, ssldir, List.of("shell"), false, false);
    assertThat(CertsRun.snapshot(ssldir)).isEqualTo(once);

    Path copies = tmp.resolve("copies");
    FuncImport.run(certmaster, copies, List.of("shell"), true, false);
    assertThat(Files.isSymbolicLink(copies.resolve(APP01 + ".key"))).isFalse();
    assertThat(CertsRun.mode(copies.resolve(APP01 + ".key"))).isEqualTo("rw-------");
    assertThat(Files.readString(copies.resolve(APP01 + ".key"))).isEqualTo(Files.readString(certmaster.resolve(APP01 + ".pem")));
  }

  @Test
  void importFunc_existingOtherFile_refusedWithoutForce() throws Exception {
    Path ssldir = Files.createDirectory(tmp.resolve("fedmsg-ssl"));
    Files.writeString(ssldir.resolve("ca.crt"), "someone else's CA");
    Map<String, String> before = CertsRun.snapshot(ssldir);

    assertReason(() -> FuncImport.run(certmaster, ssldir, List.of("shell"), false, false), CertsException.Reason.ALREADY_EXISTS);
    assertThat(CertsRun.snapshot(ssldir)).isEqualTo(before);
    FuncImport.run(certmaster, ssldir, List.of("shell"), false, true);
    assertThat(Files.isSymbolicLink(ssldir.resolve("ca.crt"))).isTrue();
  }

  @Test
  void importFunc_notACertmasterDirectory_refused() throws Exception {
    assertReason(() -> FuncImport.run(tmp.resolve("absent"), tmp.resolve("out"), List.of("shell"), false, false),
        CertsException.Reason.UNREADABLE);
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    assertReason(() -> FuncImport.run(empty, tmp.resolve("out"), List.of("shell"), false, false),
        CertsException.Reason.UNREADABLE);
    Path onlyCa = Files.createDirectory(tmp.resolve("only-ca"));
    Files.copy(certmaster.resolve("ca.cert"), onlyCa.resolve("ca.cert"));
    assertReason(() -> FuncImport.run(onlyCa, tmp.resolve("out"), List.of("shell"), false, false),
        CertsException.Reason.INVALID_FILE);
    assertThat(tmp.resolve("out")).doesNotExist();
  }
}
