package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
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
  void digestParse_operatorSpellings_andUnknownRefused() {
    assertThat(Digest.parse("sha256")).isEqualTo(Digest.SHA256);
    assertThat(Digest.parse("SHA-384")).isEqualTo(Digest.SHA384);
    assertThatThrownBy(() -> Digest.parse("crc32")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crc32");
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
