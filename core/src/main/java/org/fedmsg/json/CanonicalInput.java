package org.fedmsg.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * The fast path of {@link StreamingCanonicalJson}: input that is already exactly canonical (what a
 * reference publisher sends: {@code json.dumps(sort_keys=True, separators=(',', ':'))}, ASCII
 * only) is its own canonical form, so the canonical bytes without some top-level members are the
 * input with those members cut out. This scanner checks that the input is exactly canonical by a
 * strict grammar, byte by byte, without decoding: no whitespace; keys of printable ASCII without
 * escapes, strictly increasing (hence sorted by code point and never repeated); strings with only
 * the escapes Python writes; integers without leading zeros or {@code -0}; floats spelled as
 * Python's {@code repr} of the double they read as. Anything else (including every input the
 * parser would refuse) is not decided here: {@link #read} returns null and the caller takes the
 * token path, which accepts or refuses exactly as the tree path does. So this path only ever
 * answers for input that both paths accept and where both produce the input's own bytes.
 *
 * <p>Stateless apart from one read; not thread-safe; one instance per read.
 */
final class CanonicalInput {
  /** Deeper input goes to the token path (which applies the parser's own limit). */
  private static final int MAX_DEPTH = 256;
  /** Longer numbers go to the token path (which applies the parser's own limit). */
  private static final int MAX_NUMBER = 1000;
  /** Longer keys go to the token path (which applies the parser's own limit). */
  private static final int MAX_KEY = 1000;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /**
   * Bytes that stand for themselves inside a canonical string: printable ASCII except {@code "}
   * and backslash. Scanning a long literal (a certificate) is then one table lookup per byte.
   */
  private static final boolean[] PLAIN = new boolean[256];

  static {
    for (int c = 0x20; c < 0x7f; c++) {
      PLAIN[c] = c != '"' && c != '\\';
    }
  }

  private final byte[] b;
  private int i;

  private CanonicalInput(byte[] b) {
    this.b = b;
  }

  /**
   * The canonical body of {@code json} when it is exactly canonical and an object, else null.
   *
   * @param capture top-level names to their slots, as {@link StreamingCanonicalJson} numbers them
   */
  static CanonicalBody read(byte[] json, Set<String> omit, Map<String, Integer> capture, int lazyLength) {
    if (json.length < 2 || json[0] != '{') {
      return null;
    }
    CanonicalInput in = new CanonicalInput(json);
    JsonNode[] fields = new JsonNode[capture.size()];
    int[] raw = new int[2 * capture.size()];
    // members kept, as ranges of the input
    int[] kept = new int[32];
    int nKept = 0;
    in.i = 1;
    if (json[1] == '}') {
      return json.length == 2 ? new CanonicalBody(json.clone(), true, json, capture, fields, raw) : null;
    }
    int prevFrom = -1;
    int prevTo = -1;
    while (true) {
      int memberStart = in.i;
      if (!in.key()) {
        return null;
      }
      int keyFrom = memberStart + 1;
      int keyTo = in.i - 1;
      if (prevFrom >= 0 && Arrays.compare(json, prevFrom, prevTo, json, keyFrom, keyTo) >= 0) {
        return null;  // unsorted or repeated: the token path sorts or refuses
      }
      prevFrom = keyFrom;
      prevTo = keyTo;
      if (in.i >= json.length || json[in.i] != ':') {
        return null;
      }
      in.i++;
      int valueStart = in.i;
      if (!in.value(1)) {
        return null;
      }
      int valueEnd = in.i;
      String name = new String(json, keyFrom, keyTo - keyFrom, StandardCharsets.ISO_8859_1);
      if (!omit.contains(name)) {
        if (nKept + 2 > kept.length) {
          kept = Arrays.copyOf(kept, kept.length * 2);
        }
        kept[nKept++] = memberStart;
        kept[nKept++] = valueEnd;
      }
      Integer slot = capture.get(name);
      if (slot != null) {
        fields[slot] = in.capture(valueStart, valueEnd, omit.contains(name), raw, slot, lazyLength);
        if (fields[slot] == null) {
          return null;
        }
      }
      if (in.i >= json.length) {
        return null;
      }
      byte c = json[in.i++];
      if (c == '}') {
        break;
      }
      if (c != ',') {
        return null;
      }
    }
    if (in.i != json.length) {
      return null;
    }
    int size = 2 + Math.max(0, nKept / 2 - 1);
    for (int k = 0; k < nKept; k += 2) {
      size += kept[k + 1] - kept[k];
    }
    byte[] out = new byte[size];
    int at = 0;
    out[at++] = '{';
    for (int k = 0; k < nKept; k += 2) {
      if (k > 0) {
        out[at++] = ',';
      }
      System.arraycopy(json, kept[k], out, at, kept[k + 1] - kept[k]);
      at += kept[k + 1] - kept[k];
    }
    out[at] = '}';
    return new CanonicalBody(out, true, json, capture, fields, raw);
  }

  /** A key: a string of printable ASCII without escapes (escaped keys take the token path). */
  private boolean key() {
    if (i >= b.length || b[i] != '"') {
      return false;
    }
    int end = Math.min(b.length, i + 1 + MAX_KEY);
    int j = i + 1;
    while (j < end && PLAIN[b[j] & 0xff]) {
      j++;
    }
    // anything but the closing quote here (an escape, a control, a non-ASCII byte) is not a plain key
    if (j < end && b[j] == '"') {
      i = j + 1;
      return true;
    }
    return false;
  }

  private boolean value(int depth) {
    if (i >= b.length) {
      return false;
    }
    switch (b[i]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      case 'N':
        return literal("NaN");
      case 'I':
        return literal("Infinity");
      default:
        if (b[i] == '-' && i + 1 < b.length && b[i + 1] == 'I') {
          return literal("-Infinity");
        }
        return number();
    }
  }

  private boolean literal(String word) {
    int n = word.length();
    if (i + n > b.length) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      if (b[i + k] != word.charAt(k)) {
        return false;
      }
    }
    i += n;
    return true;
  }

  private boolean object(int depth) {
    if (depth >= MAX_DEPTH) {
      return false;
    }
    i++;
    if (i < b.length && b[i] == '}') {
      i++;
      return true;
    }
    int prevFrom = -1;
    int prevTo = -1;
    while (true) {
      int start = i;
      if (!key()) {
        return false;
      }
      if (prevFrom >= 0 && Arrays.compare(b, prevFrom, prevTo, b, start + 1, i - 1) >= 0) {
        return false;
      }
      prevFrom = start + 1;
      prevTo = i - 1;
      if (i >= b.length || b[i] != ':') {
        return false;
      }
      i++;
      if (!value(depth + 1) || i >= b.length) {
        return false;
      }
      byte c = b[i++];
      if (c == '}') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  private boolean array(int depth) {
    if (depth >= MAX_DEPTH) {
      return false;
    }
    i++;
    if (i < b.length && b[i] == ']') {
      i++;
      return true;
    }
    while (true) {
      if (!value(depth + 1) || i >= b.length) {
        return false;
      }
      byte c = b[i++];
      if (c == ']') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  /** A string as Python's ensure_ascii writes it: only its escapes, lower-case hex, nothing else escaped. */
  private boolean string() {
    int j = i + 1;
    final boolean[] plain = PLAIN;
    final byte[] b = this.b;
    while (j < b.length) {
      while (j < b.length && plain[b[j] & 0xff]) {
        j++;
      }
      if (j >= b.length) {
        return false;
      }
      byte c = b[j];
      if (c == '"') {
        i = j + 1;
        return true;
      }
      if (c == '\\') {
        if (j + 1 >= b.length) {
          return false;
        }
        byte e = b[j + 1];
        if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
          j += 2;
          continue;
        }
        if (e != 'u' || j + 6 > b.length) {
          return false;  // includes "\/", which Python does not write
        }
        int v = 0;
        for (int k = j + 2; k < j + 6; k++) {
          int h = b[k];
          int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
          if (d < 0) {
            return false;  // upper-case hex is not Python's
          }
          v = v << 4 | d;
        }
        // Python uses \\uXXXX only where it has no short escape: other controls, DEL and non-ASCII
        boolean shortForm = v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t';
        if (!(v < 0x20 && !shortForm || v >= 0x7f)) {
          return false;
        }
        j += 6;
        continue;
      }
      if (c < 0x20 || c == 0x7f) {
        return false;  // and every byte >= 0x80: Python escapes all non-ASCII
      }
      j++;
    }
    return false;
  }

  /** A number spelled exactly as the canonical form spells what it reads as. */
  private boolean number() {
    int start = i;
    int j = i;
    if (j < b.length && b[j] == '-') {
      j++;
    }
    if (j >= b.length) {
      return false;
    }
    if (b[j] == '0') {
      j++;
    } else if (b[j] >= '1' && b[j] <= '9') {
      while (j < b.length && b[j] >= '0' && b[j] <= '9') {
        j++;
      }
    } else {
      return false;
    }
    boolean fraction = false;
    if (j < b.length && b[j] == '.') {
      fraction = true;
      j++;
      int digits = j;
      while (j < b.length && b[j] >= '0' && b[j] <= '9') {
        j++;
      }
      if (j == digits) {
        return false;
      }
    }
    if (j < b.length && (b[j] == 'e' || b[j] == 'E')) {
      fraction = true;
      j++;
      if (j < b.length && (b[j] == '+' || b[j] == '-')) {
        j++;
      }
      int digits = j;
      while (j < b.length && b[j] >= '0' && b[j] <= '9') {
        j++;
      }
      if (j == digits) {
        return false;
      }
    }
    if (j - start > MAX_NUMBER) {
      return false;
    }
    i = j;
    if (!fraction) {
      return !(j - start == 2 && b[start] == '-' && b[start + 1] == '0');  // "-0" is written 0
    }
    // a float is canonical only as Python's repr of the double it reads as
    String text = new String(b, start, j - start, StandardCharsets.ISO_8859_1);
    return PythonFloat.repr(Double.parseDouble(text)).equals(text);
  }

  /**
   * The node a tree reader builds for the canonical value at {@code [from, to)}, or for an omitted
   * string of {@code lazyLength} bytes or more, {@link CanonicalBody#UNDECODED}; records an
   * omitted string's literal. Null if the value cannot be captured here (the token path then does).
   */
  private JsonNode capture(int from, int to, boolean omitted, int[] raw, int slot, int lazyLength) {
    byte c = b[from];
    if (c == '"') {
      if (omitted) {
        raw[2 * slot] = from + 1;
        raw[2 * slot + 1] = to - 1;
        if (to - from - 2 >= lazyLength) {
          return CanonicalBody.UNDECODED;
        }
      }
      return NODES.textNode(unescape(from + 1, to - 1));
    }
    if (c == '{') {
      return NODES.objectNode();
    }
    if (c == '[') {
      return NODES.arrayNode();
    }
    String text = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    switch (text) {
      case "true":
        return NODES.booleanNode(true);
      case "false":
        return NODES.booleanNode(false);
      case "null":
        return NODES.nullNode();
      case "NaN":
        return NODES.numberNode(Double.NaN);
      case "Infinity":
        return NODES.numberNode(Double.POSITIVE_INFINITY);
      case "-Infinity":
        return NODES.numberNode(Double.NEGATIVE_INFINITY);
      default:
        break;
    }
    if (text.indexOf('.') >= 0 || text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
      return NODES.numberNode(Double.parseDouble(text));
    }
    BigInteger v = new BigInteger(text);
    // the parser's number types: int if it fits, then long, then big integer
    return v.bitLength() < 32 ? NODES.numberNode(v.intValue())
        : v.bitLength() < 64 ? NODES.numberNode(v.longValue()) : NODES.numberNode(v);
  }

  /** The text of a canonical string literal's content {@code [from, to)} (escapes already checked). */
  private String unescape(int from, int to) {
    StringBuilder s = new StringBuilder(to - from);
    for (int j = from; j < to; j++) {
      char c = (char) b[j];
      if (c != '\\') {
        s.append(c);
        continue;
      }
      char e = (char) b[++j];
      switch (e) {
        case 'b' -> s.append('\b');
        case 'f' -> s.append('\f');
        case 'n' -> s.append('\n');
        case 'r' -> s.append('\r');
        case 't' -> s.append('\t');
        case 'u' -> {
          s.append((char) Integer.parseInt(new String(b, j + 1, 4, StandardCharsets.ISO_8859_1), 16));
          j += 4;
        }
        default -> s.append(e);  // '"' and '\\'
      }
    }
    return s.toString();
  }
}
