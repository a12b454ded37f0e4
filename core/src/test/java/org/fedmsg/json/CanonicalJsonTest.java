package org.fedmsg.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalJsonTest {
  private static final Set<String> UNSIGNED_FIELDS = Set.of("signature", "certificate");

  private static String canonical(JsonNode node) {
    return new String(CanonicalJson.encode(node), StandardCharsets.US_ASCII);
  }

  /* --------------- reference vectors --------------- */

  @Test
  void encode_referenceVectors_reproduceCanonicalSignedStringByteForByte() {
    JsonNode vectors = CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors");
    List<String> errors = new ArrayList<>();
    int checked = 0;
    for (JsonNode v : vectors) {
      if (!v.has("canonical_signed_string")) {
        continue;
      }
      checked++;
      ObjectNode signed = ((ObjectNode) v.get("signed")).deepCopy();
      signed.remove(UNSIGNED_FIELDS);
      byte[] expected = v.get("canonical_signed_string").textValue().getBytes(StandardCharsets.UTF_8);
      byte[] actual = CanonicalJson.encode(signed);
      if (!java.util.Arrays.equals(expected, actual)) {
        errors.add(v.get("name").textValue() + ": " + new String(actual, StandardCharsets.UTF_8));
      }
      byte[] without = CanonicalJson.encodeWithout(v.get("signed"), UNSIGNED_FIELDS);
      if (!java.util.Arrays.equals(expected, without)) {
        errors.add(v.get("name").textValue() + " (encodeWithout)");
      }
    }
    assertThat(checked).isEqualTo(17);
    assertThat(errors).isEmpty();
  }

  @Test
  void encode_referenceWireBodies_reproduceWireBodyOfSignedVectors() {
    JsonNode vectors = CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors");
    List<String> errors = new ArrayList<>();
    for (JsonNode v : vectors) {
      if (!v.has("canonical_signed_string")) {
        continue;
      }
      // The wire body a reference publisher sends is the canonical form of the signed dict.
      String wire = v.get("wire_body").textValue();
      if (!canonical(v.get("signed")).equals(wire)) {
        errors.add(v.get("name").textValue());
      }
      if (!canonical(CanonicalJson.parse(wire.getBytes(StandardCharsets.UTF_8))).equals(wire)) {
        errors.add(v.get("name").textValue() + " (reparsed)");
      }
    }
    assertThat(errors).isEmpty();
  }

  @Test
  void parse_reserializedWireBody_recanonicalisesToSignedContent() {
    JsonNode vector = null;
    for (JsonNode v : CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors")) {
      if (v.get("name").textValue().equals("reserialized_wire_body")) {
        vector = v;
      }
    }
    assertThat(vector).isNotNull();
    String wire = vector.get("wire_body").textValue();
    assertThat(wire).contains("\n").doesNotStartWith("{\"certificate\"");

    JsonNode parsed = CanonicalJson.parse(wire.getBytes(StandardCharsets.UTF_8));

    assertThat(CanonicalJson.encodeWithout(parsed, UNSIGNED_FIELDS))
        .isEqualTo(CanonicalJson.encodeWithout(vector.get("signed"), UNSIGNED_FIELDS));
    assertThat(canonical(parsed)).isEqualTo(canonical(vector.get("signed")));
  }

  @Test
  void encodePythonDefault_canonicalBody_isRelayFormThatRecanonicalisesIdentically() {
    for (JsonNode v : CanonicalJson.parse(Fixtures.signedVectorsJson()).get("vectors")) {
      JsonNode signed = v.get("signed");
      byte[] relayed = CanonicalJson.encodePythonDefault(signed);
      assertThat(new String(relayed, StandardCharsets.US_ASCII)).contains("\": ");
      assertThat(CanonicalJson.encode(CanonicalJson.parse(relayed))).isEqualTo(CanonicalJson.encode(signed));
    }
  }

  @Test
  void encode_productionMessages_roundTripThroughParse() {
    JsonNode messages = CanonicalJson.parse(Fixtures.productionMessagesJson());
    assertThat(messages.size()).isEqualTo(25);
    for (JsonNode m : messages) {
      byte[] once = CanonicalJson.encode(m);
      assertThat(CanonicalJson.encode(CanonicalJson.parse(once))).isEqualTo(once);
    }
  }

  /* --------------- Python-generated cases --------------- */

  @Test
  void encode_pythonGeneratedCases_matchPythonJsonDumps() throws IOException {
    List<String> errors = new ArrayList<>();
    int n = 0;
    try (InputStream in = getClass().getResourceAsStream("json_cases.jsonl")) {
      assertThat(in).isNotNull();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        JsonNode c = CanonicalJson.parse(line);
        String input = c.get("input").textValue();
        JsonNode parsed = CanonicalJson.parse(input);
        n++;
        String canonical = canonical(parsed);
        String dflt = new String(CanonicalJson.encodePythonDefault(parsed), StandardCharsets.US_ASCII);
        if (!canonical.equals(c.get("canonical").textValue())) {
          errors.add("canonical of " + quoted(input) + ": " + canonical);
        }
        if (!dflt.equals(c.get("default").textValue())) {
          errors.add("default of " + quoted(input) + ": " + dflt);
        }
        if (isWellFormedUtf16(input)) {
          // What arrives on the wire: the same text as UTF-8 bytes.
          String fromBytes = canonical(CanonicalJson.parse(input.getBytes(StandardCharsets.UTF_8)));
          if (!fromBytes.equals(canonical)) {
            errors.add("canonical of UTF-8 bytes of " + quoted(input) + ": " + fromBytes);
          }
        }
      }
    }
    assertThat(n).isGreaterThan(400);
    assertThat(errors).isEmpty();
  }

  private static boolean isWellFormedUtf16(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static String quoted(String s) {
    return canonical(JsonNodeFactory.instance.textNode(s));
  }

  /* --------------- rules, one by one --------------- */

  @Test
  void encode_keys_sortedByCodePointNotUtf16() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("\ud83d\ude00", 1);
    o.put("\uffff", 2);
    o.put("\ue000", 3);
    o.put("z", 4);
    o.put("\ud800", 5); // lone surrogate: code point U+D800, below U+E000
    assertThat(canonical(o))
        .isEqualTo("{\"z\":4,\"\\ud800\":5,\"\\ue000\":3,\"\\uffff\":2,\"\\ud83d\\ude00\":1}");
  }

  @Test
  void compareCodePoints_pairAgainstLoneHighSurrogatePrefix_ordersByCodePoint() {
    // Equal first char (a high surrogate); then a low surrogate (pair) vs 'a' (lone high).
    String pair = "\ud83d\ude00";
    String lone = "\ud83da";
    assertThat(CanonicalJson.compareCodePoints(lone, pair)).isNegative();
    assertThat(CanonicalJson.compareCodePoints(pair, lone)).isPositive();
    assertThat(CanonicalJson.compareCodePoints("ab", "abc")).isNegative();
    assertThat(CanonicalJson.compareCodePoints("abc", "abc")).isZero();
    // a lone high surrogate shared by both, then different chars: not equal (it pairs with neither)
    assertThat(CanonicalJson.compareCodePoints("\ud800\u001e", "\ud800\ud800\udd68")).isNegative();
    assertThat(CanonicalJson.compareCodePoints("\ud800\ud800\udd68", "\ud800\u001e")).isPositive();
  }

  @Test
  void encode_strings_escapeExactlyAsPython() {
    String s = "q\" b\\ s/ t\t n\n r\r b\b f\f nul\u0000 us\u001f del\u007f \u0080 \u00e9 \u2028 \ud83d\ude00 \ud800";
    assertThat(canonical(JsonNodeFactory.instance.textNode(s)))
        .isEqualTo("\"q\\\" b\\\\ s/ t\\t n\\n r\\r b\\b f\\f nul\\u0000 us\\u001f del\\u007f \\u0080 "
            + "\\u00e9 \\u2028 \\ud83d\\ude00 \\ud800\"");
  }

  @Test
  void encode_longStringAcrossChunks_everyCharEscaped() {
    StringBuilder in = new StringBuilder();
    StringBuilder expected = new StringBuilder("\"");
    for (int i = 0; i < 20_000; i++) {
      char c = i % 3 == 0 ? '\u00e9' : (char) ('a' + i % 26);
      in.append(c);
      expected.append(c == '\u00e9' ? "\\u00e9" : String.valueOf(c));
    }
    expected.append('"');
    assertThat(canonical(JsonNodeFactory.instance.textNode(in.toString()))).isEqualTo(expected.toString());
  }

  @Test
  void encode_numbers_integersInFullAndFloatsAsRepr() {
    JsonNode n = CanonicalJson.parse("[18446744073709551616, -1180591620717411303424, -0, 0, 1E2, 1.50, 1e400,"
        + " -1e400, -0.0, 1504643014.0, 9223372036854775807, -9223372036854775808]");
    assertThat(canonical(n)).isEqualTo("[18446744073709551616,-1180591620717411303424,0,0,100.0,1.5,Infinity,"
        + "-Infinity,-0.0,1504643014.0,9223372036854775807,-9223372036854775808]");
    assertThat(n.get(0).bigIntegerValue()).isEqualTo(BigInteger.TWO.pow(64));
    assertThat(n.get(4).isDouble()).isTrue();
    assertThat(n.get(2).isIntegralNumber()).isTrue();
  }

  @Test
  void encode_nonDoubleNumberNodes_becomePythonIntsAndFloats() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    JsonNode a = f.arrayNode().add(f.numberNode((short) 7)).add(f.numberNode(0.5f))
        .add(f.numberNode(new BigDecimal("2.50"))).add(f.numberNode(BigInteger.valueOf(-3)));
    assertThat(canonical(a)).isEqualTo("[7,0.5,2.5,-3]");
  }

  @Test
  void encode_nonDataNode_throwsIllegalArgument() {
    JsonNode pojo = JsonNodeFactory.instance.pojoNode(new Object());
    assertThatThrownBy(() -> CanonicalJson.encode(pojo))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("POJO");
  }

  @Test
  void encode_tooDeep_throwsIllegalArgument() {
    JsonNode deep = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < CanonicalJson.MAX_DEPTH + 5; i++) {
      deep = JsonNodeFactory.instance.arrayNode().add(deep);
    }
    JsonNode tree = deep;
    assertThatThrownBy(() -> CanonicalJson.encode(tree))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deeper");
  }

  @Test
  void parse_duplicateKeys_lastWinsAtFirstPosition() {
    JsonNode n = CanonicalJson.parse("{\"b\": 1, \"a\": 2, \"b\": 3}");
    assertThat(n.get("b").intValue()).isEqualTo(3);
    assertThat(new String(CanonicalJson.encodePythonDefault(n), StandardCharsets.US_ASCII))
        .isEqualTo("{\"b\": 3, \"a\": 2}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"msg\": 1, \"msg\": 2}", "{\"a\": {\"b\": 1, \"b\": 1}}", "[{\"x\": 0, \"y\": 1, \"x\": 0}]",
      "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"a\":5}"})
  void parseUnique_repeatedKeyAtAnyDepth_refusedAsDuplicateKey(String text) {
    assertThatThrownBy(() -> CanonicalJson.parseUnique(text.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.isDuplicateKey()).isTrue())
        .hasMessageContaining("Duplicate field");
    assertThat(CanonicalJson.parse(text)).as("the lenient parser keeps the last, as Python").isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\": 1, \"b\": {\"a\": 2}}", "[{\"a\": 1}, {\"a\": 2}]", "{\"\": 1, \" \": 2}"})
  void parseUnique_sameKeyInDifferentObjects_accepted(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    assertThat(CanonicalJson.parseUnique(b)).isEqualTo(CanonicalJson.parse(b));
  }

  @Test
  void parseUnique_sharedVectorsAndProductionMessages_haveNoRepeatedKey() {
    for (String json : List.of(Fixtures.signedVectorsJson(), Fixtures.productionMessagesJson())) {
      byte[] b = json.getBytes(StandardCharsets.UTF_8);
      assertThat(CanonicalJson.parseUnique(b)).isEqualTo(CanonicalJson.parse(b));
    }
  }

  @Test
  void parseUnique_otherErrors_notDuplicateKey() {
    assertThatThrownBy(() -> CanonicalJson.parseUnique("{\"a\": 1".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(MalformedJsonException.class, e -> assertThat(e.isDuplicateKey()).isFalse());
  }

  @Test
  void parse_byteRange_readsOnlyThatRange() {
    byte[] b = "xx[1, 2]yy".getBytes(StandardCharsets.US_ASCII);
    assertThat(canonical(CanonicalJson.parse(b, 2, 6))).isEqualTo("[1,2]");
  }

  /* --------------- errors --------------- */

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "{", "{\"a\" 1}", "[1,]", "{\"a\":1}x", "{} {}", "01", "1.", ".5",
      "'a'", "\"\t\"", "[1] // c", "nan", "{\"a\":\"\\x\"}", "\"\\u12\"", "tru"})
  void parse_malformed_throwsMalformedJsonException(String text) {
    assertThatThrownBy(() -> CanonicalJson.parse(text))
        .isInstanceOf(MalformedJsonException.class).hasMessageStartingWith("malformed JSON");
    assertThatThrownBy(() -> CanonicalJson.parse(text.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedJsonException.class);
  }

  @Test
  void parse_invalidUtf8_throwsMalformedJsonException() {
    byte[] bad = {'"', (byte) 0xff, (byte) 0xfe, '"'};
    assertThatThrownBy(() -> CanonicalJson.parse(bad)).isInstanceOf(MalformedJsonException.class);
  }

  @Test
  void parse_syntaxError_messageNamesLineAndColumn() {
    assertThatThrownBy(() -> CanonicalJson.parse("{\n  \"a\": ]\n}"))
        .isInstanceOf(MalformedJsonException.class).hasMessageContaining("line 2");
  }

  @Test
  void parse_numberLongerThanPythonLimit_throwsMalformedJsonException() {
    String ok = "1".repeat(CanonicalJson.MAX_NUMBER_LENGTH);
    assertThat(CanonicalJson.parse(ok).bigIntegerValue().toString()).isEqualTo(ok);
    assertThatThrownBy(() -> CanonicalJson.parse(ok + "1")).isInstanceOf(MalformedJsonException.class);
  }

  @Test
  void parse_nestedDeeperThanLimit_throwsMalformedJsonException() {
    String deep = "[".repeat(CanonicalJson.MAX_DEPTH + 1) + "]".repeat(CanonicalJson.MAX_DEPTH + 1);
    assertThatThrownBy(() -> CanonicalJson.parse(deep)).isInstanceOf(MalformedJsonException.class);
  }

  /* --------------- floats: the reference document's examples --------------- */

  @ParameterizedTest
  @CsvSource({
      "1.0, 1.0", "100.0, 100.0", "0.0001, 0.0001", "1504642719.23539, 1504642719.23539",
      "1000000000000000.0, 1000000000000000.0", "1e16, 1e+16", "0.00001, 1e-05", "1e-7, 1e-07",
      "123456789012345678, 1.2345678901234568e+17", "1.7976931348623157e308, 1.7976931348623157e+308",
      "4.9e-324, 5e-324", "1e22, 1e+22", "-0.0, -0.0", "0.1, 0.1", "1.5e300, 1.5e+300", "0.000123, 0.000123",
      "2.5e-05, 2.5e-05", "1504643014.0, 1504643014.0", "123456789.123, 123456789.123",
      "2.82879384806159E17, 2.82879384806159e+17", "1.18575755E-316, 1.18575755e-316"})
  void floatRepr_referenceExamples_matchPython(String javaLiteral, String python) {
    assertThat(CanonicalJson.floatRepr(Double.parseDouble(javaLiteral))).isEqualTo(python);
  }

  @Test
  void floatRepr_nonFinite_pythonSpellings() {
    assertThat(CanonicalJson.floatRepr(Double.NaN)).isEqualTo("NaN");
    assertThat(CanonicalJson.floatRepr(Double.POSITIVE_INFINITY)).isEqualTo("Infinity");
    assertThat(CanonicalJson.floatRepr(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
  }
}
