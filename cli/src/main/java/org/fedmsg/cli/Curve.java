package org.fedmsg.cli;

import org.fedmsg.CurveOptions;

/** How start-up lines tell the operator whether CURVE is on, and with which key. */
final class Curve {
  private Curve() {}

  /**
   * {@code "; CURVE off"}, or {@code "; CURVE on, key <fingerprint>"} (the fingerprint of this
   * process's public key, what peers configure as its server key); without a key pair of its own a
   * subscriber uses an ephemeral client key.
   */
  static String describe(CurveOptions curve) {
    if (!curve.enabled()) {
      return "; CURVE off";
    }
    return "; CURVE on, " + curve.keyPair().map(k -> "key " + k.fingerprint() + " (" + k.publicKeyZ85() + ")")
        .orElse("ephemeral client key");
  }
}
