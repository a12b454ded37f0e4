package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateFieldCacheTest {
  @TempDir Path dir;

  @Test
  void parse_sameTextTwice_sameCertificates() {
    Fixtures.copyTestCerts(dir);
    try (TrustStore store = WireFixtures.store(dir, WireFixtures.signedVectors().get("configs").get("ca_only"))) {
      CertificateFieldCache cache = new CertificateFieldCache();
      String field = WireFixtures.signed("basic").get("certificate").textValue();
      assertThat(cache.parse(store, new String(field))).isSameAs(cache.parse(store, new String(field)));
    }
  }

  @Test
  void parse_textDifferingOnlyBetweenSampledCharacters_notConfused() {
    Fixtures.copyTestCerts(dir);
    try (TrustStore store = WireFixtures.store(dir, WireFixtures.signedVectors().get("configs").get("ca_only"))) {
      CertificateFieldCache cache = new CertificateFieldCache();
      String field = WireFixtures.signed("basic").get("certificate").textValue();
      java.util.List<java.security.cert.X509Certificate> original = cache.parse(store, field);
      // a change at an odd offset between samples keeps the sampled hash but not the text
      int step = Math.max(1, field.length() / 64);
      int pos = step * 10 + 1;
      char c = field.charAt(pos) == 'A' ? 'B' : 'A';
      String other = field.substring(0, pos) + c + field.substring(pos + 1);
      java.util.List<java.security.cert.X509Certificate> parsed;
      try {
        parsed = cache.parse(store, other);
      } catch (IllegalArgumentException garbled) {
        return; // the changed text is not a certificate: certainly not the cached one
      }
      assertThat(parsed).isNotSameAs(original);
    }
  }
}
