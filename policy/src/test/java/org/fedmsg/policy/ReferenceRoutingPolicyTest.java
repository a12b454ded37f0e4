package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The reference {@code validate_policy} (exact topic key, exact CN membership, nitpicky for
 * unlisted topics), checked against what the reference returned for the four policy configs of
 * the shared signed vectors. Only vectors whose chain and signature checks pass
 * ({@code expect["ca+crl"]} is true) are compared: for the others the reference failed before
 * the policy was consulted.
 */
class ReferenceRoutingPolicyTest {
  private static final List<String> POLICY_CONFIGS =
      List.of("policy_allow", "policy_deny", "nitpicky_unlisted", "lenient_unlisted");

  @Test
  void decide_signedVectors_matchesReferenceForEveryPolicyConfig() throws Exception {
    JsonNode root = new ObjectMapper().readTree(Fixtures.signedVectorsJson());
    List<String> errors = new ArrayList<>();
    int compared = 0;
    java.util.Set<Boolean> outcomes = new java.util.HashSet<>();
    for (String configName : POLICY_CONFIGS) {
      JsonNode vectorConfig = root.get("configs").get(configName);
      ObjectNode config = new ObjectMapper().createObjectNode();
      config.set("routing_policy", vectorConfig.get("policy"));
      config.set("routing_nitpicky", vectorConfig.get("nitpicky"));
      CompiledPolicy policy = TopicPolicy.fromConfig(config);
      for (JsonNode vector : root.get("vectors")) {
        if (!vector.get("expect").get("ca+crl").isBoolean() || !vector.get("expect").get("ca+crl").asBoolean()) {
          continue;
        }
        JsonNode signed = vector.get("signed");
        String topic = signed.hasNonNull("topic") ? signed.get("topic").asText() : null;
        String signer = signerOf(vector);
        boolean expected = vector.get("expect").get(configName).asBoolean();
        Decision d = policy.decide(topic, signer);
        compared++;
        outcomes.add(expected);
        if (d.allowed() != expected) {
          errors.add(configName + "/" + vector.get("name").asText() + ": expected " + expected + ", got " + d);
        }
      }
    }
    assertThat(errors).isEmpty();
    // most vectors pass the chain checks, and both outcomes occur: the comparison is not vacuous
    assertThat(compared).isGreaterThan(4 * 15);
    assertThat(outcomes).containsExactlyInAnyOrder(true, false);
  }

  /**
   * The signer's CN: from the attached certificate (the {@code signed_by_shell_app02} vector has
   * no {@code certname}), checked against {@code certname} when the vector has one.
   */
  private static String signerOf(JsonNode vector) throws Exception {
    String pem = new String(Base64.getMimeDecoder().decode(vector.get("signed").get("certificate").asText()),
        StandardCharsets.US_ASCII);
    String cn = commonName(pem);
    if (vector.hasNonNull("certname")) {
      assertThat(cn).isEqualTo(vector.get("certname").asText());
    }
    return cn;
  }

  static String commonName(String pem) throws Exception {
    int begin = pem.indexOf("-----BEGIN CERTIFICATE-----");
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.substring(begin).getBytes(StandardCharsets.US_ASCII)));
    for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
      if (rdn.getType().equalsIgnoreCase("CN")) {
        return rdn.getValue().toString();
      }
    }
    throw new AssertionError("no CN");
  }

  /* --------------- the reference function, case by case --------------- */

  @Test
  void fromConfig_noPolicyKeys_allowsEverything() {
    CompiledPolicy p = TopicPolicy.fromConfig(new ObjectMapper().createObjectNode());
    assertThat(p.decide("org.fedoraproject.dev.anything", "whoever").allowed()).isTrue();
    assertThat(p.decide(null, "whoever").allowed()).isTrue();
  }

  @Test
  void fromConfig_listedTopic_ignoresNitpicky() throws Exception {
    for (boolean nitpicky : new boolean[] {true, false}) {
      JsonNode config = new ObjectMapper().readTree(
          "{\"routing_nitpicky\": " + nitpicky + ", \"routing_policy\": {\"t.a\": [\"x\", \"y\"]}}");
      CompiledPolicy p = TopicPolicy.fromConfig(config);
      assertThat(p.decide("t.a", "y").allowed()).isTrue();
      assertThat(p.decide("t.a", "z").allowed()).isFalse();
      assertThat(p.decide("t.a", "Y").allowed()).isFalse();
      assertThat(p.decide("t.b", "x").allowed()).isEqualTo(!nitpicky);
      assertThat(p.decide(null, "x").allowed()).isEqualTo(!nitpicky);
    }
  }
}
