package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.discovery.CurveKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class DirectoryServerTest {

  private final DirectoryPki pki = new DirectoryPki();
  private final DirectoryServer server = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null);
  private final DirectoryClient client = new DirectoryClient(List.of(server.endpoint()), Optional.of(pki.verifier),
      Duration.ofSeconds(10), "directory");

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  private Registration registration(Duration lifetime) {
    return Registration.create("bodhi.app01", List.of("tcp://bodhi-app01.example.test:3000"),
        Optional.of(CurveKeys.encode(new byte[32])), pki.clock.instant(), lifetime);
  }

  private SignedRegistration signed(Registration r) {
    return SignedRegistration.sign(r, DirectoryPki.signer(pki.bodhi));
  }

  private boolean send(SignedRegistration sr) {
    return client.register(sr).get(0).accepted();
  }

  @Test
  void register_allowedSigner_storedAndServed() {
    SignedRegistration sr = signed(registration(Duration.ofMinutes(5)));
    assertThat(send(sr)).isTrue();
    DirectoryClient.QueryResult q = client.query("bodhi.app01");
    assertThat(q.problems()).isEmpty();
    assertThat(q.registrations()).singleElement().satisfies(v -> {
      assertThat(v.registration().registration()).isEqualTo(sr.registration());
      assertThat(v.signer().commonName()).isEqualTo("bodhi-app01.example.test");
    });
    assertThat(client.query("other").registrations()).isEmpty();
  }

  @Test
  void register_signerNotAllowedForService_rejectedNotAuthorized() {
    SignedRegistration sr = SignedRegistration.sign(registration(Duration.ofMinutes(5)), DirectoryPki.signer(pki.evil));
    assertThat(send(sr)).isFalse();
    assertThat(server.rejections()).containsEntry(Reason.NOT_AUTHORIZED, 1L);
    assertThat(server.registrations()).isEmpty();
  }

  @Test
  void register_certificateFromRogueCa_rejectedUntrusted() {
    SignedRegistration sr = SignedRegistration.sign(registration(Duration.ofMinutes(5)), DirectoryPki.signer(pki.rogue));
    assertThat(send(sr)).isFalse();
    assertThat(server.rejections()).containsEntry(Reason.UNTRUSTED_CHAIN, 1L);
  }

  @Test
  void register_endpointChangedAfterSigning_rejectedBadSignature() {
    SignedRegistration sr = signed(registration(Duration.ofMinutes(5)));
    Registration r = sr.registration();
    Registration tampered = new Registration(r.service(), List.of("tcp://attacker.example.test:3000"),
        r.curveServerKey(), r.issuedAt(), r.expiresAt(), r.nonce());
    assertThat(send(new SignedRegistration(tampered, sr.algorithm(), sr.signature(), sr.chain()))).isFalse();
    assertThat(server.rejections()).containsEntry(Reason.BAD_SIGNATURE, 1L);
  }

  @Test
  void register_expired_rejectedOutsideWindow() {
    SignedRegistration sr = signed(registration(Duration.ofMinutes(5)));
    pki.clock.advance(Duration.ofMinutes(6));
    assertThat(send(sr)).isFalse();
    assertThat(server.rejections()).containsEntry(Reason.OUTSIDE_WINDOW, 1L);
  }

  @Test
  void register_lifetimeTooLong_rejectedOutsideWindow() {
    assertThat(send(signed(registration(Duration.ofHours(2))))).isFalse();
    assertThat(server.rejections()).containsEntry(Reason.OUTSIDE_WINDOW, 1L);
  }

  @Test
  void register_olderRegistrationReplayed_rejectedDuplicate() {
    SignedRegistration first = signed(registration(Duration.ofMinutes(5)));
    pki.clock.advance(Duration.ofSeconds(10));
    SignedRegistration second = signed(registration(Duration.ofMinutes(5)));
    assertThat(send(first)).isTrue();
    assertThat(send(second)).isTrue();
    assertThat(send(second)).as("the same registration again is an idempotent retry").isTrue();
    assertThat(send(first)).isFalse();
    assertThat(server.rejections()).containsEntry(Reason.DUPLICATE, 1L);
    assertThat(server.registrations()).singleElement().isEqualTo(second);
  }

  @Test
  void register_malformedRequests_rejectedMalformed() {
    assertThat(server.handle("not json".getBytes(StandardCharsets.UTF_8)).path("status").asText()).isEqualTo("error");
    assertThat(server.handle("{\"op\":\"nope\"}".getBytes(StandardCharsets.UTF_8)).path("status").asText())
        .isEqualTo("error");
    ObjectNode bad = signed(registration(Duration.ofMinutes(5))).toJson();
    ((ObjectNode) bad.get("registration")).put("extra", "unsigned data");
    ObjectNode req = bad.objectNode().put("op", "register");
    req.set("registration", bad);
    assertThat(server.handle(req.toString().getBytes(StandardCharsets.UTF_8)).path("status").asText())
        .isEqualTo("rejected");
    ObjectNode missing = bad.objectNode().put("op", "register");
    missing.putObject("registration").put("algorithm", "ed25519");
    assertThat(server.handle(missing.toString().getBytes(StandardCharsets.UTF_8)).path("status").asText())
        .isEqualTo("rejected");
    assertThat(server.rejections()).containsEntry(Reason.MALFORMED, 4L);
  }

  @Test
  void query_afterExpiry_nothingServed() {
    assertThat(send(signed(registration(Duration.ofMinutes(5))))).isTrue();
    pki.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    assertThat(client.query(null).registrations()).isEmpty();
  }

  @Test
  void restart_withStateDirectory_registrationsReloaded(@TempDir Path state) {
    SignedRegistration sr = signed(registration(Duration.ofMinutes(5)));
    try (DirectoryServer s1 = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, state)) {
      try (DirectoryClient c = new DirectoryClient(List.of(s1.endpoint()), Optional.empty(), Duration.ofSeconds(10), "d")) {
        assertThat(c.register(sr).get(0).accepted()).isTrue();
      }
    }
    try (DirectoryServer s2 = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, state)) {
      assertThat(s2.registrations()).containsExactly(sr);
    }
  }

  @Test
  void settings_nonPositiveQuotaOrTooManyEndpointsOrNegativeInterval_refused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DirectoryServer.Settings(0, 16, 1000, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DirectoryServer.Settings(1, 0, 1000, Duration.ZERO))
        .hasMessageContaining("positive");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DirectoryServer.Settings(1, 1, 0, Duration.ZERO))
        .hasMessageContaining("positive");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DirectoryServer.Settings(1, 65, 1000, Duration.ZERO))
        .hasMessageContaining("at most 64");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DirectoryServer.Settings(1, 1, 1, Duration.ofSeconds(-1)))
        .hasMessageContaining("negative");
  }
}
