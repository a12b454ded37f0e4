package org.fedmsg.json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer for ASCII output. Not thread-safe; one per encoding call. Unlike
 * {@code ByteArrayOutputStream} it has no locks and lets the float formatter insert characters.
 */
final class AsciiBuffer {
  private byte[] buf;
  private int len;

  AsciiBuffer(int capacity) {
    buf = new byte[Math.max(16, capacity)];
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
