package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.cert.X509Certificate;
import java.util.List;
import org.fedmsg.crypto.TrustStore;

/**
 * Parsed fedmsg/1 {@code certificate} fields, keyed by their text, in front of {@link
 * TrustStore#parseCertificatesCached(String)}. The field is ~2 KiB and arrives as a fresh string
 * in every message, so {@link String#hashCode()} costs a pass over all of it; this key hashes
 * 64 sampled characters and the length instead, and still compares the full text on a hit, so a
 * collision costs only a cache slot, never a wrong certificate.
 */
final class CertificateFieldCache {
  private static final int SAMPLES = 64;

  private final Cache<Key, List<X509Certificate>> cache = Caffeine.newBuilder().executor(Runnable::run).weakValues().maximumSize(4096).build();

  /**
   * The certificates of {@code text}, parsed by {@code trust}.
   *
   * @throws IllegalArgumentException if the text holds no valid certificate
   */
  List<X509Certificate> parse(TrustStore trust, String text) {
    Key key = new Key(text);
    List<X509Certificate> hit = cache.getIfPresent(key);
    if (hit != null) {
      return hit;
    }
    List<X509Certificate> certs = trust.parseCertificatesCached(text);
    cache.put(key, certs);
    return certs;
  }

  private static final class Key {
    final String text;
    final int hash;

    Key(String text) {
      this.text = text;
      int n = text.length();
      int h = n;
      int step = Math.max(1, n / SAMPLES);
      for (int i = 0; i < n; i += step) {
        h = 31 * h + text.charAt(i);
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && k.text.equals(text);
    }
  }
}
