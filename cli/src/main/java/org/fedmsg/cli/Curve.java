package org.fedmsg.cli;

import org.fedmsg.CurveOptions;

/** How start-up lines tell the operator whether CURVE is on, and with which key. */
final class Curve {
  private Curve() {}

  /**
   * {@code " (CURVE off)"}, or {@code " (CURVE on, key <fingerprint>)"}: the fingerprint of this
   * process's public key, the key peers configure as its server key; without a key pair of its own
   * a subscriber uses an ephemeral client key. Set off by a space, so scripts that read the
   * endpoint before it as one word keep working.
   */
  static String describe(CurveOptions curve) {
    if (!curve.enabled()) {
      return " (CURVE off)";
    }
    return " (CURVE on, " + curve.keyPair().map(k -> "key " + k.fingerprint()).orElse("ephemeral client key") + ")";
  }
}
