package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.fedmsg.crypto.TrustStore;

/**
 * Parsed fedmsg/1 {@code certificate} fields, keyed by their text, in front of {@link
 * TrustStore#parseCertificatesCached(String)}. The field is ~2 KiB and arrives as a fresh string
 * in every message, so {@link String#hashCode()} costs a pass over all of it; this key hashes
 * 64 sampled characters and the length instead, and still compares the full text on a hit, so a
 * collision costs only a cache slot, never a wrong certificate.
 *
 * <p>A field is cached only once a message signed with it has verified ({@link #remember}), and
 * the cache is weighed in bytes (the text plus three times the certificates' DER) within {@link
 * #MAX_BYTES}: unauthenticated peers sending unique certificates cannot fill the heap.
 */
final class CertificateFieldCache {
  /** The most bytes the cache may hold, as weighed. */
  static final long MAX_BYTES = 4L << 20;
  private static final int SAMPLES = 64;

  private final Cache<Key, List<X509Certificate>> cache = Caffeine.newBuilder().executor(Runnable::run)
      .weakValues().maximumWeight(MAX_BYTES).weigher((Key k, List<X509Certificate> v) -> weight(k.text, v)).build();

  /**
   * The certificates of {@code text}: cached if a message signed with it has verified, else
   * parsed by {@code trust} (not cached here until {@link #remember}).
   *
   * @throws IllegalArgumentException if the text holds no valid certificate or is longer than
   *     {@link TrustStore#MAX_CERTIFICATE_TEXT}
   */
  List<X509Certificate> parse(TrustStore trust, String text) {
    if (text.length() > TrustStore.MAX_CERTIFICATE_TEXT) {
      // before hashing or copying anything
      throw new IllegalArgumentException("certificate field of " + text.length() + " characters is over the limit of "
          + TrustStore.MAX_CERTIFICATE_TEXT);
    }
    List<X509Certificate> hit = cache.getIfPresent(new Key(text));
    return hit != null ? hit : trust.parseCertificatesCached(text);
  }

  /** Caches {@code certs} as the parse of {@code text}, once a message signed with them verified. */
  void remember(String text, List<X509Certificate> certs) {
    cache.put(new Key(text), certs);
  }

  /** The weighed size of what is cached, in bytes. */
  long weighedBytes() {
    cache.cleanUp();
    return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  private static int weight(String text, List<X509Certificate> certs) {
    long w = text.length();
    for (X509Certificate c : certs) {
      try {
        w += 3L * c.getEncoded().length;
      } catch (CertificateEncodingException e) {
        w += 3L * text.length();
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, w);
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
