package org.fedmsg.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.fedmsg.WireFormat;
import org.fedmsg.certs.KeyType;
import org.junit.jupiter.api.Test;

class BenchSpecTest {

  @Test
  void build_fedmsg1WithEd25519_refused() {
    assertThatThrownBy(() -> BenchSpec.builder().format(WireFormat.FEDMSG1).keyType(KeyType.ED25519).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("RSA only");
  }

  @Test
  void build_fedmsg1WithRsa_accepted() {
    assertThat(BenchSpec.builder().format(WireFormat.FEDMSG1).keyType(KeyType.RSA_2048).build().format())
        .isEqualTo(WireFormat.FEDMSG1);
  }

  @Test
  void setters_outOfRange_refused() {
    assertThatThrownBy(() -> BenchSpec.builder().publishers(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().size(BenchPayload.MIN_SIZE - 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().messages(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().rate(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().policyRules(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().duration(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().verifyThreads(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BenchSpec.builder().highWaterMark(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void padding_bringsThePayloadToTheAskedSize() throws Exception {
    String pad = BenchPayload.padding("abcd1234-pub-1", 1000, 1024);
    String json = new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(new BenchPayload("abcd1234-pub-1", 1000, 1000, BenchPayload.nowMicros()).toMap(pad));
    assertThat(json.length()).isEqualTo(1024);
  }
}
