package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fedmsg.wire.WireFixtures.AT;
import static org.fedmsg.wire.WireFixtures.reason;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Fedmsg1Test {
  @TempDir static Path dir;
  static Signer signer;
  static TrustStore caCrl;
  static TrustStore caOnly;

  @BeforeAll
  static void load() {
    Fixtures.copyTestCerts(dir);
    signer = WireFixtures.signer(dir, WireFixtures.SIGNER);
    JsonNode configs = WireFixtures.signedVectors().get("configs");
    caCrl = WireFixtures.store(dir, configs.get("ca+crl"));
    caOnly = WireFixtures.store(dir, configs.get("ca_only"));
  }

  @AfterAll
  static void close() {
    caCrl.close();
    caOnly.close();
  }

  /* --------------- signing --------------- */

  @Test
  void sign_everySignVector_byteIdenticalToReference() {
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : WireFixtures.vectors()) {
      if (!v.get("kind").asText().equals("sign+validate")) {
        continue;
      }
      checked++;
      ObjectNode unsigned = (ObjectNode) v.get("unsigned");
      ObjectNode signed = Fedmsg1.sign(unsigned, signer);
      String name = v.get("name").asText();
      if (!signed.equals(v.get("signed"))) {
        errors.add(name + ": signed dict differs");
      }
      if (!signed.get("signature").textValue().equals(v.get("signed").get("signature").textValue())) {
        errors.add(name + ": signature field differs");
      }
      byte[] wire = Fedmsg1.wireBody(signed);
      if (!new String(wire, StandardCharsets.UTF_8).equals(v.get("wire_body").textValue())) {
        errors.add(name + ": wire body differs");
      }
      if (!new String(CanonicalJson.encodeWithout(signed, Fedmsg1.CREDENTIALS), StandardCharsets.UTF_8)
          .equals(v.get("canonical_signed_string").textValue())) {
        errors.add(name + ": signed string differs");
      }
    }
    assertThat(errors).isEmpty();
    assertThat(checked).isEqualTo(17);
  }

  @Test
  void sign_doesNotModifyInput() {
    ObjectNode unsigned = (ObjectNode) WireFixtures.vector("basic").get("unsigned");
    ObjectNode before = unsigned.deepCopy();
    Fedmsg1.sign(unsigned, signer);
    assertThat(unsigned).isEqualTo(before);
  }

  @Test
  void sign_alreadySigned_throws() {
    assertThatThrownBy(() -> Fedmsg1.sign(WireFixtures.signed("basic"), signer))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already signed");
  }

  @Test
  void sign_nonRsaSigner_throws() {
    TestPki.Issued ca = TestPki.rootCa("ca").build();
    TestPki.Issued leaf = ca.issue("ec").build();
    Signer ec = Signer.of(leaf.privateKey(), leaf.chain());
    assertThatThrownBy(() -> Fedmsg1.sign(JsonNodeFactory.instance.objectNode(), ec))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void signToWire_equalsWireBodyOfSign() {
    ObjectNode unsigned = (ObjectNode) WireFixtures.vector("nested").get("unsigned");
    assertThat(Fedmsg1.signToWire(unsigned, signer))
        .isEqualTo(WireFixtures.vector("nested").get("wire_body").textValue().getBytes(StandardCharsets.UTF_8));
  }

  /* --------------- verification reasons --------------- */

  @Test
  void verify_signedVector_validWithSignerName() {
    VerificationResult r = Fedmsg1.verify(WireFixtures.signed("basic"), caCrl, null, AT);
    assertThat(r).isInstanceOf(VerificationResult.Valid.class);
    assertThat(((VerificationResult.Valid) r).signer().commonName()).isEqualTo(WireFixtures.SIGNER);
  }

  @Test
  void verify_eachBadInput_givesItsReason() {
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("missing_signature"), caCrl, null, AT))).isEqualTo(Reason.UNSIGNED);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("missing_certificate"), caCrl, null, AT))).isEqualTo(Reason.UNSIGNED);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("crypto_gpg_disallowed"), caCrl, null, AT)))
        .isEqualTo(Reason.UNSUPPORTED_CRYPTO);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("crypto_unknown"), caCrl, null, AT)))
        .isEqualTo(Reason.UNSUPPORTED_CRYPTO);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("signature_bad_padding"), caCrl, null, AT)))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("certificate_garbage"), caCrl, null, AT)))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("tampered_msg"), caCrl, null, AT))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("signature_garbage"), caCrl, null, AT)))
        .isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("revoked_cert"), caCrl, null, AT))).isEqualTo(Reason.CERT_REVOKED);
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("signed_by_expired_ca"), caCrl, null, AT)))
        .isEqualTo(Reason.UNTRUSTED_CHAIN);
    assertThat(reason(Fedmsg1.verify(JsonNodeFactory.instance.arrayNode(), caCrl, null, AT))).isEqualTo(Reason.MALFORMED);
    assertThat(reason(Fedmsg1.verify(null, caCrl, null, AT))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_unsignedBody_isUnsigned() {
    ObjectNode body = (ObjectNode) WireFixtures.vector("basic").get("unsigned");
    assertThat(reason(Fedmsg1.verify(body, caCrl, null, AT))).isEqualTo(Reason.UNSIGNED);
  }

  @Test
  void verify_signatureAndCertificateNotStrings_isMalformed() {
    ObjectNode body = WireFixtures.signed("basic");
    body.put("signature", 42);
    assertThat(reason(Fedmsg1.verify(body, caCrl, null, AT))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_plainPemCertificate_isMalformed() {
    ObjectNode body = WireFixtures.signed("basic");
    body.put("certificate", signer.certificatePem());
    assertThat(reason(Fedmsg1.verify(body, caCrl, null, AT))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_afterLeafExpiry_isCertExpired() {
    assertThat(reason(Fedmsg1.verify(WireFixtures.signed("basic"), caOnly, null, java.time.Instant.parse("2034-01-01T00:00:00Z"))))
        .isEqualTo(Reason.CERT_EXPIRED);
  }

  @Test
  void verify_policyDenies_notAuthorizedWithExplanation() {
    JsonNode config = WireFixtures.signedVectors().get("configs").get("policy_deny");
    VerificationResult r = Fedmsg1.verify(WireFixtures.signed("basic"), caCrl, WireFixtures.policy(config), AT);
    assertThat(reason(r)).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(((VerificationResult.Invalid) r).detail()).isNotBlank();
  }

  @Test
  void verify_nonStringTopicUnderPolicy_isMalformed() {
    JsonNode config = WireFixtures.signedVectors().get("configs").get("policy_allow");
    ObjectNode body = (ObjectNode) WireFixtures.vector("basic").get("unsigned").deepCopy();
    body.put("topic", 7);
    ObjectNode signed = Fedmsg1.sign(body, signer);
    assertThat(reason(Fedmsg1.verify(signed, caCrl, WireFixtures.policy(config), AT))).isEqualTo(Reason.MALFORMED);
  }

  /* --------------- archive fix-up --------------- */

  @Test
  void archiveFixup_datagrepperFields_removedAndTimestampTruncated() {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("source_name", "datanommer").put("source_version", "1.0").put("timestamp", 1504643014.9);
    m.putObject("headers");
    m.put("topic", "t");
    ObjectNode fixed = Fedmsg1.archiveFixup(m);
    assertThat(fixed.has("source_name") || fixed.has("source_version") || fixed.has("headers")).isFalse();
    assertThat(fixed.get("timestamp").isIntegralNumber()).isTrue();
    assertThat(fixed.get("timestamp").longValue()).isEqualTo(1504643014L);
    assertThat(m.has("source_name")).as("input untouched").isTrue();
  }

  @Test
  void archiveFixup_nonEmptyHeaders_kept() {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("source_name", "x").put("source_version", "y");
    m.putObject("headers").put("a", 1);
    assertThat(Fedmsg1.archiveFixup(m).get("headers").get("a").intValue()).isEqualTo(1);
  }

  @Test
  void archiveFixup_onlyOneSourceField_unchanged() {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("source_name", "x").put("timestamp", 1.5);
    m.putObject("headers");
    assertThat(Fedmsg1.archiveFixup(m)).isEqualTo(m);
  }
}
