package org.fedmsg.json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer for ASCII output. Not thread-safe; one per encoding call. Unlike
 * {@code ByteArrayOutputStream} it has no locks and lets the float formatter insert characters.
 */
final class AsciiBuffer {
  /** The largest buffer a thread keeps for its next encoding; a larger one is left to the GC. */
  static final int KEEP_MAX_BYTES = 64 << 10;
  /**
   * Each thread's spare buffer. Every message is encoded at least once on its way out and once
   * on its way in; growing a fresh buffer each time was the largest single source of garbage per
   * message (a 1 KB message: a 1 KiB buffer, its 2 KiB copy, then the result), and the garbage
   * sets how often the collector pauses the bus (docs/performance.md, "End to end").
   */
  private static final ThreadLocal<AsciiBuffer> SPARE = new ThreadLocal<>();

  private byte[] buf;
  private int len;

  AsciiBuffer(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  /**
   * An empty buffer: this thread's spare one if it has it (it is then taken: an encoding nested
   * in another gets a fresh buffer), else a new one. Give it back with {@link #release}.
   */
  static AsciiBuffer borrow(int capacity) {
    AsciiBuffer spare = SPARE.get();
    if (spare == null) {
      return new AsciiBuffer(capacity);
    }
    SPARE.set(null);
    spare.len = 0;
    return spare;
  }

  /** Keeps this buffer for the thread's next {@link #borrow}; it must not be used after this. */
  void release() {
    if (buf.length <= KEEP_MAX_BYTES) {
      SPARE.set(this);
    }
  }

  int length() {
    return len;
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  void put(char c) {
    ensure(1);
    buf[len++] = (byte) c;
  }

  void put(byte b) {
    ensure(1);
    buf[len++] = b;
  }

  /** Appends a string known to be ASCII. */
  void ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  /** Appends the decimal digits of a non-negative or negative long. */
  void decimal(long v) {
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        ascii(Long.toString(v));
        return;
      }
      put('-');
      v = -v;
    }
    ensure(19);
    int start = len;
    do {
      buf[len++] = (byte) ('0' + (int) (v % 10));
      v /= 10;
    } while (v != 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  /**
   * Appends {@code s} as a JSON string literal, quotes included, with Python's ensure_ascii
   * escapes. {@code escape} maps each ASCII char to 0 (copy), 'u' (\\u00XX) or the letter of
   * a two-char escape. Reserves the worst case per chunk, so the loop writes straight into the array.
   */
  void jsonString(String s, byte[] escape, byte[] hex) {
    put('"');
    int n = s.length();
    // Chunks bound the reservation for very long strings (worst case 6 bytes per char).
    for (int from = 0; from < n; from += 8192) {
      int to = Math.min(n, from + 8192);
      ensure(6 * (to - from));
      byte[] b = buf;
      int p = len;
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        byte esc;
        if (c < 0x80 && (esc = escape[c]) != 'u') {
          if (esc == 0) {
            b[p++] = (byte) c;
          } else {
            b[p++] = '\\';
            b[p++] = esc;
          }
        } else {
          // Astral characters are already surrogate pairs in a Java string: one escape per char.
          b[p++] = '\\';
          b[p++] = 'u';
          b[p++] = hex[(c >> 12) & 0xf];
          b[p++] = hex[(c >> 8) & 0xf];
          b[p++] = hex[(c >> 4) & 0xf];
          b[p++] = hex[c & 0xf];
        }
      }
      len = p;
    }
    put('"');
  }

  /**
   * {@link #jsonString(String, byte[], byte[])} for {@code len} chars of {@code s} from {@code off}
   * (a parser's text buffer: no string is built).
   */
  void jsonString(char[] s, int off, int len, byte[] escape, byte[] hex) {
    put('"');
    for (int from = 0; from < len; from += 8192) {
      int to = Math.min(len, from + 8192);
      ensure(6 * (to - from));
      byte[] b = buf;
      int p = this.len;
      for (int i = off + from, end = off + to; i < end; i++) {
        char c = s[i];
        byte esc;
        if (c < 0x80 && (esc = escape[c]) != 'u') {
          if (esc == 0) {
            b[p++] = (byte) c;
          } else {
            b[p++] = '\\';
            b[p++] = esc;
          }
        } else {
          b[p++] = '\\';
          b[p++] = 'u';
          b[p++] = hex[(c >> 12) & 0xf];
          b[p++] = hex[(c >> 8) & 0xf];
          b[p++] = hex[(c >> 4) & 0xf];
          b[p++] = hex[c & 0xf];
        }
      }
      this.len = p;
    }
    put('"');
  }

  /** Drops everything from {@code length} on. */
  void truncate(int length) {
    len = length;
  }

  /** The backing array (valid up to {@link #length()}), for in-place reordering. */
  byte[] array() {
    return buf;
  }

  /** Inserts one character at {@code at}, shifting what follows right. */
  void insert(int at, char c) {
    ensure(1);
    System.arraycopy(buf, at, buf, at + 1, len - at);
    buf[at] = (byte) c;
    len++;
  }

  /** Inserts {@code "0."} followed by {@code zeros} zeros at {@code at}. */
  void insertZeroPoint(int at, int zeros) {
    int extra = 2 + zeros;
    ensure(extra);
    System.arraycopy(buf, at, buf, at + extra, len - at);
    buf[at] = '0';
    buf[at + 1] = '.';
    Arrays.fill(buf, at + 2, at + extra, (byte) '0');
    len += extra;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  String toAsciiString() {
    return new String(buf, 0, len, StandardCharsets.US_ASCII);
  }
}
