package org.fedmsg.crypto;

/**
 * Makes untrusted text (topics, msg_ids, signer names, causes, peer addresses) safe to put in a
 * log line or on a terminal: one line, no terminal control sequences, no text that reorders
 * itself. Control characters (C0, DEL, C1), line and paragraph separators and bidirectional
 * controls become visible escapes ({@code \n}, {@code \x1b}, {@code \u202e}); a backslash is
 * doubled so that an escape in the input cannot pass for one we wrote.
 *
 * <p>It lives in this module, the lowest that both the bus ({@code core}) and the directory
 * ({@code discovery}) depend on, so that both escape what peers send with the same rules.
 */
public final class LogText {
  private LogText() {}

  /** The escaped text; {@code "-"} for null. */
  public static String escape(CharSequence text) {
    if (text == null) {
      return "-";
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement = replacement(c);
      if (replacement == null) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      out.append(replacement);
    }
    return out == null ? text.toString() : out.toString();
  }

  private static String replacement(char c) {
    switch (c) {
      case '\\':
        return "\\\\";
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      default:
        break;
    }
    if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
      return String.format("\\x%02x", (int) c);
    }
    boolean separatorOrBidi = c == '\u2028' || c == '\u2029' || c >= '\u202a' && c <= '\u202e'
        || c >= '\u2066' && c <= '\u2069' || c == '\u200e' || c == '\u200f' || c == '\u061c';
    return separatorOrBidi ? String.format("\\u%04x", (int) c) : null;
  }

  /**
   * JSON text (as a JSON writer produced it) safe for a terminal, still valid JSON with the same
   * value: characters JSON writers leave raw (DEL, C1 controls, line separators, bidi controls)
   * become {@code \\uXXXX} escapes. Backslashes are left alone: in JSON they already escape.
   */
  public static String escapeJson(String json) {
    StringBuilder out = null;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      boolean unsafe = c != '\\' && c != '\n' && c != '\r' && c != '\t' && replacement(c) != null;
      if (!unsafe) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(json.length() + 16).append(json, 0, i);
      }
      out.append(String.format("\\u%04x", (int) c));
    }
    return out == null ? json : out.toString();
  }
}
