package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference's accept/reject on its own fixtures, for the five configurations that differ only
 * in CA and CRL (the policy configurations are the message layer's).
 */
class TrustStoreFixturesTest {
  private static final Instant AT = Instant.parse("2025-06-01T00:00:00Z");
  private static final List<String> CERT_CONFIGS = List.of("ca+crl", "ca_only", "badca", "ca+expired_crl", "expired_ca");

  @TempDir static Path dir;
  private static final Map<String, TrustStore> stores = new LinkedHashMap<>();

  @BeforeAll
  static void loadStores() {
    Fixtures.copyTestCerts(dir);
    JsonNode configs = Vectors.signedVectors().get("configs");
    for (String name : CERT_CONFIGS) {
      JsonNode c = configs.get(name);
      TrustOptions.Builder b = TrustOptions.builder()
          .ca(dir.resolve(c.get("ca").asText()))
          .clock(Clock.fixed(AT, ZoneOffset.UTC))
          .backgroundRefresh(false);
      if (!c.get("crl").isNull()) {
        b.crl(dir.resolve(c.get("crl").asText()));
      }
      stores.put(name, TrustStore.create(b.build()));
    }
  }

  @AfterAll
  static void close() {
    stores.values().forEach(TrustStore::close);
  }

  @Test
  void verify_signVectorsUnderEachCertConfig_matchReferenceExpect() {
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : Vectors.vectors()) {
      if (!v.get("kind").asText().equals("sign+validate")) {
        continue;
      }
      JsonNode signed = v.get("signed");
      byte[] data = v.get("canonical_signed_string").asText().getBytes(StandardCharsets.UTF_8);
      byte[] sig = Pem.base64DecodeLenient(signed.get("signature").asText());
      for (String config : CERT_CONFIGS) {
        TrustStore store = stores.get(config);
        List<X509Certificate> chain = store.parseCertificatesCached(signed.get("certificate").asText());
        VerificationResult r = store.verify(chain, SignatureAlgorithm.RSA_SHA1, data, sig, AT, Profile.LEGACY);
        boolean expected = v.get("expect").get(config).asBoolean();
        if (r.isValid() != expected) {
          errors.add(v.get("name").asText() + " / " + config + ": " + r);
        }
        checked++;
      }
    }
    assertThat(errors).isEmpty();
    assertThat(checked).isEqualTo(17 * 5);
  }

  @Test
  void verifyChain_validateOnlyVectorsWhereCertDecides_matchReferenceExpect() {
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : Vectors.vectors()) {
      JsonNode expect = v.get("expect");
      boolean certDecides = CERT_CONFIGS.stream().anyMatch(c -> expect.get(c).asBoolean(false));
      if (!v.get("kind").asText().equals("validate-only") || !certDecides) {
        continue;
      }
      for (String config : CERT_CONFIGS) {
        VerificationResult r = chainResult(stores.get(config), v.get("signed"));
        if (r.isValid() != expect.get(config).asBoolean()) {
          errors.add(v.get("name").asText() + " / " + config + ": " + r);
        }
        checked++;
      }
    }
    assertThat(errors).isEmpty();
    assertThat(checked).isEqualTo(5 * 5);
  }

  @Test
  void verifyChain_revokedVector_revokedWithCrlValidWithout() {
    JsonNode v = vector("revoked_cert");
    assertThat(reason(chainResult(stores.get("ca+crl"), v.get("signed")))).isEqualTo(Reason.CERT_REVOKED);
    assertThat(chainResult(stores.get("ca_only"), v.get("signed")).isValid()).isTrue();
  }

  @Test
  void verifyChain_signedByExpiredCa_rejectedUnderEveryConfig() {
    JsonNode v = vector("signed_by_expired_ca");
    for (String config : CERT_CONFIGS) {
      assertThat(chainResult(stores.get(config), v.get("signed")).isValid()).as(config).isFalse();
    }
    assertThat(reason(chainResult(stores.get("expired_ca"), v.get("signed")))).isEqualTo(Reason.CERT_EXPIRED);
    assertThat(reason(chainResult(stores.get("ca_only"), v.get("signed")))).isEqualTo(Reason.UNTRUSTED_CHAIN);
  }

  @Test
  void verifyChain_referenceConfigsOnNormalLeaf_giveTheirOwnReasons() {
    JsonNode signed = vector("basic").get("signed");
    assertThat(reason(chainResult(stores.get("badca"), signed))).isEqualTo(Reason.UNTRUSTED_CHAIN);
    assertThat(reason(chainResult(stores.get("ca+expired_crl"), signed))).isEqualTo(Reason.CRL_UNAVAILABLE);
    assertThat(reason(chainResult(stores.get("expired_ca"), signed))).isEqualTo(Reason.UNTRUSTED_CHAIN);
  }

  @Test
  void parseCertificatesCached_garbageCertificateVector_isMalformedInput() {
    JsonNode signed = vector("certificate_garbage").get("signed");
    assertThat(vector("certificate_garbage").get("expect").get("ca+crl").asText()).startsWith("exception:");

    assertThat(reason(chainResult(stores.get("ca+crl"), signed))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verifyChain_productionMessages_validIn2023ExpiredNow() {
    JsonNode messages = Vectors.productionMessages();
    assertThat(messages).hasSize(25);
    try (TrustStore fedora = TrustStore.create(TrustOptions.builder()
        .ca(dir.resolve("fedora_ca.crt")).backgroundRefresh(false).build())) {
      List<String> errors = new ArrayList<>();
      for (JsonNode m : messages) {
        List<X509Certificate> chain = fedora.parseCertificatesCached(m.get("certificate").asText());
        VerificationResult then = fedora.verifyChain(chain, Instant.parse("2023-06-01T00:00:00Z"), Profile.LEGACY);
        VerificationResult now = fedora.verifyChain(chain, Instant.now(), Profile.LEGACY);
        if (!then.isValid() || reason(now) != Reason.CERT_EXPIRED) {
          errors.add(m.get("topic").asText() + ": " + then + " / " + now);
        }
      }
      assertThat(errors).isEmpty();
    }
  }

  /** The chain check alone, or MALFORMED / UNSIGNED as the message layer would report it. */
  private static VerificationResult chainResult(TrustStore store, JsonNode signed) {
    JsonNode cert = signed.get("certificate");
    if (cert == null) {
      return VerificationResult.invalid(Reason.UNSIGNED, "no certificate");
    }
    try {
      return store.verifyChain(store.parseCertificatesCached(cert.asText()), AT, Profile.LEGACY);
    } catch (IllegalArgumentException e) {
      return VerificationResult.invalid(Reason.MALFORMED, e.getMessage());
    }
  }

  private static Reason reason(VerificationResult r) {
    return r instanceof VerificationResult.Invalid ? ((VerificationResult.Invalid) r).reason() : null;
  }

  private static JsonNode vector(String name) {
    return Vectors.vectors().stream().filter(v -> v.get("name").asText().equals(name)).findFirst().orElseThrow();
  }
}
