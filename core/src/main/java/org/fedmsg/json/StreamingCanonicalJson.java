package org.fedmsg.json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * The canonical form of a received body straight from the parser's tokens, without building a
 * tree: the bytes are those of {@link CanonicalJson#encodeWithout} applied to {@link
 * CanonicalJson#parseUnique}, and the same input is refused with the same {@link
 * MalformedJsonException} (duplicate keys included). Offline verification uses it: a fedmsg/1
 * signature is over the canonical form, and what else the verifier needs from the body is a few
 * top-level fields, which it names as {@code capture}.
 *
 * <p>Keys must come out sorted by code point, so each object buffers its own members (as byte
 * ranges of the output) and reorders them when it closes; bodies that are already canonical, as
 * publishers send them, are never reordered. A top-level member that is both left out and
 * captured is not decoded when it is a string ({@link CanonicalBody#raw}): the ~2 KiB fedmsg/1
 * {@code certificate} field is only validated by the parser, and decoded only on a cache miss.
 *
 * <p>Immutable and thread-safe; each {@link #read} call uses its own buffers.
 */
public final class StreamingCanonicalJson {
  private static final JsonFactory FACTORY = CanonicalJson.factory(true);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Set<String> omit;
  private final Set<String> capture;
  /** False for a scanner: validate and capture only, no canonical bytes. */
  private final boolean write;

  private StreamingCanonicalJson(Set<String> omit, Set<String> capture, boolean write) {
    this.omit = Set.copyOf(omit);
    this.capture = Set.copyOf(capture);
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
   * @param json the bytes; not modified, and kept by the result for {@link CanonicalBody#raw}
   * @return the canonical bytes and the captured fields; never null
   * @throws MalformedJsonException as {@link CanonicalJson#parseUnique}; never another exception
   * @throws NullPointerException if {@code json} is null
   */
  public CanonicalBody read(byte[] json) {
    Objects.requireNonNull(json, "json");
    Run run = new Run(json, json.length);
    boolean object;
    try (JsonParser p = FACTORY.createParser(json)) {
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
    return new CanonicalBody(write ? run.out.toByteArray() : new byte[0], object, json, run.fields, run.rawFrom, run.rawTo);
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
    final java.util.Map<String, JsonNode> fields = new java.util.HashMap<>(8);
    final java.util.Map<String, Integer> rawFrom = new java.util.HashMap<>(4);
    final java.util.Map<String, Integer> rawTo = new java.util.HashMap<>(4);
    /** Members of the open objects, innermost last: key, and start/end of "key":value in out. */
    String[] keys = new String[32];
    int[] starts = new int[32];
    int[] ends = new int[32];
    int top;

    Run(byte[] source, int length) {
      this.source = source;
      this.out = new AsciiBuffer(length);
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
      enter(depth);
      out.put('{');
      int base = top;
      int bodyStart = out.length();
      boolean sorted = true;
      String previous = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String key = p.currentName();
        JsonToken v = p.nextToken();
        if (depth == 0 && (!write || omit.contains(key) || capture.contains(key))) {
          if (topLevel(p, key, v)) {
            continue;
          }
        }
        if (top > base) {
          out.put(',');
        }
        int start = out.length();
        out.jsonString(key, JsonWriter.ESCAPE, JsonWriter.HEX);
        out.put(':');
        // the member's slot is taken before the value: a nested object's members go above it
        int slot = push(key, start);
        value(p, v, depth + 1);
        ends[slot] = out.length();
        if (previous != null && JsonWriter.compareCodePoints(previous, key) > 0) {
          sorted = false;
        }
        previous = key;
      }
      if (!sorted) {
        reorder(base, bodyStart);
      }
      top = base;
      out.put('}');
    }

    /**
     * A top-level member that is omitted or captured. Returns true when it was consumed here (an
     * omitted member), false when the caller must still write it.
     */
    private boolean topLevel(JsonParser p, String key, JsonToken v) throws IOException {
      boolean omitted = !write || omit.contains(key);
      if (!capture.contains(key)) {
        p.skipChildren();
        return true;
      }
      switch (v) {
        case VALUE_STRING -> {
          int from = (int) p.currentTokenLocation().getByteOffset() + 1;
          rawFrom.put(key, from);
          rawTo.put(key, literalEnd(from));
          if (!write || !omitted) {
            fields.put(key, NODES.textNode(p.getText()));
          } else {
            // not decoded now: CanonicalBody decodes it on demand; the parser still validates it when it moves on
            fields.put(key, null);
          }
        }
        case VALUE_NUMBER_INT -> fields.put(key, switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        });
        case VALUE_NUMBER_FLOAT -> fields.put(key, NODES.numberNode(p.getDoubleValue()));
        case VALUE_TRUE, VALUE_FALSE -> fields.put(key, NODES.booleanNode(v == JsonToken.VALUE_TRUE));
        case VALUE_NULL -> fields.put(key, NODES.nullNode());
        // a container is kept as an empty one of its kind: the verifier only asks for scalars
        case START_OBJECT -> fields.put(key, NODES.objectNode());
        default -> fields.put(key, NODES.arrayNode());
      }
      if (omitted) {
        p.skipChildren();
        return true;
      }
      return false;
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

    /** Rewrites the members in {@code [base, top)} in key order; the object's length is unchanged. */
    private void reorder(int base, int bodyStart) {
      int n = top - base;
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = base + i;
      }
      Arrays.sort(order, (a, b) -> JsonWriter.compareCodePoints(keys[a], keys[b]));
      byte[] buf = out.array();
      int end = out.length();
      byte[] copy = Arrays.copyOfRange(buf, bodyStart, end);
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
