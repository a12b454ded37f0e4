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
 * <p>A second map keys a field by its bytes as received ({@link #known}, {@link #rememberRaw}):
 * a fedmsg/1 {@code certificate} JSON literal, or a fedmsg/2 DER chain field, so that offline
 * verification from raw frames neither decodes nor parses a field it has already seen verify.
 *
 * <p>A field is cached only once a message signed with it has verified ({@link #remember}, {@link
 * #rememberRaw}), and each map is weighed in bytes (the field plus three times the certificates'
 * DER) within {@link #MAX_BYTES}: unauthenticated peers sending unique certificates cannot fill
 * the heap.
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

  /* --------------- by the bytes as they arrived --------------- */

  /**
   * Certificates by the bytes of the field as received: a fedmsg/1 {@code certificate} JSON
   * literal (escapes as sent, never decoded on a hit) or a fedmsg/2 DER chain field. Filled only
   * by {@link #rememberRaw}, after a message signed with them verified; same bound as above.
   */
  private final Cache<RawKey, Known> raw = Caffeine.newBuilder().executor(Runnable::run)
      .maximumWeight(MAX_BYTES).weigher((RawKey k, Known v) -> weight(k.to - k.from, v.chain)).build();

  /**
   * What a verified message's certificate field parsed to, and (fedmsg/2) the SHA-256 of the field
   * its signature covers, so that a known chain is neither parsed, nor re-checked, nor hashed again.
   */
  record Known(List<X509Certificate> chain, byte[] sha256) {}

  /** The entry for the field bytes {@code b[from, to)}, or null if none verified yet. */
  Known known(byte[] b, int from, int to) {
    return raw.getIfPresent(new RawKey(b, from, to));
  }

  /** Caches {@code known} for the field bytes {@code b[from, to)} (copied). */
  void rememberRaw(byte[] b, int from, int to, Known known) {
    raw.put(new RawKey(java.util.Arrays.copyOfRange(b, from, to), 0, to - from), known);
  }

  /** The weighed size of what is cached, in bytes. */
  long weighedBytes() {
    cache.cleanUp();
    raw.cleanUp();
    return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow()
        + raw.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  private static int weight(String text, List<X509Certificate> certs) {
    return weight(text.length(), certs);
  }

  private static int weight(int fieldLength, List<X509Certificate> certs) {
    long w = fieldLength;
    for (X509Certificate c : certs) {
      try {
        w += 3L * c.getEncoded().length;
      } catch (CertificateEncodingException e) {
        w += 3L * fieldLength;
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

  /** A byte range; a lookup key wraps the received array, a stored key its own copy. */
  private static final class RawKey {
    final byte[] b;
    final int from;
    final int to;
    final int hash;

    RawKey(byte[] b, int from, int to) {
      this.b = b;
      this.from = from;
      this.to = to;
      int h = to - from;
      int step = Math.max(1, (to - from) / SAMPLES);
      for (int i = from; i < to; i += step) {
        h = 31 * h + b[i];
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RawKey k && k.hash == hash && java.util.Arrays.equals(b, from, to, k.b, k.from, k.to);
    }
  }
}
