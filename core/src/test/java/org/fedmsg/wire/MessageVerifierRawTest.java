package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.wire.WireFixtures.AT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MessageVerifier#checkRaw} (no tree, certificate fields known by their bytes) decides
 * exactly as {@link MessageVerifier#check}: same result, reason, detail, cause and signer, on
 * the reference vectors under every reference config, on production messages, on fedmsg/2
 * messages of every key type, and on mutated frames.
 */
class MessageVerifierRawTest {
  @TempDir static Path dir;
  static final Map<String, MessageVerifier> verifiers = new LinkedHashMap<>();
  static final List<TrustStore> stores = new ArrayList<>();
  static final VerifierPki PKI = new VerifierPki();

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
  }

  @AfterAll
  static void close() {
    stores.forEach(TrustStore::close);
    PKI.close();
  }

  /** Both paths on the same frames; a difference is described, else null. */
  static String compare(MessageVerifier v, List<byte[]> frames) {
    MessageVerifier.Verdict tree = v.check(frames);
    MessageVerifier.Verdict raw = v.checkRaw(frames);
    String a = describe(tree);
    String b = describe(raw);
    if (!a.equals(b)) {
      return "tree " + a + " / raw " + b;
    }
    if (tree.body() != null && raw.body() != null) {
      for (String f : List.of("topic", "msg_id", "timestamp")) {
        if (tree.body().has(f) && !tree.body().get(f).isContainerNode() && !tree.body().get(f).equals(raw.body().get(f))) {
          return "envelope field " + f + " differs: " + raw.body();
        }
      }
    }
    return null;
  }

  private static String describe(MessageVerifier.Verdict v) {
    VerificationResult r = v.result();
    String signer = r instanceof VerificationResult.Valid ok ? ok.signer().commonName()
        : ((VerificationResult.Invalid) r).signer() == null ? "-" : ((VerificationResult.Invalid) r).signer().commonName();
    String reason = r instanceof VerificationResult.Invalid inv ? inv.reason() + " " + inv.detail() : "VALID";
    return reason + " cause=" + v.cause() + " signer=" + signer + " format=" + v.format() + " topic=" + v.topic()
        + " missed=" + v.missed();
  }

  private static List<byte[]> v1Frames(JsonNode vector, boolean relayForm) {
    byte[] body = vector.get("wire_body").textValue().getBytes(StandardCharsets.UTF_8);
    if (relayForm) {
      body = CanonicalJson.encodePythonDefault(CanonicalJson.parse(body));
    }
    JsonNode topic = vector.get("signed").get("topic");
    return List.of((topic == null ? "" : topic.textValue()).getBytes(StandardCharsets.UTF_8), body);
  }

  /* --------------- fedmsg/1 --------------- */

  @Test
  void checkRaw_everyVectorUnderEveryConfigTwice_sameVerdictAsTreePath() {
    List<String> errors = new ArrayList<>();
    int valid = 0;
    // the second round meets certificate fields already known by their bytes
    for (int round = 0; round < 2; round++) {
      for (JsonNode v : WireFixtures.vectors()) {
        for (Map.Entry<String, MessageVerifier> e : verifiers.entrySet()) {
          for (boolean relayForm : new boolean[] {false, true}) {
            List<byte[]> frames = v1Frames(v, relayForm);
            String d = compare(e.getValue(), frames);
            if (d != null) {
              errors.add(v.get("name").asText() + " / " + e.getKey() + (relayForm ? " (relay form)" : "") + ": " + d);
            }
            valid += e.getValue().checkRaw(frames).result().isValid() ? 1 : 0;
          }
        }
      }
    }
    assertThat(errors).isEmpty();
    assertThat(valid).isGreaterThan(50);  // the comparison covered accepted messages, not only refusals
  }

  @Test
  void checkRaw_productionMessages_sameVerdictAsTreePath() {
    try (TrustStore fedora = TrustStore.create(TrustOptions.builder().ca(dir.resolve("fedora_ca.crt"))
        .backgroundRefresh(false).build())) {
      MessageVerifier v = MessageVerifier.builder().trust(fedora).asOf(Instant.parse("2023-06-01T00:00:00Z")).build();
      List<String> errors = new ArrayList<>();
      int valid = 0;
      for (ObjectNode m : WireFixtures.productionMessages()) {
        ObjectNode fixed = Fedmsg1.archiveFixup(m);
        List<byte[]> frames = List.of(fixed.get("topic").textValue().getBytes(StandardCharsets.UTF_8),
            CanonicalJson.encodePythonDefault(fixed));
        for (int round = 0; round < 2; round++) {
          String d = compare(v, frames);
          if (d != null) {
            errors.add(m.get("topic").asText() + ": " + d);
          }
        }
        valid += v.checkRaw(frames).result().isValid() ? 1 : 0;
      }
      assertThat(errors).isEmpty();
      assertThat(valid).isEqualTo(25);
    }
  }

  @Test
  void checkRaw_mutatedFedmsg1Bodies_sameVerdictAsTreePath() {
    MessageVerifier v = verifiers.values().iterator().next();
    Random random = new Random(17);
    List<String> errors = new ArrayList<>();
    List<JsonNode> vectors = WireFixtures.vectors();
    for (int i = 0; i < 3000; i++) {
      List<byte[]> frames = v1Frames(vectors.get(random.nextInt(vectors.size())), random.nextBoolean());
      byte[] body = frames.get(1).clone();
      for (int m = random.nextInt(3) + 1; m > 0; m--) {
        body[random.nextInt(body.length)] = (byte) (random.nextBoolean() ? random.nextInt(256)
            : "{}[]\",:\\ -0e.an".charAt(random.nextInt(15)));
      }
      String d = compare(v, List.of(frames.get(0), body));
      if (d != null) {
        errors.add(d + " <- " + new String(body, StandardCharsets.ISO_8859_1));
      }
    }
    assertThat(errors).isEmpty();
  }

  @Test
  void checkRaw_knownCertificateLiteralWithOneByteChanged_notTakenFromCache() {
    List<byte[]> frames = v1Frames(WireFixtures.vector("basic"), false);
    MessageVerifier v = verifiers.values().stream().filter(x -> x.check(frames).result().isValid()).findFirst().orElseThrow();
    assertThat(v.checkRaw(frames).result().isValid()).isTrue();
    String body = new String(frames.get(1), StandardCharsets.US_ASCII);
    int at = body.indexOf("\"certificate\":\"") + 40;
    char c = body.charAt(at);
    String changed = body.substring(0, at) + (c == 'A' ? 'B' : 'A') + body.substring(at + 1);
    List<byte[]> tampered = List.of(frames.get(0), changed.getBytes(StandardCharsets.US_ASCII));
    assertThat(v.checkRaw(tampered).result().isValid()).isFalse();
    assertThat(compare(v, tampered)).isNull();
  }

  @Test
  void checkRaw_duplicateKeyInSkippedCertificate_duplicateKeyCause() {
    MessageVerifier v = verifiers.values().iterator().next();
    String body = new String(v1Frames(WireFixtures.vector("basic"), false).get(1), StandardCharsets.US_ASCII);
    String twice = body.replace("\"crypto\":", "\"certificate\":\"x\",\"crypto\":");
    MessageVerifier.Verdict r = v.checkRaw(List.of("t".getBytes(StandardCharsets.US_ASCII),
        twice.getBytes(StandardCharsets.US_ASCII)));
    assertThat(r.cause()).isEqualTo(MessageVerifier.DUPLICATE_KEY);
  }

  @Test
  void base64Lenient_sameBytesOrSameRefusalAsPem() {
    Random random = new Random(5);
    String alphabet = "ABCxyz019+/=\n -_*\u00e9";
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      for (int n = random.nextInt(24); n > 0; n--) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = sb.toString();
      String expected;
      try {
        expected = java.util.HexFormat.of().formatHex(org.fedmsg.crypto.Pem.base64DecodeLenient(text));
      } catch (IllegalArgumentException e) {
        expected = "refused: " + e.getMessage();
      }
      String actual;
      try {
        actual = java.util.HexFormat.of().formatHex(Fedmsg1.base64Lenient(text));
      } catch (IllegalArgumentException e) {
        actual = "refused: " + e.getMessage();
      }
      if (!expected.equals(actual)) {
        errors.add(text + ": " + expected + " / " + actual);
      }
    }
    assertThat(errors).isEmpty();
  }

  /* --------------- fedmsg/2 and live mode --------------- */

  private static ObjectNode body(String topic, Instant now) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", topic).put("timestamp", now.getEpochSecond()).put("msg_id", "2026-" + UUID.randomUUID())
        .put("i", 1).put("username", "tester");
    b.putObject("msg").put("k", "v").putArray("list").add(1.5).add("\u00e9");
    return b;
  }

  @Test
  void checkRaw_fedmsg2EveryKeyTypeAndMutations_sameVerdictAsTreePath() {
    MessageVerifier v = MessageVerifier.builder().trust(PKI.trust).asOf(Instant.now()).build();
    Random random = new Random(29);
    List<String> errors = new ArrayList<>();
    long seq = 1;
    for (Signer s : List.of(PKI.rsa, PKI.ed, PKI.other)) {
      for (int i = 0; i < 300; i++) {
        ObjectNode b = body("org.fedoraproject.prod.svc.x", Instant.now());
        b.put("epoch", "e1").put("seq", seq++);
        byte[][] f = Fedmsg2.encode("org.fedoraproject.prod.svc.x", b, s);
        if (i > 0) {
          byte[] target = f[random.nextInt(3)];
          target[random.nextInt(target.length)] ^= (byte) (1 + random.nextInt(255));
        }
        String d = compare(v, List.of(f));
        if (d != null) {
          errors.add(s.algorithm() + " #" + i + ": " + d);
        }
      }
    }
    assertThat(errors).isEmpty();
  }

  @Test
  void checkRaw_liveMode_replayAndSequenceChecksUseTheEnvelopeFields() {
    TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    MessageVerifier v = MessageVerifier.builder().trust(PKI.trust).clock(clock).replayWindow(Duration.ofMinutes(10))
        .build();
    ObjectNode b1 = body("org.fedoraproject.prod.svc.x", clock.instant());
    List<byte[]> m1 = List.of("org.fedoraproject.prod.svc.x".getBytes(StandardCharsets.UTF_8), Fedmsg1.signToWire(b1, PKI.rsa));
    assertThat(v.checkRaw(m1).result().isValid()).isTrue();
    assertThat(((VerificationResult.Invalid) v.checkRaw(m1).result()).reason()).isEqualTo(Reason.DUPLICATE);
    ObjectNode old = body("org.fedoraproject.prod.svc.x", clock.instant().minus(Duration.ofHours(1)));
    List<byte[]> m2 = List.of("org.fedoraproject.prod.svc.x".getBytes(StandardCharsets.UTF_8), Fedmsg1.signToWire(old, PKI.rsa));
    assertThat(((VerificationResult.Invalid) v.checkRaw(m2).result()).reason()).isEqualTo(Reason.OUTSIDE_WINDOW);

    ObjectNode b2 = body("org.fedoraproject.prod.svc.y", clock.instant()).put("epoch", "ep").put("seq", 1);
    ObjectNode b3 = body("org.fedoraproject.prod.svc.y", clock.instant()).put("epoch", "ep").put("seq", 4);
    assertThat(v.checkRaw(List.of(Fedmsg2.encode("org.fedoraproject.prod.svc.y", b2, PKI.ed))).result().isValid()).isTrue();
    MessageVerifier.Verdict gap = v.checkRaw(List.of(Fedmsg2.encode("org.fedoraproject.prod.svc.y", b3, PKI.ed)));
    assertThat(gap.result().isValid()).isTrue();
    assertThat(gap.missed()).isEqualTo(2);
    assertThat(gap.body().get("seq").longValue()).isEqualTo(4);
    assertThat(gap.body().has("msg")).isFalse();  // the envelope only
    MessageVerifier.Verdict replayed = v.checkRaw(List.of(Fedmsg2.encode("org.fedoraproject.prod.svc.y", b2, PKI.ed)));
    assertThat(((VerificationResult.Invalid) replayed.result()).reason()).isEqualTo(Reason.DUPLICATE);
  }
}
