package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrustOptionsTest {

  @Test
  void build_noCa_throwsIllegalState() {
    assertThatThrownBy(() -> TrustOptions.builder().build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void ca_httpUrl_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().ca("http://example.org/ca.crt"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
  }

  @Test
  void ca_blank_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().ca(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void minRsaBits_negative_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().minRsaBits(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void allowedDigests_empty_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().allowedDigests(Set.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void crlGracePeriod_negative_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().crlGracePeriod(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pollInterval_zero_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().pollInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void caCertificates_empty_throwsIllegalArgument() {
    assertThatThrownBy(() -> TrustOptions.builder().caCertificates(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ca_setTwice_lastWins() {
    TrustOptions o = TrustOptions.builder().ca("/a").ca("/b").build();
    assertThat(o.caLocation).isEqualTo("/b");
  }

  @Test
  void applyConfig_empty_usesReferenceDefaults() {
    TrustOptions o = TrustOptions.builder().applyConfig(Map.of()).build();

    assertThat(o.caLocation).isEqualTo(TrustOptions.DEFAULT_CA_LOCATION);
    assertThat(o.crlLocation).isEqualTo(TrustOptions.DEFAULT_CRL_LOCATION);
    assertThat(o.crlFailureMode).isEqualTo(CrlFailureMode.FAIL_CLOSED);
  }

  @Test
  void applyConfig_allKeys_applied() {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put("ca_cert_location", "/etc/pki/fedmsg/ca.crt");
    cfg.put("crl_location", null);
    cfg.put("crypto_min_rsa_bits", 2048);
    cfg.put("crypto_allowed_digests", List.of("sha256", "SHA-384"));
    cfg.put("crl_grace_period", "600");
    cfg.put("crl_failure_mode", "fail_open");
    cfg.put("trust_state_dir", "/var/lib/fedmsg");

    TrustOptions o = TrustOptions.builder().applyConfig(cfg).build();

    assertThat(o.caLocation).isEqualTo("/etc/pki/fedmsg/ca.crt");
    assertThat(o.crlLocation).isNull();
    assertThat(o.minRsaBits).isEqualTo(2048);
    assertThat(o.allowedDigests).containsExactlyInAnyOrder(Digest.SHA256, Digest.SHA384);
    assertThat(o.crlGracePeriod).isEqualTo(Duration.ofMinutes(10));
    assertThat(o.crlFailureMode).isEqualTo(CrlFailureMode.FAIL_OPEN);
    assertThat(o.stateDirectory).hasToString("/var/lib/fedmsg");
  }

  @Test
  void applyConfig_badValues_throwIllegalArgumentNamingKey() {
    assertThatThrownBy(() -> TrustOptions.builder().applyConfig(Map.of("crypto_min_rsa_bits", "lots")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crypto_min_rsa_bits");
    assertThatThrownBy(() -> TrustOptions.builder().applyConfig(Map.of("crl_failure_mode", "maybe")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crl_failure_mode");
    assertThatThrownBy(() -> TrustOptions.builder().applyConfig(Map.of("crypto_allowed_digests", List.of("crc32"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crypto_allowed_digests");
  }

  @Test
  void signatureAlgorithm_fromWireName_roundTripsAndRejectsUnknown() {
    for (SignatureAlgorithm a : SignatureAlgorithm.values()) {
      assertThat(SignatureAlgorithm.fromWireName(a.wireName())).contains(a);
    }
    assertThat(SignatureAlgorithm.fromWireName("rot13")).isEmpty();
    assertThat(SignatureAlgorithm.fromWireName(null)).isEmpty();
  }
}
