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
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
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

  /** A complete, valid signed registration as the directory receives it, mutated by the property below. */
  private static final ObjectNode VALID_SIGNED = signedRegistrationJson();

  private static final List<String> REGISTRATION_FIELDS =
      List.of("service", "endpoints", "curve_server_key", "issued_at", "expires_at", "nonce");
  private static final List<String> SIGNED_FIELDS = List.of("registration", "algorithm", "signature", "certificates");

  private static ObjectNode signedRegistrationJson() {
    TestPki.Issued ca = TestPki.rootCa("registration property ca").build();
    TestPki.Issued leaf = ca.issue("bodhi-app01.example.test").build();
    Registration r = new Registration("bodhi.app01", List.of("tcp://a:1", "tcp://b:2"),
        Optional.of(CurveKeys.encode(new byte[32])), T, T.plusSeconds(300), NONCE);
    return SignedRegistration.sign(r, Signer.of(leaf.privateKey(), leaf.chain())).toJson();
  }

  @Test
  void fromJson_validSignedRegistration_parsed() {
    SignedRegistration sr = SignedRegistration.fromJson(VALID_SIGNED.deepCopy());
    assertThat(sr.registration().service()).isEqualTo("bodhi.app01");
    assertThat(sr.toJson()).isEqualTo(VALID_SIGNED);
  }

  /**
   * Registration-shaped JSON with one field removed, replaced by a value of another type or shape, or an
   * unknown field added, at either level: parsing yields a value or an IllegalArgumentException, never
   * another exception; what is accepted has only known registration fields and survives a round trip.
   */
  @Property(tries = 600)
  void fromJson_mutatedRegistration_valueOrIllegalArgument(@ForAll("mutatedSignedRegistrations") ObjectNode n) {
    String outcome;
    try {
      SignedRegistration sr = SignedRegistration.fromJson(n);
      List<String> fields = new java.util.ArrayList<>();
      n.get("registration").fieldNames().forEachRemaining(fields::add);
      assertThat(REGISTRATION_FIELDS).containsAll(fields);
      assertThat(SignedRegistration.fromJson(sr.toJson()).registration()).isEqualTo(sr.registration());
      outcome = "accepted";
    } catch (IllegalArgumentException expected) {
      outcome = "rejected";
    }
    Statistics.collect(outcome);
    Statistics.coverage(c -> {
      c.check("accepted").count(k -> k > 0);
      c.check("rejected").percentage(pct -> pct > 30);
    });
  }

  @Provide
  Arbitrary<ObjectNode> mutatedSignedRegistrations() {
    Arbitrary<JsonNode> values = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(40).map(JsonNodeFactory.instance::textNode),
        Arbitraries.of("bodhi.app02", "tcp://c:3", "bad name", "", NONCE.toUpperCase(java.util.Locale.ROOT),
            "ecdsa-p256-sha256", "rsa-sha1", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .map(JsonNodeFactory.instance::textNode),
        Arbitraries.longs().map(JsonNodeFactory.instance::numberNode),
        Arbitraries.of(1.5, -0.0, 1e300).map(JsonNodeFactory.instance::numberNode),
        Arbitraries.just(JsonNodeFactory.instance.numberNode(new java.math.BigInteger("123456789012345678901234567890"))),
        Arbitraries.of(true, false).map(JsonNodeFactory.instance::booleanNode),
        Arbitraries.just(JsonNodeFactory.instance.nullNode()),
        Arbitraries.strings().ofMaxLength(10).list().ofMaxSize(3).map(l -> {
          com.fasterxml.jackson.databind.node.ArrayNode a = JsonNodeFactory.instance.arrayNode();
          l.forEach(a::add);
          return (JsonNode) a;
        }),
        Arbitraries.just(JsonNodeFactory.instance.arrayNode().add(1).add(JsonNodeFactory.instance.objectNode())),
        Arbitraries.just(JsonNodeFactory.instance.objectNode().put("service", "x")));
    Arbitrary<String> fields = Arbitraries.oneOf(
        Arbitraries.of(REGISTRATION_FIELDS).map(f -> "registration." + f),
        Arbitraries.of(SIGNED_FIELDS),
        Arbitraries.of("registration.endpoints.0", "certificates.0", "registration.unknown", "unknown"));
    Arbitrary<Boolean> remove = Arbitraries.of(true, false);
    return Combinators.combine(fields, values, remove).as((field, value, drop) -> {
      ObjectNode n = VALID_SIGNED.deepCopy();
      String[] parts = field.split("\\.");
      JsonNode parent = parts.length == 1 ? n : n.get(parts[0]);
      String last = parts[parts.length - 1];
      if (parts.length == 3) {
        parent = parent.get(parts[1]);
      }
      if (parent instanceof ObjectNode o) {
        if (drop) {
          o.remove(last);
        } else {
          o.set(last, value);
        }
      } else if (parent instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
        if (drop) {
          a.remove(Integer.parseInt(last));
        } else {
          a.set(Integer.parseInt(last), value);
        }
      }
      return n;
    });
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

  /* --------------- replay endpoint --------------- */

  @Test
  void replay_signedAsALine_andRoundTrips_withoutItTheBytesAreUnchanged() {
    Registration without = new Registration("pkgdb", List.of("tcp://a:1"), Optional.empty(), T, T.plusSeconds(300),
        NONCE);
    Registration with = new Registration("pkgdb", List.of("tcp://a:1"), Optional.empty(), T, T.plusSeconds(300), NONCE,
        Optional.of("tcp://a:2"));
    String plain = new String(without.canonicalBytes(), StandardCharsets.UTF_8);
    assertThat(plain).doesNotContain("replay");
    assertThat(new String(with.canonicalBytes(), StandardCharsets.UTF_8))
        .isEqualTo(plain.replace("curve_server_key:\n", "curve_server_key:\nreplay:tcp://a:2\n"));
    assertThat(Registration.fromJson(with.toJson())).isEqualTo(with);
    assertThat(Registration.fromJson(without.toJson())).isEqualTo(without);
    assertThat(without.toJson().has("replay")).isFalse();
  }

  @Test
  void replay_malformed_refused() {
    assertThatThrownBy(() -> new Registration("s", List.of("tcp://a:1"), Optional.empty(), T, T.plusSeconds(1), NONCE,
        Optional.of("tcp://a:1\nendpoint:tcp://evil:2"))).hasMessageContaining("replay");
    ObjectNode wrongType = reg(List.of("tcp://a:1")).toJson();
    wrongType.put("replay", 5);
    assertThatThrownBy(() -> Registration.fromJson(wrongType)).isInstanceOf(IllegalArgumentException.class);
  }
}
