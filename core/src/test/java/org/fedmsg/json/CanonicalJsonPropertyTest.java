package org.fedmsg.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CanonicalJsonPropertyTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** One escape sequence: a backslash-u escape (group 1 = its hex) or a two-char escape. */
  private static final java.util.regex.Pattern ESCAPE = java.util.regex.Pattern.compile("\\\\u(.{4})|\\\\(.)");

  /* --------------- round trips --------------- */

  @Property(tries = 500)
  void encode_parseEncode_isIdentical(@ForAll("json") JsonNode tree) {
    byte[] once = CanonicalJson.encode(tree);
    JsonNode back = CanonicalJson.parse(once);
    assertThat(CanonicalJson.encode(back)).isEqualTo(once);
    assertSameData(back, tree);
  }

  @Property(tries = 300)
  void encodePythonDefault_parse_recanonicalisesIdentically(@ForAll("json") JsonNode tree) {
    byte[] relayed = CanonicalJson.encodePythonDefault(tree);
    assertThat(CanonicalJson.encode(CanonicalJson.parse(relayed))).isEqualTo(CanonicalJson.encode(tree));
  }

  @Property(tries = 500)
  void encode_anyTree_followsDocumentedRules(@ForAll("json") JsonNode tree) {
    byte[] out = CanonicalJson.encode(tree);
    for (byte b : out) {
      assertThat(b).isBetween((byte) 0x20, (byte) 0x7e); // printable ASCII only: everything else escaped
    }
    String text = new String(out, StandardCharsets.US_ASCII);
    java.util.regex.Matcher m = ESCAPE.matcher(text);
    while (m.find()) {
      if (m.group(1) != null) {
        assertThat(m.group(1)).as("hex of \\u escape").matches("[0-9a-f]{4}");
      } else {
        assertThat(m.group(2)).as("short escape (never \\/)").isIn("\"", "\\", "b", "f", "n", "r", "t");
      }
    }
    assertKeysInCodePointOrder(CanonicalJson.parse(out));
  }

  private static void assertKeysInCodePointOrder(JsonNode n) {
    if (n.isObject()) {
      String prev = null;
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        if (prev != null) {
          assertThat(prev.codePoints().toArray()).as("keys in code point order")
              .satisfies(p -> assertThat(compareArrays(p, e.getKey().codePoints().toArray())).isNegative());
        }
        prev = e.getKey();
        assertKeysInCodePointOrder(e.getValue());
      }
    } else if (n.isArray()) {
      n.forEach(CanonicalJsonPropertyTest::assertKeysInCodePointOrder);
    }
  }

  private static int compareArrays(int[] a, int[] b) {
    return java.util.Arrays.compare(a, b);
  }

  /** Same data as Python sees it: numbers by kind and value (floats by bits), strings by chars. */
  private static void assertSameData(JsonNode actual, JsonNode expected) {
    if (expected.isFloatingPointNumber()) {
      assertThat(actual.isFloatingPointNumber()).isTrue();
      assertThat(Double.doubleToLongBits(actual.doubleValue())).isEqualTo(Double.doubleToLongBits(expected.doubleValue()));
    } else if (expected.isIntegralNumber()) {
      assertThat(actual.isIntegralNumber()).isTrue();
      assertThat(actual.bigIntegerValue()).isEqualTo(expected.bigIntegerValue());
    } else if (expected.isObject()) {
      assertThat(actual.size()).isEqualTo(expected.size());
      for (Map.Entry<String, JsonNode> e : expected.properties()) {
        assertThat(actual.has(e.getKey())).isTrue();
        assertSameData(actual.get(e.getKey()), e.getValue());
      }
    } else if (expected.isArray()) {
      assertThat(actual.size()).isEqualTo(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertSameData(actual.get(i), expected.get(i));
      }
    } else {
      assertThat(actual).isEqualTo(expected);
    }
  }

  /* --------------- parse never throws anything else --------------- */

  @Property(tries = 2000)
  void parse_arbitraryText_returnsTreeOrMalformedJsonException(@ForAll("jsonish") String text) {
    Throwable t = catchThrowable(() -> CanonicalJson.parse(text));
    assertThat(t).satisfiesAnyOf(x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(MalformedJsonException.class));
    Throwable tb = catchThrowable(() -> CanonicalJson.parse(text.getBytes(StandardCharsets.UTF_8)));
    assertThat(tb).satisfiesAnyOf(x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(MalformedJsonException.class));
  }

  @Property(tries = 1000)
  void parse_mutatedCanonicalBytes_returnsTreeOrMalformedJsonException(
      @ForAll("json") JsonNode tree, @ForAll("mutations") List<int[]> mutations) {
    byte[] b = CanonicalJson.encode(tree);
    for (int[] m : mutations) {
      if (b.length > 0) {
        b[Math.floorMod(m[0], b.length)] = (byte) m[1];
      }
    }
    Throwable t = catchThrowable(() -> CanonicalJson.parse(b));
    assertThat(t).satisfiesAnyOf(x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(MalformedJsonException.class));
  }

  @Provide
  Arbitrary<List<int[]>> mutations() {
    return Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 255))
        .as((a, b) -> new int[] {a, b}).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<String> jsonish() {
    Arbitrary<String> tokens = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d800", "1", "-",
        "0", ".", "e", "E", "+", "NaN", "Infinity", "-Infinity", "true", "null", " ", "\n", "\"a\"", "1e999",
        "123456789012345678901234567890", "\u00e9", "\ud83d\ude00", "\ud800", "\u0000");
    return Arbitraries.oneOf(tokens.list().ofMaxSize(30).map(l -> String.join("", l)), Arbitraries.strings().ofMaxLength(40));
  }

  /* --------------- generators --------------- */

  @Provide
  Arbitrary<JsonNode> json() {
    return value(3);
  }

  private Arbitrary<JsonNode> value(int depth) {
    if (depth == 0) {
      return scalar();
    }
    Arbitrary<JsonNode> child = Arbitraries.lazy(() -> value(depth - 1));
    Arbitrary<JsonNode> array = child.list().ofMaxSize(4).map(l -> {
      ArrayNode a = F.arrayNode();
      l.forEach(a::add);
      return a;
    });
    Arbitrary<JsonNode> object = Arbitraries.maps(string(), child).ofMaxSize(5).map(m -> {
      ObjectNode o = F.objectNode();
      m.forEach(o::set);
      return o;
    });
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, scalar()), net.jqwik.api.Tuple.of(1, array), net.jqwik.api.Tuple.of(2, object));
  }

  private Arbitrary<JsonNode> scalar() {
    return Arbitraries.oneOf(
        string().map(F::textNode),
        Arbitraries.longs().map(F::numberNode),
        Arbitraries.bigIntegers().between(BigInteger.TWO.pow(200).negate(), BigInteger.TWO.pow(200)).map(F::numberNode),
        doubles().map(F::numberNode),
        Arbitraries.of(F.booleanNode(true), F.booleanNode(false), F.nullNode()));
  }

  private static Arbitrary<Double> doubles() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(Double::longBitsToDouble), // includes NaN, infinities, subnormals
        Arbitraries.longs().between(0, (1L << 52) - 1).map(Double::longBitsToDouble),
        Arbitraries.integers().between(-30, 30).flatMap(e -> Arbitraries.integers().between(-99_999, 99_999)
            .map(m -> m * Math.pow(10, e))),
        Arbitraries.of(0.0, -0.0, 1e16, 1e15, 1e-4, 1e-5, Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL))
        // NaN has several bit patterns; Python and Java both read "NaN" back as one of them.
        .map(d -> Double.isNaN(d) ? Double.NaN : d);
  }

  private static Arbitrary<String> string() {
    Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(6);
    Arbitrary<String> control = Arbitraries.strings().withCharRange('\u0000', '\u001f').withChars('\u007f', '"', '\\', '/')
        .ofMaxLength(3);
    Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0080', '\uffff').ofMaxLength(4);
    Arbitrary<String> astral = Arbitraries.integers().between(0x10000, 0x10ffff).map(Character::toString);
    Arbitrary<String> loneSurrogate = Arbitraries.chars().range('\ud800', '\udfff').map(String::valueOf);
    return Arbitraries.oneOf(ascii, control, bmp, astral, loneSurrogate).list().ofMaxSize(4)
        .map(parts -> {
          List<String> l = new ArrayList<>(parts);
          return String.join("", l);
        });
  }
}
