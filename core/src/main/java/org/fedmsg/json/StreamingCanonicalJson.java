package org.fedmsg.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The canonical form of a received body straight from the parser's tokens, without building a
 * tree: the bytes are those of {@link CanonicalJson#encodeWithout} applied to {@link
 * CanonicalJson#parseUnique}, and the same input is refused with the same {@link
 * MalformedJsonException} (duplicate keys included, found at the same place). Offline
 * verification uses it: a fedmsg/1 signature is over the canonical form, and what else the
 * verifier needs from the body is a few top-level fields, which it names as {@code capture}.
 *
 * <p>Keys must come out sorted by code point, so each object buffers its own members (as byte
 * ranges of the output) and reorders them when it closes; bodies that are already canonical, as
 * publishers send them, are never reordered. The sorted order also finds repeated keys without a
 * set per object: in a sorted object a repeat can only equal the previous key; only an unsorted
 * object compares a new key with all of its earlier ones. A top-level member that is both left
 * out and captured is not decoded when it is a string of {@value #LAZY_LENGTH} bytes or more
 * ({@link CanonicalBody#rawFrom}): the ~2 KiB fedmsg/1 {@code certificate} field is only validated
 * by the parser, and decoded only on a cache miss.
 *
 * <p>Input that is already exactly canonical, as publishers send it, is not re-encoded: {@link
 * CanonicalInput} checks it byte by byte and cuts the omitted members out; anything else takes
 * the token path.
 *
 * <p>Immutable and thread-safe; each {@link #read} call uses its own buffers.
 */
public final class StreamingCanonicalJson {
  /** Strings shorter than this are decoded at once even when omitted: cheaper than a second parser later. */
  static final int LAZY_LENGTH = 1024;

  /** Duplicate detection is done here (see the class comment), so the parser's own is off. */
  private static final JsonFactory FACTORY = CanonicalJson.factory(false);
  /** The scanner skips whole values, so it keeps the parser's duplicate detection. */
  private static final JsonFactory STRICT = CanonicalJson.factory(true);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Set<String> omit;
  /** Captured names to their slot in {@link CanonicalBody}. */
  private final Map<String, Integer> capture;
  /** False for a scanner: validate and capture only, no canonical bytes. */
  private final boolean write;

  private StreamingCanonicalJson(Set<String> omit, Set<String> capture, boolean write) {
    this.omit = Set.copyOf(omit);
    Map<String, Integer> slots = new HashMap<>();
    for (String name : List.copyOf(capture)) {
      slots.put(name, slots.size());
    }
    this.capture = Map.copyOf(slots);
    this.write = write;
  }

  /**
   * A reader that leaves the top-level keys {@code omit} out of the canonical bytes and keeps the
   * top-level members {@code capture} for {@link CanonicalBody#field}.
   *
   * @throws NullPointerException if a set is null
   */
  public static StreamingCanonicalJson of(Set<String> omit, Set<String> capture) {
    return new StreamingCanonicalJson(omit, capture, true);
  }

  /**
   * A reader that only validates (refusing what {@link CanonicalJson#parseUnique} refuses) and
   * captures the top-level members {@code capture}: {@link CanonicalBody#canonical()} is empty.
   * fedmsg/2 signs the exact bytes, so its receivers need no canonical form, only a few fields.
   *
   * @throws NullPointerException if {@code capture} is null
   */
  public static StreamingCanonicalJson scanner(Set<String> capture) {
    return new StreamingCanonicalJson(Set.of(), capture, false);
  }

  /**
   * Reads one UTF-8 JSON document, refusing repeated keys as {@link CanonicalJson#parseUnique}.
   *
   * @param json the bytes; not modified, and kept by the result for {@link CanonicalBody#source}
   * @return the canonical bytes and the captured fields; never null
   * @throws MalformedJsonException as {@link CanonicalJson#parseUnique}; never another exception
   * @throws NullPointerException if {@code json} is null
   */
  public CanonicalBody read(byte[] json) {
    Objects.requireNonNull(json, "json");
    // what publishers send is already canonical: checked and cut, not re-encoded (CanonicalInput)
    CanonicalBody fast = write ? CanonicalInput.read(json, omit, capture, LAZY_LENGTH)
        : CanonicalInput.read(json, Set.of(), capture, Integer.MAX_VALUE);
    if (fast != null) {
      return write ? fast : fast.withoutCanonical();
    }
    Run run = new Run(json);
    boolean object;
    try (JsonParser p = (write ? FACTORY : STRICT).createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new MalformedJsonException("malformed JSON: no document (empty input)", 0, null);
      }
      object = first == JsonToken.START_OBJECT;
      if (write || object) {
        run.value(p, first, 0);
      } else {
        p.skipChildren();
      }
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        // the tree readers refuse this too (FAIL_ON_TRAILING_TOKENS), under the same reason
        throw new MalformedJsonException("malformed JSON at line " + p.currentTokenLocation().getLineNr() + ", column "
            + p.currentTokenLocation().getColumnNr() + ": Trailing token (of type " + trailing
            + ") found after value", p.currentTokenLocation().getByteOffset(), null);
      }
    } catch (JacksonException e) {
      throw CanonicalJson.malformed(e);
    } catch (MalformedJsonException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new MalformedJsonException("malformed JSON: " + e, -1, e);
    }
    return new CanonicalBody(write ? run.out.toByteArray() : new byte[0], object, json, capture, run.fields,
        run.raw);
  }

  /** Decodes the JSON string literal at {@code [from - 1, to + 1)} (quotes included). */
  static String decodeLiteral(byte[] source, int from, int to) {
    try (JsonParser p = FACTORY.createParser(source, from - 1, to - from + 2)) {
      return p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
    } catch (IOException e) {
      // the main parse has already read this literal successfully
      throw new IllegalStateException("string literal no longer parses: " + e.getMessage(), e);
    }
  }

  /** One read: output buffer, member stack, captured fields. Not thread-safe. */
  private final class Run {
    final byte[] source;
    final AsciiBuffer out;
    /** Per capture slot: the value ({@link CanonicalBody#UNDECODED} for a string left raw), null if absent. */
    final JsonNode[] fields = new JsonNode[capture.size()];
    /** Per capture slot: from and to of a string literal left raw. */
    final int[] raw = new int[2 * capture.size()];
    /**
     * Keys of the open objects, innermost last, and for written members the start and end of
     * {@code "key":value} in the output (start -1: an omitted member, kept for duplicate detection).
     */
    String[] keys = new String[32];
    int[] starts = new int[32];
    int[] ends = new int[32];
    int top;

    Run(byte[] source) {
      this.source = source;
      // the output is the input without the credentials, often half its size or less
      this.out = write ? new AsciiBuffer(source.length / 2 + 64) : null;
    }

    void value(JsonParser p, JsonToken t, int depth) throws IOException {
      switch (t) {
        case START_OBJECT -> object(p, depth);
        case START_ARRAY -> array(p, depth);
        case VALUE_STRING -> out.jsonString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(),
            JsonWriter.ESCAPE, JsonWriter.HEX);
        case VALUE_NUMBER_INT -> {
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            out.ascii(p.getBigIntegerValue().toString());
          } else {
            out.decimal(p.getLongValue());
          }
        }
        // a Python float, whatever the spelling: what a reader of the tree gets (USE_BIG_DECIMAL_FOR_FLOATS off)
        case VALUE_NUMBER_FLOAT -> PythonFloat.write(p.getDoubleValue(), out);
        case VALUE_TRUE -> out.ascii("true");
        case VALUE_FALSE -> out.ascii("false");
        case VALUE_NULL -> out.ascii("null");
        default -> throw new IllegalStateException("unexpected token " + t);
      }
    }

    private void enter(int depth) {
      if (depth >= JsonWriter.MAX_DEPTH) {
        throw new IllegalArgumentException("JSON nested deeper than " + JsonWriter.MAX_DEPTH + " levels");
      }
    }

    private void array(JsonParser p, int depth) throws IOException {
      enter(depth);
      out.put('[');
      boolean first = true;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (!first) {
          out.put(',');
        }
        first = false;
        value(p, t, depth + 1);
      }
      out.put(']');
    }

    private void object(JsonParser p, int depth) throws IOException {
      if (out != null) {
        enter(depth);
        out.put('{');
      }
      int base = top;
      int bodyStart = out == null ? 0 : out.length();
      boolean sorted = true;
      boolean written = false;
      for (JsonToken t = nextName(p, base); t == JsonToken.FIELD_NAME; t = nextName(p, base)) {
        String key = p.currentName();
        if (top > base) {
          int c = JsonWriter.compareCodePoints(keys[top - 1], key);
          if (c == 0 || (c > 0 || !sorted) && seen(key, base)) {
            throw duplicate(p, key);
          }
          sorted &= c < 0;
        }
        int slot = push(key, -1);
        JsonToken v = p.nextToken();
        if (depth == 0 && (out == null || omit.contains(key) || capture.containsKey(key))) {
          if (topLevel(p, key, v)) {
            continue;
          }
        }
        if (written) {
          out.put(',');
        }
        written = true;
        starts[slot] = out.length();
        out.jsonString(key, JsonWriter.ESCAPE, JsonWriter.HEX);
        out.put(':');
        value(p, v, depth + 1);
        ends[slot] = out.length();
      }
      if (!sorted) {
        reorder(base, bodyStart);
      }
      top = base;
      if (out != null) {
        out.put('}');
      }
    }

    /**
     * The next token of an object: a name or its end. The parser checks repeated names before the
     * colon that follows, so a repeated name with a syntax error after it is a duplicate there:
     * the same here.
     */
    private JsonToken nextName(JsonParser p, int base) throws IOException {
      try {
        return p.nextToken();
      } catch (JsonParseException e) {
        String name = p.currentToken() == JsonToken.FIELD_NAME ? p.currentName() : null;
        throw name != null && seen(name, base) ? duplicate(p, name) : e;
      }
    }

    /**
     * The parser's own report of a repeated key, in its words and at its place (just after the
     * name's closing quote, before the colon), so that both paths reject with the same detail.
     */
    private JsonParseException duplicate(JsonParser p, String key) {
      JsonLocation name = p.currentTokenLocation();
      int quote = (int) name.getByteOffset();
      int after = literalEnd(quote + 1) + 1;
      JsonLocation at = new JsonLocation(name.contentReference(), after, -1L, name.getLineNr(),
          name.getColumnNr() + (after - quote));
      return new JsonParseException(p, "Duplicate field '" + key + "'", at);
    }

    /** Whether {@code key} is among the keys of the current object, {@code keys[base, top)}. */
    private boolean seen(String key, int base) {
      for (int i = base; i < top; i++) {
        if (keys[i].equals(key)) {
          return true;
        }
      }
      return false;
    }

    /**
     * A top-level member that is omitted or captured. Returns true when it was consumed here (an
     * omitted member), false when the caller must still write it.
     */
    private boolean topLevel(JsonParser p, String key, JsonToken v) throws IOException {
      boolean omitted = out == null || omit.contains(key);
      Integer slot = capture.get(key);
      if (slot != null) {
        fields[slot] = switch (v) {
          case VALUE_STRING -> string(p, slot, omitted);
          case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
            case INT -> NODES.numberNode(p.getIntValue());
            case LONG -> NODES.numberNode(p.getLongValue());
            default -> NODES.numberNode(p.getBigIntegerValue());
          };
          case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
          case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(v == JsonToken.VALUE_TRUE);
          case VALUE_NULL -> NODES.nullNode();
          // a container is kept as an empty one of its kind: the verifier only asks for scalars
          case START_OBJECT -> NODES.objectNode();
          default -> NODES.arrayNode();
        };
      }
      if (!omitted) {
        return false;
      }
      if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        if (out == null) {
          p.skipChildren();  // the scanner's parser detects repeated keys itself
        } else {
          // written, then dropped: its keys go through the same duplicate detection
          int mark = out.length();
          value(p, v, 1);
          out.truncate(mark);
        }
      }
      return true;
    }

    /** A captured string; an omitted one of {@value #LAZY_LENGTH} bytes or more is left raw. */
    private JsonNode string(JsonParser p, int slot, boolean omitted) throws IOException {
      if (omitted && out != null) {
        int from = (int) p.currentTokenLocation().getByteOffset() + 1;
        int to = literalEnd(from);
        raw[2 * slot] = from;
        raw[2 * slot + 1] = to;
        if (to - from >= LAZY_LENGTH) {
          // not decoded now; the parser still validates it when it moves on
          return CanonicalBody.UNDECODED;
        }
      }
      return NODES.textNode(p.getText());
    }

    /** The offset of the closing quote of the string literal whose content starts at {@code from}. */
    private int literalEnd(int from) {
      byte[] b = source;
      int i = from;
      while (i < b.length && b[i] != '"') {
        i += b[i] == '\\' ? 2 : 1;
      }
      return Math.min(i, b.length);
    }

    private int push(String key, int start) {
      if (top == keys.length) {
        keys = Arrays.copyOf(keys, top * 2);
        starts = Arrays.copyOf(starts, top * 2);
        ends = Arrays.copyOf(ends, top * 2);
      }
      keys[top] = key;
      starts[top] = start;
      return top++;
    }

    /** Rewrites the written members in {@code [base, top)} in key order; the object's length is unchanged. */
    private void reorder(int base, int bodyStart) {
      if (out == null) {
        return;
      }
      int n = 0;
      Integer[] order = new Integer[top - base];
      for (int i = base; i < top; i++) {
        if (starts[i] >= 0) {
          order[n++] = i;
        }
      }
      Arrays.sort(order, 0, n, (a, b) -> JsonWriter.compareCodePoints(keys[a], keys[b]));
      byte[] buf = out.array();
      byte[] copy = Arrays.copyOfRange(buf, bodyStart, out.length());
      int at = bodyStart;
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          buf[at++] = ',';
        }
        int m = order[i];
        int len = ends[m] - starts[m];
        System.arraycopy(copy, starts[m] - bodyStart, buf, at, len);
        at += len;
      }
    }
  }
}
