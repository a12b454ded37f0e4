package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SignCommandTest {
  static final String CERT = "shell-app01.phx2.fedoraproject.org";
  @TempDir Path dir;
  Path certs;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void certs() {
    certs = Fixtures.copyTestCerts(dir.resolve("certs"));
  }

  int sign(String... args) {
    return new CommandLine(new SignCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
  }

  int verify(String... args) {
    StringWriter vout = new StringWriter();
    int code = new CommandLine(new VerifyCommand()).setOut(new PrintWriter(vout, true))
        .setErr(new PrintWriter(err, true)).execute(args);
    out.getBuffer().setLength(0);
    out.write(vout.toString());
    return code;
  }

  static List<JsonNode> signVectors() {
    List<JsonNode> out = new ArrayList<>();
    CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors").forEach(v -> {
      if (v.get("kind").asText().equals("sign+validate")) {
        out.add(v);
      }
    });
    return out;
  }

  @Test
  void sign_fedmsg1VectorsOnePerLine_printsReferenceWireBodies() throws Exception {
    List<JsonNode> vectors = signVectors();
    StringBuilder input = new StringBuilder();
    for (JsonNode v : vectors) {
      input.append(CanonicalJson.encodeToString(v.get("unsigned"))).append('\n');
    }
    Path in = Files.writeString(dir.resolve("in.jsonl"), input.toString());
    int code = sign("--ssldir", certs.toString(), "--certname", CERT, in.toString());
    assertThat(code).as(err.toString()).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(vectors.size());
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).as(vectors.get(i).get("name").asText()).isEqualTo(vectors.get(i).get("wire_body").textValue());
    }
  }

  @Test
  void sign_onePrettyDocument_signsIt() throws Exception {
    JsonNode v = signVectors().get(0);
    Path in = Files.writeString(dir.resolve("one.json"), v.get("unsigned").toPrettyString());
    assertThat(sign("--ssldir", certs.toString(), "--certname", CERT, in.toString())).isZero();
    assertThat(out.toString().strip()).isEqualTo(v.get("wire_body").textValue());
  }

  @Test
  void sign_fedmsg2ThenVerify_valid() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("cli root").build();
    TestPki.Issued leaf = ca.issue("svc-cli").keyType(TestPki.KeyType.ED25519).build();
    Path ssl = leaf.writeTo(dir.resolve("ssl"));
    Path caFile = TestPki.writePem(dir.resolve("ca.pem"), ca.certificate());
    Path in = Files.writeString(dir.resolve("m.jsonl"),
        "{\"topic\":\"org.fedoraproject.dev.cli.a\",\"msg\":{\"x\":1},\"msg_id\":\"2026-1\",\"timestamp\":1}\n"
            + "{\"topic\":\"org.fedoraproject.dev.cli.b\",\"msg\":{},\"msg_id\":\"2026-2\",\"timestamp\":2}\n");
    assertThat(sign("--ssldir", ssl.toString(), "--certname", "svc-cli", "--format", "fedmsg2", in.toString()))
        .as(err.toString()).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(2);
    JsonNode first = CanonicalJson.parse(lines.get(0));
    assertThat(first.get("topic").textValue()).isEqualTo("org.fedoraproject.dev.cli.a");
    assertThat(CanonicalJson.parse(first.get("body").textValue()).get("seq").longValue()).isEqualTo(1);
    Path signed = Files.writeString(dir.resolve("signed.jsonl"), out.toString());
    int code = verify("--ca", caFile.toString(), signed.toString());
    assertThat(code).as(out + " " + err).isZero();
    assertThat(out.toString()).contains("\"signer\":\"svc-cli\"").contains("\"msg_id\":\"2026-2\"");
  }

  @Test
  void sign_fedmsg2With1024BitKey_exitsTwo() throws Exception {
    Path in = Files.writeString(dir.resolve("m.json"), "{\"topic\":\"t\",\"msg\":{}}");
    assertThat(sign("--ssldir", certs.toString(), "--certname", CERT, "--format", "fedmsg2", in.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("2048");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void sign_badInput_exitsTwoAfterPrintingTheMessagesBeforeIt() throws Exception {
    // Streaming: the message before the bad line is out already; nothing after it is signed.
    Path in = Files.writeString(dir.resolve("bad.jsonl"), "{\"topic\":\"t\"}\nnot json\n{\"topic\":\"u\"}\n");
    assertThat(sign("--ssldir", certs.toString(), "--certname", CERT, in.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("line 2").hasLineCount(1);
    assertThat(out.toString().lines()).hasSize(1).allMatch(l -> l.contains("\"topic\":\"t\""));
  }

  @Test
  void sign_arrayOverLines_signsEachElement() throws Exception {
    Path in = Files.writeString(dir.resolve("arr.json"), "[\n  {\"topic\": \"a\", \"msg\": {\"s\": \"x]y,z\"}},\n"
        + "  {\"topic\": \"b\", \"msg\": {}}\n]\n");
    assertThat(sign("--ssldir", certs.toString(), "--certname", CERT, in.toString())).as(err.toString()).isZero();
    assertThat(out.toString().lines()).hasSize(2);
    assertThat(out.toString()).contains("x]y,z");
  }

  @Test
  void sign_notAnObject_exitsTwo() throws Exception {
    Path in = Files.writeString(dir.resolve("arr.json"), "[1, 2]");
    assertThat(sign("--ssldir", certs.toString(), "--certname", CERT, in.toString())).isEqualTo(2);
  }

  @Test
  void sign_missingKey_exitsTwo() throws Exception {
    Path in = Files.writeString(dir.resolve("m.json"), "{}", StandardCharsets.UTF_8);
    assertThat(sign("--ssldir", certs.toString(), "--certname", "nobody", in.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("cannot load");
  }

  @Test
  void sign_unknownFormat_exitsTwo() throws Exception {
    Path in = Files.writeString(dir.resolve("m.json"), "{}");
    assertThat(sign("--ssldir", certs.toString(), "--certname", CERT, "--format", "fedmsg3", in.toString())).isEqualTo(2);
  }

  @Test
  void sign_missingRequiredOption_exitsTwo() {
    assertThat(sign("--certname", CERT)).isEqualTo(2);
  }
}
