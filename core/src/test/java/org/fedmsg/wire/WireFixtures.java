package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.Fixtures;

/** The reference fixtures, read with the Python-compatible parser. */
final class WireFixtures {
  /** An instant inside every fixture leaf's validity (2023-02-20 .. 2033-02-17). */
  static final Instant AT = Instant.parse("2025-06-01T00:00:00Z");
  static final String SIGNER = "shell-app01.phx2.fedoraproject.org";

  private WireFixtures() {}

  static JsonNode signedVectors() {
    return CanonicalJson.parse(Fixtures.signedVectorsJson());
  }

  static List<JsonNode> vectors() {
    List<JsonNode> out = new ArrayList<>();
    signedVectors().get("vectors").forEach(out::add);
    return out;
  }

  static JsonNode vector(String name) {
    return vectors().stream().filter(v -> v.get("name").asText().equals(name)).findFirst().orElseThrow();
  }

  static ObjectNode signed(String name) {
    return (ObjectNode) vector(name).get("signed").deepCopy();
  }

  static List<ObjectNode> productionMessages() {
    List<ObjectNode> out = new ArrayList<>();
    CanonicalJson.parse(Fixtures.productionMessagesJson()).forEach(m -> out.add((ObjectNode) m));
    return out;
  }

  static Signer signer(Path certDir, String certname) {
    try {
      return Signer.load(certDir, certname);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A trust store for a reference config (ca, crl) with the clock fixed at {@link #AT}. */
  static TrustStore store(Path certDir, JsonNode config) {
    TrustOptions.Builder b = TrustOptions.builder()
        .ca(certDir.resolve(config.get("ca").asText()))
        .clock(Clock.fixed(AT, ZoneOffset.UTC))
        .backgroundRefresh(false);
    JsonNode crl = config.get("crl");
    if (crl != null && !crl.isNull()) {
      b.crl(certDir.resolve(crl.asText()));
    }
    return TrustStore.create(b.build());
  }

  /** The reference's routing policy of a config, or null if it has none. */
  static TopicPolicy policy(JsonNode config) {
    if (!config.has("policy")) {
      return null;
    }
    ObjectNode c = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    c.set("routing_policy", config.get("policy").deepCopy());
    c.put("routing_nitpicky", config.get("nitpicky").asBoolean());
    return TopicPolicy.fromConfig((JsonNode) c);
  }

  static VerificationResult.Reason reason(VerificationResult r) {
    return r instanceof VerificationResult.Invalid inv ? inv.reason() : null;
  }
}
