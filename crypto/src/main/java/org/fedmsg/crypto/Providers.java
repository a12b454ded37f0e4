package org.fedmsg.crypto;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The Bouncy Castle provider, created once and never registered globally (so that the
 * application's JCA configuration is untouched).
 */
final class Providers {
  private Providers() {}

  private static final class Holder {
    static final Provider BC = new BouncyCastleProvider();
  }

  static Provider bc() {
    return Holder.BC;
  }
}
