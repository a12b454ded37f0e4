package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.discovery.CurveKeys;
import org.junit.jupiter.api.Test;

class RegistrationTest {

  private static final Instant T = Instant.parse("2026-01-01T00:00:00.123Z");
  private static final String NONCE = "0123456789abcdef0123456789abcdef";

  private static Registration reg(List<String> endpoints) {
    return new Registration("bodhi.app01", endpoints, Optional.empty(), T, T.plusSeconds(300), NONCE);
  }

  @Test
  void canonicalBytes_documentedLayout() {
    String key = CurveKeys.encode(new byte[32]);
    Registration r = new Registration("bodhi.app01", List.of("tcp://a:1", "tcp://b:2"), Optional.of(key), T,
        T.plusSeconds(300), NONCE);
    assertThat(new String(r.canonicalBytes(), StandardCharsets.UTF_8)).isEqualTo(
        "fedmsg-directory-registration/1\nservice:bodhi.app01\nendpoint:tcp://a:1\nendpoint:tcp://b:2\n"
            + "curve_server_key:" + key + "\nissued_at:1767225600123\nexpires_at:1767225900123\nnonce:" + NONCE + "\n");
  }

  @Test
  void json_roundTrip_equal() {
    Registration r = reg(List.of("tcp://a:1"));
    assertThat(Registration.fromJson(r.toJson())).isEqualTo(r);
  }

  @Test
  void constructor_badFields_rejectedWithReason() {
    assertThatThrownBy(() -> new Registration("bad name", List.of(), Optional.empty(), T, T.plusSeconds(1), NONCE))
        .hasMessageContaining("service name");
    assertThatThrownBy(() -> reg(List.of("tcp://a:1\nendpoint:tcp://evil:2"))).hasMessageContaining("endpoint");
    assertThatThrownBy(() -> new Registration("s", List.of(), Optional.empty(), T, T, NONCE)).hasMessageContaining("after");
    assertThatThrownBy(() -> new Registration("s", List.of(), Optional.empty(), T, T.plusSeconds(1), "XYZ"))
        .hasMessageContaining("nonce");
    assertThatThrownBy(() -> new Registration("s", List.of(), Optional.of("short"), T, T.plusSeconds(1), NONCE))
        .hasMessageContaining("curve_server_key");
  }

  @Test
  void fromJson_missingOrWrongTypes_illegalArgument() throws Exception {
    ObjectMapper m = new ObjectMapper();
    for (String bad : List.of("null", "[]", "{}", "{\"service\":1}", "{\"service\":\"s\",\"endpoints\":\"tcp://a:1\"}")) {
      assertThatThrownBy(() -> Registration.fromJson(m.readTree(bad))).isInstanceOf(IllegalArgumentException.class);
    }
    ObjectNode withKey = reg(List.of()).toJson().put("curve_server_key", 5);
    assertThatThrownBy(() -> Registration.fromJson(withKey)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 300)
  void fromJson_anyText_valueOrIllegalArgument(@ForAll String text) {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree("{\"registration\":" + text + "}");
    } catch (Exception e) {
      return; // not JSON: the server rejects it before this point
    }
    try {
      SignedRegistration.fromJson(n);
    } catch (IllegalArgumentException expected) {
      // the only allowed failure
    }
  }

  @Test
  void verify_everySignatureByteFlipped_invalid() {
    DirectoryPki pki = new DirectoryPki();
    SignedRegistration sr = SignedRegistration.sign(
        Registration.create("bodhi.app01", List.of("tcp://a:1"), Optional.empty(), pki.clock.instant(), Duration.ofMinutes(5)),
        DirectoryPki.signer(pki.bodhi));
    assertThat(pki.verifier.verify(sr).isValid()).isTrue();
    byte[] sig = sr.signatureBytes();
    for (int i = 0; i < sig.length; i++) {
      byte[] m = sig.clone();
      m[i] ^= 0x01;
      SignedRegistration mutated = new SignedRegistration(sr.registration(), sr.algorithm(),
          Base64.getEncoder().encodeToString(m), sr.chain());
      assertThat(pki.verifier.verify(mutated)).isInstanceOf(VerificationResult.Invalid.class);
    }
  }

  @Test
  void verify_issuedFarInFuture_outsideWindow() {
    DirectoryPki pki = new DirectoryPki();
    SignedRegistration sr = SignedRegistration.sign(Registration.create("bodhi.app01", List.of("tcp://a:1"),
        Optional.empty(), pki.clock.instant().plus(Duration.ofMinutes(10)), Duration.ofMinutes(5)), DirectoryPki.signer(pki.bodhi));
    assertThat(pki.verifier.verify(sr)).isInstanceOfSatisfying(VerificationResult.Invalid.class,
        inv -> assertThat(inv.reason()).isEqualTo(Reason.OUTSIDE_WINDOW));
  }

  @Test
  void verify_expiredCertificate_certExpired() {
    DirectoryPki pki = new DirectoryPki();
    var old = pki.ca.issue("bodhi-app02.example.test")
        .validity(Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1))).build();
    SignedRegistration sr = SignedRegistration.sign(Registration.create("bodhi.app02", List.of("tcp://a:1"),
        Optional.empty(), pki.clock.instant(), Duration.ofMinutes(5)), DirectoryPki.signer(old));
    assertThat(pki.verifier.verify(sr)).isInstanceOfSatisfying(VerificationResult.Invalid.class,
        inv -> assertThat(inv.reason()).isEqualTo(Reason.CERT_EXPIRED));
  }
}
