package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.wire.WireFixtures.AT;
import static org.fedmsg.wire.WireFixtures.reason;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference's accept/reject on its 34 vectors under its 9 configs, and its production messages. */
class MessageVerifierFixturesTest {
  @TempDir static Path dir;
  static final Map<String, MessageVerifier> verifiers = new LinkedHashMap<>();
  static final List<TrustStore> stores = new ArrayList<>();
  static TrustStore fedora;

  @BeforeAll
  static void load() {
    Fixtures.copyTestCerts(dir);
    JsonNode configs = WireFixtures.signedVectors().get("configs");
    for (Iterator<Map.Entry<String, JsonNode>> it = configs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> c = it.next();
      TrustStore store = WireFixtures.store(dir, c.getValue());
      stores.add(store);
      verifiers.put(c.getKey(), MessageVerifier.builder().trust(store).policy(WireFixtures.policy(c.getValue()))
          .asOf(AT).build());
    }
    fedora = TrustStore.create(TrustOptions.builder().ca(dir.resolve("fedora_ca.crt")).backgroundRefresh(false).build());
  }

  @AfterAll
  static void close() {
    stores.forEach(TrustStore::close);
    fedora.close();
  }

  @Test
  void verify_everyVectorUnderEveryConfig_matchesReferenceExpect() {
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : WireFixtures.vectors()) {
      for (Map.Entry<String, MessageVerifier> e : verifiers.entrySet()) {
        JsonNode expect = v.get("expect").get(e.getKey());
        // as received: the wire body frame, parsed and re-canonicalised by the verifier
        byte[] body = v.get("wire_body").textValue().getBytes(StandardCharsets.UTF_8);
        JsonNode topic = v.get("signed").get("topic");
        byte[] topicFrame = (topic == null ? "" : topic.textValue()).getBytes(StandardCharsets.UTF_8);
        VerificationResult r = topic == null
            ? e.getValue().verify(null, v.get("signed"))
            : e.getValue().verify(List.of(topicFrame, body));
        String where = v.get("name").asText() + " / " + e.getKey() + ": " + r;
        if (expect.isBoolean()) {
          if (r.isValid() != expect.booleanValue()) {
            errors.add(where);
          }
        } else if (reason(r) != Reason.MALFORMED) {
          errors.add(where + " (reference raised " + expect.asText() + ")");
        }
        checked++;
      }
    }
    assertThat(errors).isEmpty();
    assertThat(checked).isEqualTo(34 * 9);
  }

  @Test
  void verify_vectorsAsTheirOwnReasons_underCaPlusCrl() {
    MessageVerifier v = verifiers.get("ca+crl");
    assertThat(reason(v.verify(null, WireFixtures.signed("wrong_certificate")))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(v.verify(null, WireFixtures.signed("field_added_after_signing")))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(v.verify(null, WireFixtures.signed("tampered_timestamp")))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(verifiers.get("ca+expired_crl").verify(null, WireFixtures.signed("basic"))))
        .isEqualTo(Reason.CRL_UNAVAILABLE);
    assertThat(reason(verifiers.get("badca").verify(null, WireFixtures.signed("basic")))).isEqualTo(Reason.UNTRUSTED_CHAIN);
    assertThat(reason(verifiers.get("nitpicky_unlisted").verify(null, WireFixtures.signed("basic"))))
        .isEqualTo(Reason.NOT_AUTHORIZED);
  }

  /* --------------- production messages --------------- */

  private static MessageVerifier fedoraAsOf(Instant at) {
    return MessageVerifier.builder().trust(fedora).asOf(at).build();
  }

  @Test
  void verify_productionMessagesWithFixupAsOf2023_allValid() {
    MessageVerifier v = fedoraAsOf(Instant.parse("2023-06-01T00:00:00Z"));
    List<String> errors = new ArrayList<>();
    List<ObjectNode> messages = WireFixtures.productionMessages();
    for (ObjectNode m : messages) {
      VerificationResult r = v.verify(null, Fedmsg1.archiveFixup(m));
      if (!r.isValid()) {
        errors.add(m.get("topic").asText() + ": " + r);
      }
    }
    assertThat(errors).isEmpty();
    assertThat(messages).hasSize(25);
  }

  @Test
  void verify_productionMessagesWithoutFixup_allBadSignature() {
    MessageVerifier v = fedoraAsOf(Instant.parse("2023-06-01T00:00:00Z"));
    List<String> errors = new ArrayList<>();
    for (ObjectNode m : WireFixtures.productionMessages()) {
      VerificationResult r = v.verify(null, m);
      if (reason(r) != Reason.BAD_SIGNATURE) {
        errors.add(m.get("topic").asText() + ": " + r);
      }
    }
    assertThat(errors).isEmpty();
  }

  @Test
  void verify_productionMessagesAsOfNow_allCertExpired() {
    MessageVerifier v = fedoraAsOf(Instant.now());
    List<String> errors = new ArrayList<>();
    for (ObjectNode m : WireFixtures.productionMessages()) {
      VerificationResult r = v.verify(null, Fedmsg1.archiveFixup(m));
      if (reason(r) != Reason.CERT_EXPIRED) {
        errors.add(m.get("topic").asText() + ": " + r);
      }
    }
    assertThat(errors).isEmpty();
  }
}
