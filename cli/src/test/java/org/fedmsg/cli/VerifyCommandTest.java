package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {
  @TempDir Path dir;
  Path certs;
  Path production;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void files() throws Exception {
    certs = Fixtures.copyTestCerts(dir.resolve("certs"));
    production = Files.writeString(dir.resolve("production.json"), Fixtures.productionMessagesJson());
  }

  int verify(String... args) {
    return new CommandLine(new VerifyCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
  }

  List<JsonNode> lines() {
    return out.toString().lines().map(CanonicalJson::parse).toList();
  }

  Path wireBodies(String... names) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (JsonNode v : CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors")) {
      if (List.of(names).contains(v.get("name").asText())) {
        sb.append(v.get("wire_body").textValue()).append('\n');
      }
    }
    return Files.writeString(dir.resolve("wire.jsonl"), sb.toString());
  }

  String ca() {
    return certs.resolve("ca.crt").toString();
  }

  @Test
  void verify_productionMessagesAsOf2023WithFixup_allValid() {
    int code = verify("--ca", certs.resolve("fedora_ca.crt").toString(), "--at", "2023-06-01T00:00:00Z",
        "--archive-fixup", production.toString());
    assertThat(code).as(out.toString()).isZero();
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(25);
    assertThat(lines).allSatisfy(l -> {
      assertThat(l.get("valid").booleanValue()).isTrue();
      assertThat(l.get("signer").textValue()).isNotBlank();
      assertThat(l.get("topic").textValue()).startsWith("org.fedoraproject.");
      assertThat(l.get("msg_id").textValue()).isNotBlank();
    });
  }

  @Test
  void verify_productionMessagesWithoutFixup_badSignature() {
    int code = verify("--ca", certs.resolve("fedora_ca.crt").toString(), "--at", "2023-06-01T00:00:00Z", production.toString());
    assertThat(code).isEqualTo(1);
    assertThat(lines()).hasSize(25).allSatisfy(l -> assertThat(l.get("reason").textValue()).isEqualTo("BAD_SIGNATURE"));
  }

  @Test
  void verify_productionMessagesNow_certExpired() {
    int code = verify("--ca", certs.resolve("fedora_ca.crt").toString(), "--archive-fixup", production.toString());
    assertThat(code).isEqualTo(1);
    assertThat(lines()).hasSize(25).allSatisfy(l -> assertThat(l.get("reason").textValue()).isEqualTo("CERT_EXPIRED"));
  }

  @Test
  void verify_wireBodiesWithCrl_validAndRevoked() throws Exception {
    Path in = wireBodies("basic", "revoked_cert", "tampered_msg");
    int code = verify("--ca", ca(), "--crl", certs.resolve("crl.pem").toString(), "--at", "2025-06-01T00:00:00Z", in.toString());
    assertThat(code).isEqualTo(1);
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).get("valid").booleanValue()).isTrue();
    assertThat(lines.get(1).get("reason").textValue()).isEqualTo("BAD_SIGNATURE");
    assertThat(lines.get(2).get("reason").textValue()).isEqualTo("CERT_REVOKED");
  }

  @Test
  void verify_routingPolicyInlineAndFromFile_notAuthorized() throws Exception {
    Path in = wireBodies("basic");
    String policy = "{\"org.fedoraproject.dev.test.basic\": [\"shell-app02.phx2.fedoraproject.org\"]}";
    assertThat(verify("--ca", ca(), "--routing-policy", policy, in.toString())).isEqualTo(1);
    assertThat(lines().get(0).get("reason").textValue()).isEqualTo("NOT_AUTHORIZED");
    out.getBuffer().setLength(0);
    Path file = Files.writeString(dir.resolve("routing.json"), policy.replace("app02", "app01"));
    // "--routing-policy=@FILE": a separate "@FILE" argument is a picocli argument file
    assertThat(verify("--ca", ca(), "--routing-policy=@" + file, "--nitpicky", in.toString())).isZero();
  }

  @Test
  void verify_nitpickyWithoutPolicy_deniesEverything() throws Exception {
    assertThat(verify("--ca", ca(), "--nitpicky", wireBodies("basic").toString())).isEqualTo(1);
    assertThat(lines().get(0).get("reason").textValue()).isEqualTo("NOT_AUTHORIZED");
  }

  @Test
  void verify_policyFile_applies() throws Exception {
    Path policy = Files.writeString(dir.resolve("policy.yaml"), String.join("\n",
        "default: deny", "rules:", "  - topics: ['test.*']", "    signers: ['shell-app01.*']", "    effect: allow", ""));
    assertThat(verify("--ca", ca(), "--policy", policy.toString(), wireBodies("basic").toString())).as(err.toString()).isZero();
  }

  @Test
  void verify_malformedLine_reportedInvalid() throws Exception {
    Path in = Files.writeString(dir.resolve("bad.jsonl"), "{\"a\":1}\nnot json\n");
    assertThat(verify("--ca", ca(), in.toString())).isEqualTo(1);
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("reason").textValue()).isEqualTo("UNSIGNED");
    assertThat(lines.get(1).get("reason").textValue()).isEqualTo("MALFORMED");
  }

  @Test
  void verify_duplicateMsgKey_malformedAsOnTheBus() throws Exception {
    Path good = wireBodies("basic");
    String body = Files.readString(good).strip();
    assertThat(body).startsWith("{");
    // An extra "msg" before the real one: a last-wins parser sees the signed content and would
    // call it valid, a first-wins reader of the same bytes sees the injected one.
    Path in = Files.writeString(dir.resolve("dup.jsonl"),
        body + "\n" + "{\"msg\":{\"injected\":true}," + body.substring(1) + "\n");
    assertThat(verify("--ca", ca(), "--at", "2025-06-01T00:00:00Z", in.toString())).isEqualTo(1);
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("valid").booleanValue()).isTrue();
    assertThat(lines.get(1).get("valid").booleanValue()).isFalse();
    assertThat(lines.get(1).get("reason").textValue()).isEqualTo("MALFORMED");
    assertThat(lines.get(1).get("detail").textValue()).contains("duplicate-key");
  }

  /** A message as the store returns it: its frames, base64; verified from them without a tree. */
  private static String framesLine(String topic, String body) {
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    return "{\"frames\":[\"" + b64.encodeToString(topic.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\",\""
        + b64.encodeToString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\"]}";
  }

  @Test
  void verify_framesFromTheStore_verifiedRawWithTopicAndMsgIdOnEveryLine() throws Exception {
    JsonNode basic = null;
    for (JsonNode v : CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors")) {
      if (v.get("name").asText().equals("basic")) {
        basic = v;
      }
    }
    String body = basic.get("wire_body").textValue();
    String topic = basic.get("signed").get("topic").textValue();
    String msgId = basic.get("signed").get("msg_id").textValue();
    String tampered = body.replace("\"msg\":{", "\"msg\":{\"x\":1,");
    String repeated = "{\"msg\":{}," + body.substring(1);
    Path in = Files.writeString(dir.resolve("frames.jsonl"), String.join("\n", framesLine(topic, body),
        framesLine(topic, body), framesLine(topic, tampered), framesLine(topic, repeated)) + "\n");
    assertThat(verify("--ca", ca(), "--at", "2025-06-01T00:00:00Z", in.toString())).isEqualTo(1);
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(4);
    // the second one meets its certificate field already known by its bytes
    for (JsonNode l : lines.subList(0, 2)) {
      assertThat(l.get("valid").booleanValue()).isTrue();
      assertThat(l.get("topic").textValue()).isEqualTo(topic);
      assertThat(l.get("msg_id").textValue()).isEqualTo(msgId);
    }
    assertThat(lines.get(2).get("reason").textValue()).isEqualTo("BAD_SIGNATURE");
    assertThat(lines.get(2).get("msg_id").textValue()).isEqualTo(msgId);
    assertThat(lines.get(3).get("reason").textValue()).isEqualTo("MALFORMED");
    assertThat(lines.get(3).get("detail").textValue()).contains("Duplicate field 'msg'");
    assertThat(lines.get(3).get("topic").textValue()).isEqualTo(topic);  // read leniently for the line
  }

  @Test
  void verify_configErrors_exitTwo() throws Exception {
    Path in = wireBodies("basic");
    assertThat(verify(in.toString())).isEqualTo(2);
    assertThat(verify("--ca", ca(), "--at", "yesterday", in.toString())).isEqualTo(2);
    assertThat(verify("--ca", dir.resolve("missing.crt").toString(), in.toString())).isEqualTo(2);
    assertThat(verify("--ca", ca(), "--routing-policy", "{not json", in.toString())).isEqualTo(2);
    assertThat(verify("--ca", ca(), "--routing-policy=@" + dir.resolve("nope.json"), in.toString())).isEqualTo(2);
    assertThat(verify("--ca", ca(), "--policy", "p.yaml", "--nitpicky", in.toString())).isEqualTo(2);
    assertThat(verify("--ca", ca(), dir.resolve("no-input.json").toString())).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
  }
}
