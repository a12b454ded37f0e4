package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fedmsg verify --config} applies the trust settings exactly as the bus does (TrustSettings). */
class VerifyTrustConfigTest {
  @TempDir Path dir;
  Path certs;
  Path basic;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void files() throws Exception {
    certs = Fixtures.copyTestCerts(dir.resolve("certs"));
    for (JsonNode v : CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors")) {
      if (v.get("name").asText().equals("basic")) {
        basic = Files.writeString(dir.resolve("basic.jsonl"), v.get("wire_body").textValue() + "\n");
      }
    }
  }

  private Path config(String extra) throws Exception {
    Path d = Files.createDirectories(dir.resolve("fedmsg.d"));
    Files.writeString(d.resolve("ssl.yaml"), "ca_cert_location: \"" + certs.resolve("ca.crt") + "\"\n"
        + "crl_location: \"" + certs.resolve("crl.pem") + "\"\n" + extra);
    return d;
  }

  private int verify(Path config) {
    return new CommandLine(new VerifyCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("--config", config.toString(), "--at", "2025-06-01T00:00:00Z", basic.toString());
  }

  private String reason() {
    return CanonicalJson.parse(out.toString().lines().findFirst().orElseThrow()).path("reason").asText(null);
  }

  @Test
  void config_defaults_referenceVectorValid() throws Exception {
    assertThat(verify(config(""))).as(out + " " + err).isZero();
  }

  @Test
  void config_allowedDigestsSha256_sha1MessageRefused() throws Exception {
    assertThat(verify(config("crypto_allowed_digests: [sha256, md5]\n"))).isEqualTo(1);
    assertThat(reason()).isEqualTo("WEAK_ALGORITHM");
  }

  @Test
  void config_acceptFormatsFedmsg2_fedmsg1Refused() throws Exception {
    assertThat(verify(config("accept_formats: [fedmsg/2]\n"))).isEqualTo(1);
    assertThat(reason()).isEqualTo("UNSUPPORTED_CRYPTO");
  }

  @Test
  void config_unknownDigest_exitTwoNamingKey() throws Exception {
    assertThat(verify(config("crypto_allowed_digests: [sha256, crc32]\n"))).isEqualTo(2);
    assertThat(err.toString()).contains("crypto_allowed_digests").contains("ssl.yaml");
  }
}
