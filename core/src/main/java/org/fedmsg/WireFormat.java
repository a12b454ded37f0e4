package org.fedmsg;

import java.util.Locale;

/** The two wire formats a bus speaks; see {@code docs/wire-format.md}. */
public enum WireFormat {
  /**
   * Byte-compatible with the reference Python fedmsg: two frames, canonical JSON body with the
   * signature inside it. The default, so that Python consumers on the same bus keep working.
   */
  FEDMSG1,
  /**
   * The native format: topic, body and a detached signature frame over the exact bytes, with
   * strong algorithms and per-publisher sequence numbers. Only this project's receivers read it.
   */
  FEDMSG2;

  /** Parses {@code fedmsg1} / {@code fedmsg2} (case-insensitive). */
  public static WireFormat parse(String text) {
    switch (text.toLowerCase(Locale.ROOT).replace("/", "")) {
      case "fedmsg1":
        return FEDMSG1;
      case "fedmsg2":
        return FEDMSG2;
      default:
        throw new IllegalArgumentException("unknown wire format '" + text + "' (expected fedmsg1 or fedmsg2)");
    }
  }
}
