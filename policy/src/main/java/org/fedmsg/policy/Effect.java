package org.fedmsg.policy;

import java.util.Locale;

/**
 * What a rule (or the policy's default) does for the topics and signers it matches.
 *
 * <p>Anything that is not exactly {@code allow} or {@code deny} parses to {@link #UNKNOWN}, which
 * acts as {@link #DENY}: a typo in a policy file closes topics rather than opening them.
 */
public enum Effect {
  /** The signer may emit the topic (unless a deny rule also matches). */
  ALLOW,
  /** The signer may not emit the topic; deny beats allow. */
  DENY,
  /** A missing or unrecognised effect; treated as {@link #DENY} (fail closed). */
  UNKNOWN;

  /**
   * Parses a policy-file effect, case-insensitively.
   *
   * @param text the text from the file; {@code null} (missing) gives {@link #UNKNOWN}
   * @return {@link #ALLOW}, {@link #DENY} or {@link #UNKNOWN}; never null
   */
  public static Effect fromString(String text) {
    if (text == null) {
      return UNKNOWN;
    }
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "allow":
        return ALLOW;
      case "deny":
        return DENY;
      default:
        return UNKNOWN;
    }
  }

  /** Whether this effect lets a signer emit: true only for {@link #ALLOW}. */
  public boolean allows() {
    return this == ALLOW;
  }

  /** The spelling used in policy files: {@code allow}, {@code deny} or {@code unknown}. */
  public String fileName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
