package org.fedmsg.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;

/**
 * JSON exactly as the reference Python fedmsg reads and writes it (fedmsg/1).
 *
 * <p><b>Parsing</b> ({@link #parse(byte[])}) accepts what Python's {@code json.loads} accepts
 * from a reference publisher or relay: any whitespace and key order, duplicate keys (the last
 * one wins, at the first one's position; receivers use {@link #parseUnique(byte[])}, which refuses
 * them), {@code NaN}, {@code Infinity}, {@code -Infinity},
 * integers of any size (up to {@value #MAX_NUMBER_LENGTH} characters, Python's own limit), and
 * lone surrogate escapes such as {@code "\ud800"}. Numbers without {@code .}, {@code e} or
 * {@code E} become integer nodes ({@code -0} is {@code 0}); the others become double nodes, even
 * when integral ({@code 1E2} is {@code 100.0}), and overflow to infinity as in Python.
 *
 * <p><b>Canonical encoding</b> ({@link #encode(JsonNode)}) is byte for byte Python's {@code
 * json.dumps(obj, sort_keys=True, separators=(',', ':'))}, which is what fedmsg/1 signs: keys
 * sorted by Unicode code point (not by UTF-16 unit as {@link String#compareTo} would), strings
 * with ASCII-only escapes in lower-case hex ({@code \b \f \n \r \t \" \\} short, everything else
 * outside 0x20..0x7E as {@code \}{@code uXXXX}, astral characters as surrogate pairs, {@code /}
 * not escaped), integers in full, floats as Python's {@code repr} ({@link #floatRepr(double)}).
 * The output is ASCII, so its bytes are also its UTF-8 encoding.
 *
 * <p>{@link #encodePythonDefault(JsonNode)} writes Python's plain {@code json.dumps(obj)} layout,
 * the form the reference relay re-serialises bodies into.
 *
 * <p>Thread-safe: all methods are static and share only immutable, pre-configured Jackson
 * readers. Trees are only read, never modified.
 */
public final class CanonicalJson {
  /** Longest number text accepted, in characters: Python's limit for integer conversion. */
  public static final int MAX_NUMBER_LENGTH = 4300;

  /** Deepest nesting of arrays and objects accepted or written, as Python's recursion limit. */
  public static final int MAX_DEPTH = JsonWriter.MAX_DEPTH;

  private static final Set<String> NONE = Set.of();

  private static final ObjectReader READER = newReader(false);

  /** Same rules, plus: a repeated key in any object is an error (Jackson's duplicate detection). */
  private static final ObjectReader UNIQUE_READER = newReader(true);

  private CanonicalJson() {}

  private static ObjectReader newReader(boolean uniqueKeys) {
    JsonMapper mapper = JsonMapper.builder(factory(uniqueKeys))
        // Python reports "Extra data" after the document; so do we.
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();
    return mapper.readerFor(JsonNode.class);
  }

  /** The parser settings of every reader here; {@link StreamingCanonicalJson} shares them. */
  static JsonFactory factory(boolean uniqueKeys) {
    return JsonFactory.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .configure(StreamReadFeature.STRICT_DUPLICATE_DETECTION, uniqueKeys)
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNumberLength(MAX_NUMBER_LENGTH)
            .maxNestingDepth(MAX_DEPTH)
            .build())
        .build();
  }

  /**
   * Parses a UTF-8 JSON document (any JSON value at top level).
   *
   * @param json the bytes, not modified or retained
   * @return the tree; never null, never a missing node
   * @throws MalformedJsonException if the input is not one JSON document; never another exception
   * @throws NullPointerException if {@code json} is null
   */
  public static JsonNode parse(byte[] json) {
    Objects.requireNonNull(json, "json");
    return parse(json, 0, json.length);
  }

  /**
   * Parses a received message body: as {@link #parse(byte[])}, but an object (at any depth) that
   * repeats a key is refused. Python keeps the last value and other parsers the first, so a body
   * with a repeated key means different things to different readers of the same signed bytes;
   * every receiver refuses it.
   *
   * @throws MalformedJsonException if the input is not one JSON document, or repeats a key
   *     ({@link MalformedJsonException#isDuplicateKey()}); never another exception
   * @throws NullPointerException if {@code json} is null
   */
  public static JsonNode parseUnique(byte[] json) {
    Objects.requireNonNull(json, "json");
    try {
      return checked(UNIQUE_READER.readTree(json, 0, json.length));
    } catch (JacksonException e) {
      throw malformed(e);
    } catch (IOException | RuntimeException e) {
      throw new MalformedJsonException("malformed JSON: " + e, -1, e);
    }
  }

  /**
   * Parses {@code length} UTF-8 bytes of {@code json} starting at {@code offset}.
   *
   * @throws MalformedJsonException if the input is not one JSON document
   * @throws IndexOutOfBoundsException if the range is outside the array
   */
  public static JsonNode parse(byte[] json, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, json.length);
    try {
      return checked(READER.readTree(json, offset, length));
    } catch (JacksonException e) {
      throw malformed(e);
    } catch (IOException | RuntimeException e) {
      throw new MalformedJsonException("malformed JSON: " + e, -1, e);
    }
  }

  /**
   * Parses a JSON document given as text.
   *
   * @throws MalformedJsonException if the input is not one JSON document; never another exception
   * @throws NullPointerException if {@code json} is null
   */
  public static JsonNode parse(String json) {
    Objects.requireNonNull(json, "json");
    try {
      return checked(READER.readTree(json));
    } catch (JacksonException e) {
      throw malformed(e);
    } catch (IOException | RuntimeException e) {
      throw new MalformedJsonException("malformed JSON: " + e, -1, e);
    }
  }

  private static JsonNode checked(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      throw new MalformedJsonException("malformed JSON: no document (empty input)", 0, null);
    }
    return node;
  }

  static MalformedJsonException malformed(JacksonException e) {
    JsonLocation loc = e.getLocation();
    long offset = -1;
    String where = "";
    if (loc != null) {
      offset = loc.getByteOffset() >= 0 ? loc.getByteOffset() : loc.getCharOffset();
      where = " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
    String message = e.getOriginalMessage();
    // Jackson's duplicate detection (StreamReadFeature.STRICT_DUPLICATE_DETECTION) reports
    // "Duplicate field 'name'"; CanonicalJsonTest pins this so an upgrade cannot hide the cause
    boolean duplicate = message != null && message.startsWith("Duplicate field ");
    return new MalformedJsonException("malformed JSON" + where + ": " + message, offset, e, duplicate);
  }

  /**
   * The canonical fedmsg/1 form of {@code node}: see the class comment.
   *
   * @return ASCII bytes, a fresh array
   * @throws IllegalArgumentException if the tree holds a node that is not JSON data (a POJO or
   *     missing node) or is nested deeper than {@link #MAX_DEPTH}
   */
  public static byte[] encode(JsonNode node) {
    JsonWriter w = new JsonWriter(1024, true);
    w.write(Objects.requireNonNull(node, "node"), NONE);
    return w.toByteArray();
  }

  /**
   * The canonical form of {@code object} without some of its top-level keys, without copying the
   * tree: what fedmsg/1 signs is the body without {@code signature} and {@code certificate}.
   *
   * @param object the body; if it is not an object, {@code withoutKeys} is ignored
   * @param withoutKeys top-level keys to leave out
   * @throws IllegalArgumentException as {@link #encode(JsonNode)}
   */
  public static byte[] encodeWithout(JsonNode object, Set<String> withoutKeys) {
    JsonWriter w = new JsonWriter(1024, true);
    w.write(Objects.requireNonNull(object, "object"), Set.copyOf(withoutKeys));
    return w.toByteArray();
  }

  /** {@link #encode(JsonNode)} as a string (the bytes are ASCII). */
  public static String encodeToString(JsonNode node) {
    JsonWriter w = new JsonWriter(1024, true);
    w.write(Objects.requireNonNull(node, "node"), NONE);
    return w.toAsciiString();
  }

  /**
   * Python's default {@code json.dumps(obj)}: separators {@code ", "} and {@code ": "}, keys in
   * the tree's order, same escapes and numbers as {@link #encode(JsonNode)}. The reference relay
   * forwards bodies in this form.
   *
   * @return ASCII bytes, a fresh array
   * @throws IllegalArgumentException as {@link #encode(JsonNode)}
   */
  public static byte[] encodePythonDefault(JsonNode node) {
    JsonWriter w = new JsonWriter(1024, false);
    w.write(Objects.requireNonNull(node, "node"), NONE);
    return w.toByteArray();
  }

  /**
   * Python's {@code repr(v)} for a float: the shortest digits that read back as {@code v} (the
   * nearest such on a choice), fixed notation with at least one fractional digit when the decimal
   * exponent is in [-4, 16) ({@code 1.0}, {@code 0.0001}, {@code 1000000000000000.0}), otherwise
   * scientific with a signed, at least two-digit exponent ({@code 1e+16}, {@code 1e-05},
   * {@code 5e-324}); {@code -0.0}, {@code NaN}, {@code Infinity}, {@code -Infinity}.
   */
  public static String floatRepr(double v) {
    return PythonFloat.repr(v);
  }

  /**
   * Compares two strings by Unicode code point, the order of canonical keys; an unpaired surrogate
   * counts as its own code point, as in Python.
   */
  public static int compareCodePoints(String a, String b) {
    return JsonWriter.compareCodePoints(a, b);
  }

  /**
   * Decodes strict UTF-8 (malformed or unmappable input refused), as frames must be before
   * they are parsed.
   *
   * @return the text, or null when {@code bytes} are not valid UTF-8
   */
  public static String strictUtf8(byte[] bytes) {
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Whether {@code bytes} are strict UTF-8, as {@link #strictUtf8} decides, without building a
   * string: shortest forms only, no surrogates, nothing above U+10FFFF. Receivers check every
   * body frame with it, so it allocates nothing.
   */
  public static boolean isStrictUtf8(byte[] bytes) {
    int i = 0;
    int n = bytes.length;
    while (i < n) {
      int b = bytes[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xff;
      int need;
      int min;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        min = 0x80;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        min = 0x800;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (i + need >= n) {
        return false;
      }
      int cp = b & (0x3f >> need);
      for (int k = 1; k <= need; k++) {
        int c = bytes[i + k] & 0xff;
        if ((c & 0xc0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
      }
      i += need + 1;
    }
    return true;
  }
}
