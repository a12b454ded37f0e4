package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;

/**
 * The certificate chains a receiver has seen in full fedmsg/2 signature frames whose signature
 * verified, by their SHA-256: what a compact frame (which carries only that digest) is checked
 * against. Only chains of verified messages enter, so unauthenticated peers cannot fill it or
 * evict what is in it; it is weighed in bytes within {@link #MAX_BYTES}.
 *
 * <p>Knowing a chain here only lets a compact frame be <em>checked</em>: the chain is validated
 * again for every message (CA, validity dates, CRL, strength), exactly as for a full frame.
 */
final class KnownChains {
  /** The most chain bytes kept (a chain is typically 0.5 to 2 KiB: thousands of signers). */
  static final long MAX_BYTES = 8L << 20;

  private final Cache<Digest, byte[]> chains = Caffeine.newBuilder().executor(Runnable::run)
      .maximumWeight(MAX_BYTES).weigher((Digest k, byte[] v) -> v.length + 64).build();

  /** The chain whose SHA-256 is {@code sha256}, or null if none is known. */
  byte[] get(byte[] sha256) {
    return chains.getIfPresent(new Digest(sha256));
  }

  /** Remembers {@code chain} (its SHA-256 computed by the caller) after a message signed with it verified. */
  void remember(byte[] sha256, byte[] chain) {
    Digest key = new Digest(sha256);
    if (chains.getIfPresent(key) == null) {
      chains.put(key, chain);
    }
  }

  /** A 32-byte digest as a map key. */
  static final class Digest {
    final byte[] bytes;
    private final int hash;

    Digest(byte[] bytes) {
      this.bytes = bytes;
      // the bytes are a SHA-256: any four of them are a good hash
      this.hash = bytes.length >= 4
          ? (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff)
          : Arrays.hashCode(bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Digest d && Arrays.equals(d.bytes, bytes);
    }
  }
}
