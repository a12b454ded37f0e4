package org.fedmsg.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Jackson tree as Python's {@code json} module would, with ensure_ascii. Two layouts:
 * canonical (keys sorted by code point, {@code ,} and {@code :}) and Python's default
 * ({@code ", "} and {@code ": "}, keys in insertion order). Not thread-safe: one per call.
 */
final class JsonWriter {
  /** Deeper trees are refused, as Python's recursion limit refuses them. */
  static final int MAX_DEPTH = 1000;

  static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * For each ASCII char: 0 = copy as is, 'u' = \\u00XX, anything else = backslash + that char.
   * Python escapes everything outside 0x20..0x7E, plus '"' and '\\'; '/' is left alone.
   */
  static final byte[] ESCAPE = new byte[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPE[c] = 'u';
    }
    ESCAPE['\b'] = 'b';
    ESCAPE['\f'] = 'f';
    ESCAPE['\n'] = 'n';
    ESCAPE['\r'] = 'r';
    ESCAPE['\t'] = 't';
    ESCAPE['"'] = '"';
    ESCAPE['\\'] = '\\';
    ESCAPE[0x7f] = 'u';
  }

  /** Orders map entries by their keys' Unicode code points, as Python's {@code sorted()}. */
  static final Comparator<Map.Entry<String, JsonNode>> ENTRY_ORDER =
      (a, b) -> compareCodePoints(a.getKey(), b.getKey());

  private final AsciiBuffer out;
  private final boolean canonical;

  /** A writer on this thread's spare buffer: call {@link #toByteArray} or {@link #toAsciiString} once, last. */
  JsonWriter(int capacity, boolean canonical) {
    this.out = AsciiBuffer.borrow(capacity);
    this.canonical = canonical;
  }

  /** The output; the writer's buffer goes back to the thread, so this is the writer's last call. */
  byte[] toByteArray() {
    byte[] bytes = out.toByteArray();
    out.release();
    return bytes;
  }

  /** As {@link #toByteArray}, as a string. */
  String toAsciiString() {
    String text = out.toAsciiString();
    out.release();
    return text;
  }

  /**
   * Compares two strings by Unicode code point, where a surrogate that is not part of a pair
   * counts as its own code point (as in a Python str). Differs from {@link String#compareTo} only
   * when a surrogate pair meets a char in U+E000..U+FFFF.
   */
  static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        if (!Character.isSurrogate(ca) && !Character.isSurrogate(cb)) {
          return ca - cb;
        }
        // Compare whole code points; a pair may have started one char earlier (equal prefix), but
        // only if that high surrogate pairs with the low one here in one of the strings: a lone
        // high surrogate is its own code point, and stepping back over it would compare it with
        // itself ("\ud800\u001e" and "\ud800\ud800\udd68" would come out equal, as a repeat).
        int at = i > 0 && Character.isHighSurrogate(a.charAt(i - 1))
            && (Character.isLowSurrogate(ca) || Character.isLowSurrogate(cb)) ? i - 1 : i;
        return Integer.compare(a.codePointAt(at), b.codePointAt(at));
      }
    }
    return a.length() - b.length();
  }

  /** Writes {@code node}; {@code skipTopLevel} keys of a top-level object are left out. */
  void write(JsonNode node, Set<String> skipTopLevel) {
    if (node.isObject() && !skipTopLevel.isEmpty()) {
      writeObject(node, skipTopLevel, 0);
    } else {
      writeValue(node, 0);
    }
  }

  private void writeValue(JsonNode node, int depth) {
    switch (node.getNodeType()) {
      case OBJECT:
        writeObject(node, Set.of(), depth);
        break;
      case ARRAY:
        writeArray(node, depth);
        break;
      case STRING:
        writeString(node.textValue());
        break;
      case NUMBER:
        writeNumber(node);
        break;
      case BOOLEAN:
        out.ascii(node.booleanValue() ? "true" : "false");
        break;
      case NULL:
        out.ascii("null");
        break;
      case BINARY:
        // Jackson's own convention for binary in JSON: a base64 string. Reads back as a string.
        writeString(node.asText());
        break;
      default:
        throw new IllegalArgumentException("cannot encode a JSON node of type " + node.getNodeType());
    }
  }

  private void enter(int depth) {
    if (depth >= MAX_DEPTH) {
      throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  private void writeArray(JsonNode array, int depth) {
    enter(depth);
    out.put('[');
    boolean first = true;
    for (JsonNode item : array) {
      if (!first) {
        separator();
      }
      first = false;
      writeValue(item, depth + 1);
    }
    out.put(']');
  }

  private void separator() {
    out.put(',');
    if (!canonical) {
      out.put(' ');
    }
  }

  @SuppressWarnings("unchecked")
  private void writeObject(JsonNode object, Set<String> skip, int depth) {
    enter(depth);
    out.put('{');
    int size = object.size();
    if (size > 0) {
      Map.Entry<String, JsonNode>[] entries = new Map.Entry[size];
      int n = 0;
      for (Map.Entry<String, JsonNode> e : object.properties()) {
        if (skip.isEmpty() || !skip.contains(e.getKey())) {
          entries[n++] = e;
        }
      }
      if (canonical && !isSorted(entries, n)) {
        java.util.Arrays.sort(entries, 0, n, ENTRY_ORDER);
      }
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          separator();
        }
        writeString(entries[i].getKey());
        out.put(':');
        if (!canonical) {
          out.put(' ');
        }
        writeValue(entries[i].getValue(), depth + 1);
      }
    }
    out.put('}');
  }

  /** Bodies parsed from canonical input are already in order: skip the sort then. */
  private static boolean isSorted(Map.Entry<String, JsonNode>[] entries, int n) {
    for (int i = 1; i < n; i++) {
      if (compareCodePoints(entries[i - 1].getKey(), entries[i].getKey()) > 0) {
        return false;
      }
    }
    return true;
  }

  private void writeNumber(JsonNode node) {
    if (node.isIntegralNumber()) {
      if (node.isBigInteger()) {
        out.ascii(node.bigIntegerValue().toString());
      } else {
        out.decimal(node.longValue());
      }
    } else {
      // float, double and BigDecimal all become a Python float, which is what a reader gets back.
      PythonFloat.write(node.doubleValue(), out);
    }
  }

  private void writeString(String s) {
    out.jsonString(s, ESCAPE, HEX);
  }
}
