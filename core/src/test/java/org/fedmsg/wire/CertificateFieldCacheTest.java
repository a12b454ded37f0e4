package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateFieldCacheTest {
  @TempDir Path dir;

  private TrustStore store() {
    Fixtures.copyTestCerts(dir);
    return WireFixtures.store(dir, WireFixtures.signedVectors().get("configs").get("ca_only"));
  }

  private static String field() {
    return WireFixtures.signed("basic").get("certificate").textValue();
  }

  @Test
  void parse_rememberedText_sameCertificatesForAnEqualString() {
    try (TrustStore store = store()) {
      CertificateFieldCache cache = new CertificateFieldCache();
      List<X509Certificate> first = cache.parse(store, new String(field()));
      cache.remember(field(), first);
      assertThat(cache.parse(store, new String(field()))).isSameAs(first);
      assertThat(cache.weighedBytes()).isPositive().isLessThanOrEqualTo(CertificateFieldCache.MAX_BYTES);
    }
  }

  @Test
  void parse_notRemembered_notCached() {
    try (TrustStore store = store()) {
      CertificateFieldCache cache = new CertificateFieldCache();
      List<X509Certificate> first = cache.parse(store, new String(field()));
      assertThat(cache.parse(store, new String(field()))).isNotSameAs(first).isEqualTo(first);
      assertThat(cache.weighedBytes()).isZero();
    }
  }

  /** A one-character change anywhere in a cached field never returns the cached certificates. */
  @Test
  void parse_textDifferingInAnyOneCharacter_neverTheCachedCertificates() {
    try (TrustStore store = store()) {
      CertificateFieldCache cache = new CertificateFieldCache();
      String field = field();
      List<X509Certificate> cached = cache.parse(store, field);
      cache.remember(field, cached);
      for (int pos = 0; pos < field.length(); pos++) {
        char c = field.charAt(pos) == 'A' ? 'B' : 'A';
        String other = field.substring(0, pos) + c + field.substring(pos + 1);
        List<X509Certificate> parsed;
        try {
          parsed = cache.parse(store, other);
        } catch (IllegalArgumentException garbled) {
          continue;  // not a certificate: certainly not the cached one
        }
        assertThat(parsed).as("changed at %d", pos).isNotSameAs(cached);
      }
    }
  }

  @Test
  void parse_overTheLimit_refused() {
    try (TrustStore store = store()) {
      assertThatThrownBy(() -> new CertificateFieldCache().parse(store, "A".repeat(TrustStore.MAX_CERTIFICATE_TEXT + 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over the limit");
    }
  }

  /* --------------- by the bytes as received --------------- */

  @Test
  void known_onlyAfterRememberRawAndOnlyForTheSameBytes() {
    try (TrustStore store = store()) {
      CertificateFieldCache cache = new CertificateFieldCache();
      byte[] wire = ("xx" + field() + "yy").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      int from = 2;
      int to = wire.length - 2;
      assertThat(cache.known(wire, from, to)).isNull();
      List<X509Certificate> certs = cache.parse(store, field());
      cache.rememberRaw(wire, from, to, new CertificateFieldCache.Known(certs, null));
      // another array with the same bytes at another offset: a hit, the same certificates
      byte[] copy = ("z" + field()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(cache.known(copy, 1, copy.length).chain()).isSameAs(certs);
      // the cache copied what it keeps: changing the caller's array changes nothing
      wire[from + 5] ^= 1;
      assertThat(cache.known(copy, 1, copy.length)).isNotNull();
      for (int pos = 1; pos < copy.length; pos++) {
        byte[] other = copy.clone();
        other[pos] ^= 1;
        assertThat(cache.known(other, 1, other.length)).as("changed at %d", pos).isNull();
      }
      assertThat(cache.known(copy, 1, copy.length - 1)).isNull();
      assertThat(cache.weighedBytes()).isPositive().isLessThanOrEqualTo(2 * CertificateFieldCache.MAX_BYTES);
    }
  }
}
