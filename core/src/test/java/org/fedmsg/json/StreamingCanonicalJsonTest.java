package org.fedmsg.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingCanonicalJsonTest {
  private static final Set<String> CREDENTIALS = Set.of("signature", "certificate");
  private static final StreamingCanonicalJson FEDMSG1 =
      StreamingCanonicalJson.of(CREDENTIALS, Set.of("signature", "certificate", "crypto", "topic", "msg_id", "timestamp"));
  private static final StreamingCanonicalJson ALL = StreamingCanonicalJson.of(Set.of(), Set.of());

  /** The tree path the streaming reader must equal: parseUnique, then encodeWithout. */
  private static byte[] treePath(byte[] json, Set<String> omit) {
    return CanonicalJson.encodeWithout(CanonicalJson.parseUnique(json), omit);
  }

  /** Both paths on the same input: the same bytes, or the same refusal. */
  private static void assertSameAsTree(byte[] json, Set<String> omit, List<String> errors, String name) {
    byte[] tree = null;
    MalformedJsonException treeError = null;
    try {
      tree = treePath(json, omit);
    } catch (MalformedJsonException e) {
      treeError = e;
    }
    byte[] streamed = null;
    MalformedJsonException streamError = null;
    try {
      streamed = StreamingCanonicalJson.of(omit, Set.of()).read(json).canonical();
    } catch (MalformedJsonException e) {
      streamError = e;
    }
    MalformedJsonException scanError = null;
    try {
      StreamingCanonicalJson.scanner(Set.of("topic")).read(json);
    } catch (MalformedJsonException e) {
      scanError = e;
    }
    if ((treeError == null) != (scanError == null)
        || treeError != null && treeError.isDuplicateKey() != scanError.isDuplicateKey()) {
      errors.add(name + ": scanner " + (scanError == null ? "accepts" : "refuses: " + scanError.getMessage()));
    }
    if (treeError != null || streamError != null) {
      if (treeError == null || streamError == null) {
        errors.add(name + ": tree " + (treeError == null ? "accepts" : "refuses: " + treeError.getMessage())
            + ", streaming " + (streamError == null ? "accepts" : "refuses: " + streamError.getMessage()));
      } else if (treeError.isDuplicateKey() != streamError.isDuplicateKey()) {
        errors.add(name + ": duplicate-key cause differs: " + treeError.getMessage() + " / " + streamError.getMessage());
      } else if (treeError.isDuplicateKey() && !treeError.getMessage().equals(streamError.getMessage())) {
        errors.add(name + ": duplicate reported differently: " + treeError.getMessage() + " / " + streamError.getMessage());
      }
    } else if (!java.util.Arrays.equals(tree, streamed)) {
      errors.add(name + ": " + new String(streamed, StandardCharsets.ISO_8859_1) + " != "
          + new String(tree, StandardCharsets.ISO_8859_1));
    }
  }

  /* --------------- fixtures --------------- */

  @Test
  void read_referenceVectors_byteIdenticalToTreePathAndSignedString() {
    JsonNode vectors = CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors");
    List<String> errors = new ArrayList<>();
    int n = 0;
    for (JsonNode v : vectors) {
      n++;
      String name = v.get("name").textValue();
      byte[] wire = v.get("wire_body").textValue().getBytes(StandardCharsets.UTF_8);
      assertSameAsTree(wire, CREDENTIALS, errors, name);
      assertSameAsTree(wire, Set.of(), errors, name + " (whole)");
      byte[] relayed = CanonicalJson.encodePythonDefault(CanonicalJson.parse(wire));
      assertSameAsTree(relayed, CREDENTIALS, errors, name + " (relay form)");
      if (v.has("canonical_signed_string")) {
        byte[] expected = v.get("canonical_signed_string").textValue().getBytes(StandardCharsets.UTF_8);
        if (!java.util.Arrays.equals(FEDMSG1.read(wire).canonical(), expected)) {
          errors.add(name + ": not the reference's signed string");
        }
      }
    }
    assertThat(n).isEqualTo(34);
    assertThat(errors).isEmpty();
  }

  @Test
  void read_productionMessages_byteIdenticalToTreePathInAnyKeyOrder() {
    JsonNode messages = CanonicalJson.parse(Fixtures.productionMessagesJson());
    List<String> errors = new ArrayList<>();
    int n = 0;
    for (JsonNode m : messages) {
      n++;
      assertSameAsTree(CanonicalJson.encode(m), CREDENTIALS, errors, "message " + n);
      assertSameAsTree(CanonicalJson.encodePythonDefault(reversed(m)), CREDENTIALS, errors, "message " + n + " reversed");
    }
    assertThat(n).isEqualTo(25);
    assertThat(errors).isEmpty();
  }

  /** The same data with every object's keys in reverse order: the reader must reorder at each level. */
  private static JsonNode reversed(JsonNode n) {
    if (n.isObject()) {
      List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
      n.properties().forEach(entries::add);
      Collections.reverse(entries);
      ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      entries.forEach(e -> o.set(e.getKey(), reversed(e.getValue())));
      return o;
    }
    if (n.isArray()) {
      com.fasterxml.jackson.databind.node.ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
      n.forEach(x -> a.add(reversed(x)));
      return a;
    }
    return n;
  }

  @Test
  void read_pythonGeneratedCases_matchPythonJsonDumps() throws IOException {
    List<String> errors = new ArrayList<>();
    int n = 0;
    try (InputStream in = CanonicalJsonTest.class.getResourceAsStream("json_cases.jsonl")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        JsonNode c = CanonicalJson.parse(line);
        String input = c.get("input").textValue();
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        if (!new String(bytes, StandardCharsets.UTF_8).equals(input)) {
          continue;  // lone surrogates have no UTF-8 form: they only arrive escaped
        }
        n++;
        try {
          CanonicalJson.parseUnique(bytes);
        } catch (MalformedJsonException e) {
          assertSameAsTree(bytes, Set.of(), errors, input);  // a repeated key: refused by both
          continue;
        }
        try {
          String canonical = new String(ALL.read(bytes).canonical(), StandardCharsets.US_ASCII);
          if (!canonical.equals(c.get("canonical").textValue())) {
            errors.add(input + ": " + canonical);
          }
        } catch (MalformedJsonException e) {
          errors.add(input + ": " + e.getMessage());
        }
      }
    }
    assertThat(n).isGreaterThan(350);
    assertThat(errors).isEmpty();
  }

  /* --------------- refusals, as the tree path --------------- */

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":1,\"a\":2}", "{\"x\":{\"b\":1,\"b\":1}}", "[{\"c\":[],\"c\":{}}]",
      "{\"signature\":\"a\",\"signature\":\"b\"}", "{\"certificate\":{\"k\":1,\"k\":2}}"})
  void read_repeatedKeyAnywhere_refusedAsDuplicateKey(String text) {
    assertThatThrownBy(() -> FEDMSG1.read(text.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.isDuplicateKey()).isTrue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "{", "{\"a\":1} {}", "{\"a\":1}x", "{\"a\":}", "[1,]", "{\"a\" 1}", "01",
      "{\"certificate\":\"abc}", "{\"certificate\":\"a\u0001b\"}", "{\"signature\":tru}", "\"\\x\""})
  void read_malformed_refusedAsTreePathRefuses(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> treePath(b, CREDENTIALS)).isInstanceOf(MalformedJsonException.class);
    assertThatThrownBy(() -> FEDMSG1.read(b))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.isDuplicateKey()).isFalse());
  }

  /**
   * Found by {@link #read_mutatedCanonicalBytes_sameBytesOrSameRefusalAsTreePath}: keys that share a
   * lone high surrogate and then differ ("\\ud800\\u001e\\u001d" before "\\ud800\\ud800\\udd68")
   * compared as equal, so the streaming path refused a repeated key the tree path does not see, ahead
   * of the real, later error (the tree path's first error in document order).
   */
  @Test
  void read_keysSharingALoneHighSurrogate_notARepeat_sameRefusalAsTreePath() {
    String mutated = "{\"\\u3ff5\\uefa7\":1000,\"\\ud800\\u001e\\u001d\":1e+19,"
        + "\"\\ud800\\ud800\\udd68\":-219785&,\"\\udffd\\udd75\":67667}";
    byte[] b = mutated.getBytes(StandardCharsets.US_ASCII);
    MalformedJsonException tree = catchThrowableOfType(MalformedJsonException.class, () -> treePath(b, CREDENTIALS));
    assertThat(tree).isNotNull();
    assertThat(tree.isDuplicateKey()).isFalse();
    assertThatThrownBy(() -> FEDMSG1.read(b)).isInstanceOfSatisfying(MalformedJsonException.class,
        e -> assertThat(e.getMessage()).isEqualTo(tree.getMessage()));
    assertThatThrownBy(() -> StreamingCanonicalJson.scanner(Set.of("topic")).read(b))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.isDuplicateKey()).isFalse());
    List<String> errors = new ArrayList<>();
    assertSameAsTree(b, CREDENTIALS, errors, "mutated canonical");
    // without the error: accepted by both, in code point order (U+001E before U+10168)
    String valid = "{\"\\ud800\\ud800\\udd68\":2,\"\\ud800\\u001e\\u001d\":1}";
    byte[] v = valid.getBytes(StandardCharsets.US_ASCII);
    assertSameAsTree(v, CREDENTIALS, errors, "valid");
    assertThat(errors).isEmpty();
    assertThat(new String(ALL.read(v).canonical(), StandardCharsets.US_ASCII))
        .isEqualTo("{\"\\ud800\\u001e\\u001d\":1,\"\\ud800\\ud800\\udd68\":2}");
  }

  @Test
  void read_invalidUtf8InsideSkippedCertificate_refused() {
    byte[] b = "{\"certificate\":\"ab?cd\",\"topic\":\"t\"}".getBytes(StandardCharsets.US_ASCII);
    b[17] = (byte) 0xc3;  // a lead byte followed by an ASCII byte
    assertThatThrownBy(() -> treePath(b, CREDENTIALS)).isInstanceOf(MalformedJsonException.class);
    assertThatThrownBy(() -> FEDMSG1.read(b)).isInstanceOf(MalformedJsonException.class);
  }

  @Test
  void read_tooDeep_refusedAsTreePath() {
    String deep = "[".repeat(CanonicalJson.MAX_DEPTH + 1) + "]".repeat(CanonicalJson.MAX_DEPTH + 1);
    byte[] b = deep.getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> treePath(b, Set.of())).isInstanceOf(MalformedJsonException.class);
    assertThatThrownBy(() -> ALL.read(b)).isInstanceOf(MalformedJsonException.class);
    String limit = "[".repeat(CanonicalJson.MAX_DEPTH) + "]".repeat(CanonicalJson.MAX_DEPTH);
    assertThat(ALL.read(limit.getBytes(StandardCharsets.US_ASCII)).canonical())
        .isEqualTo(treePath(limit.getBytes(StandardCharsets.US_ASCII), Set.of()));
  }

  /* --------------- captured fields --------------- */

  @Test
  void read_capturedFields_asTheTreeHasThem() {
    String text = "{\"z\":{\"q\":1},\"timestamp\":1.5e9,\"msg_id\":\"2026-x\",\"topic\":{\"not\":\"a string\"},"
        + "\"crypto\":null,\"signature\":\"c2ln\\nbmF0dXJl\",\"certificate\":\"Y2VydA==\\n\",\"i\":7}";
    CanonicalBody body = FEDMSG1.read(text.getBytes(StandardCharsets.UTF_8));
    JsonNode tree = CanonicalJson.parseUnique(text.getBytes(StandardCharsets.UTF_8));
    assertThat(body.isObject()).isTrue();
    assertThat(body.field("timestamp")).isEqualTo(tree.get("timestamp"));
    assertThat(body.field("msg_id")).isEqualTo(tree.get("msg_id"));
    assertThat(body.field("crypto")).isEqualTo(tree.get("crypto"));
    assertThat(body.field("signature")).isEqualTo(tree.get("signature"));
    assertThat(body.field("certificate")).isEqualTo(tree.get("certificate"));
    assertThat(body.field("topic").isObject()).isTrue();
    assertThat(body.field("topic").isEmpty()).isTrue();
    assertThat(body.has("i")).isFalse();  // not captured
    assertThat(body.field("username")).isNull();
    String literal = new String(body.source(), body.rawFrom("certificate"), body.rawTo("certificate")
        - body.rawFrom("certificate"), StandardCharsets.US_ASCII);
    assertThat(literal).isEqualTo("Y2VydA==\\n");
    assertThat(new String(body.canonical(), StandardCharsets.US_ASCII))
        .isEqualTo(new String(treePath(text.getBytes(StandardCharsets.UTF_8), CREDENTIALS), StandardCharsets.US_ASCII));
  }

  @Test
  void read_notAnObject_canonicalisedButNotAnObject() {
    CanonicalBody body = FEDMSG1.read("[1, {\"b\":2, \"a\":1}]".getBytes(StandardCharsets.US_ASCII));
    assertThat(body.isObject()).isFalse();
    assertThat(new String(body.canonical(), StandardCharsets.US_ASCII)).isEqualTo("[1,{\"a\":1,\"b\":2}]");
  }

  /* --------------- properties against the tree path --------------- */

  @Property(tries = 1000)
  void read_anyTreeInPythonDefaultLayout_byteIdenticalToTreePath(@ForAll("json") JsonNode tree) {
    List<String> errors = new ArrayList<>();
    byte[] relayForm = CanonicalJson.encodePythonDefault(reversed(tree));
    assertSameAsTree(relayForm, CREDENTIALS, errors, "reversed");
    assertSameAsTree(CanonicalJson.encode(tree), Set.of("a", "signature"), errors, "canonical");
    assertThat(errors).isEmpty();
  }

  @Property(tries = 2000)
  void read_mutatedBytes_sameBytesOrSameRefusalAsTreePath(@ForAll("json") JsonNode tree,
      @ForAll("mutations") List<int[]> mutations) {
    byte[] b = CanonicalJson.encodePythonDefault(tree);
    for (int[] m : mutations) {
      if (b.length > 0) {
        b[Math.floorMod(m[0], b.length)] = (byte) m[1];
      }
    }
    List<String> errors = new ArrayList<>();
    assertSameAsTree(b, CREDENTIALS, errors, "mutated");
    assertThat(errors).isEmpty();
  }

  @Property(tries = 2000)
  void read_arbitraryText_sameBytesOrSameRefusalAsTreePath(@ForAll("jsonish") String text) {
    List<String> errors = new ArrayList<>();
    assertSameAsTree(text.getBytes(StandardCharsets.UTF_8), CREDENTIALS, errors, "text");
    assertThat(errors).isEmpty();
    Throwable t = catchThrowable(() -> FEDMSG1.read(text.getBytes(StandardCharsets.UTF_8)));
    assertThat(t == null || t instanceof MalformedJsonException).isTrue();
  }

  @Property(tries = 3000)
  void read_mutatedCanonicalBytes_sameBytesOrSameRefusalAsTreePath(@ForAll("json") JsonNode tree,
      @ForAll("mutations") List<int[]> mutations) {
    byte[] b = CanonicalJson.encode(tree);
    for (int[] m : mutations) {
      if (b.length > 0) {
        b[Math.floorMod(m[0], b.length)] = (byte) m[1];
      }
    }
    List<String> errors = new ArrayList<>();
    assertSameAsTree(b, CREDENTIALS, errors, "mutated canonical");
    assertThat(errors).isEmpty();
  }

  /* --------------- the canonical fast path --------------- */

  @Test
  void read_canonicalInput_takesTheFastPathWithTheSameFieldsAsTheTokenPath() {
    List<String> errors = new ArrayList<>();
    int fast = 0;
    Set<String> capture = Set.of("signature", "certificate", "crypto", "topic", "msg_id", "timestamp", "i", "msg");
    java.util.Map<String, Integer> slots = new java.util.HashMap<>();
    for (String c : List.copyOf(capture)) {
      slots.put(c, slots.size());
    }
    StreamingCanonicalJson reader = StreamingCanonicalJson.of(CREDENTIALS, capture);
    for (JsonNode v : CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors")) {
      byte[] wire = v.get("wire_body").textValue().getBytes(StandardCharsets.UTF_8);
      CanonicalBody viaFast = CanonicalInput.read(wire, CREDENTIALS, slots, StreamingCanonicalJson.LAZY_LENGTH);
      if (viaFast == null) {
        continue;
      }
      fast++;
      // the same document laid out as a relay does is not canonical: it takes the token path
      byte[] relayed = CanonicalJson.encodePythonDefault(CanonicalJson.parse(wire));
      assertThat(CanonicalInput.read(relayed, CREDENTIALS, slots, StreamingCanonicalJson.LAZY_LENGTH)).isNull();
      CanonicalBody viaTokens = reader.read(relayed);
      if (!java.util.Arrays.equals(viaFast.canonical(), viaTokens.canonical())) {
        errors.add(v.get("name").asText() + ": canonical bytes differ");
      }
      for (String c : capture) {
        if (!java.util.Objects.equals(viaFast.field(c), viaTokens.field(c))) {
          errors.add(v.get("name").asText() + ": field " + c + " " + viaFast.field(c) + " / " + viaTokens.field(c));
        }
      }
      if (!viaFast.envelope().equals(viaTokens.envelope())) {
        errors.add(v.get("name").asText() + ": envelope " + viaFast.envelope() + " / " + viaTokens.envelope());
      }
    }
    assertThat(errors).isEmpty();
    assertThat(fast).isGreaterThanOrEqualTo(30);  // the others are relayed forms, or have escaped keys
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":1, \"b\":2}", "{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":1}", "{\"a\":-0}",
      "{\"a\":1.50}", "{\"a\":1E+16}", "{\"a\":\"\\/\"}", "{\"a\":\"\\u0041\"}", "{\"a\":\"\\u00E9\"}",
      "{\"a\":\"\u00e9\"}", "{\"a\":1} ", "{\"a\\n\":1}", "[1]", "{\"a\":01}", "{\"a\":1e999}"})
  void canonicalInput_anythingNotExactlyCanonical_leftToTheTokenPath(String text) {
    assertThat(CanonicalInput.read(text.getBytes(StandardCharsets.UTF_8), Set.of(), java.util.Map.of(), 1024)).isNull();
  }

  @Provide
  Arbitrary<JsonNode> json() {
    return new CanonicalJsonPropertyTest().json().map(StreamingCanonicalJsonTest::withCredentials);
  }

  /** Half the trees get fedmsg/1-like credential fields at the top, to exercise the skipped members. */
  private static JsonNode withCredentials(JsonNode tree) {
    if (tree instanceof ObjectNode o && o.size() % 2 == 0) {
      ObjectNode c = o.deepCopy();
      c.put("signature", "c2lnbmF0dXJl\n");
      c.putObject("certificate").put("nested", "\u00e9\\\"");
      return c;
    }
    return tree;
  }

  @Provide
  Arbitrary<List<int[]>> mutations() {
    return new CanonicalJsonPropertyTest().mutations();
  }

  @Provide
  Arbitrary<String> jsonish() {
    Arbitrary<String> members = Arbitraries.of("{\"a\":1,\"a\":2}", "\"signature\":", "\"certificate\":", "\"z\":[1,2]",
        "{\"b\":1,\"a\":{\"d\":1,\"c\":2}}");
    return Arbitraries.oneOf(new CanonicalJsonPropertyTest().jsonish(),
        Arbitraries.oneOf(members, new CanonicalJsonPropertyTest().jsonish()).list().ofMaxSize(8)
            .map(l -> "{" + String.join("", l)));
  }
}
