package org.fedmsg.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CurveKeysTest {

  // The ZeroMQ Z85 test vector (rfc.zeromq.org/spec/32): 8 bytes -> "HelloWorld"; padded here to a key.
  @Test
  void decode_knownVector_matchesSpec() {
    String key = "HelloWorld".repeat(4);
    byte[] raw = CurveKeys.decode(key).orElseThrow();
    assertThat(raw).startsWith(0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B);
  }

  @Property(tries = 200)
  void encodeDecode_anyKey_roundTrips(@ForAll @Size(32) byte[] raw) {
    assertThat(CurveKeys.decode(CurveKeys.encode(raw))).hasValueSatisfying(d -> assertThat(d).isEqualTo(raw));
  }

  @Test
  void decode_wrongLengthOrAlphabet_empty() {
    assertThat(CurveKeys.decode("abc")).isEmpty();
    assertThat(CurveKeys.decode("HelloWorld".repeat(3) + "HelloWorl\"")).isEmpty();
    // "#####" is 84*(85^4+...+1) > 2^32-1: five digits that do not fit 32 bits.
    assertThat(CurveKeys.decode("#####" + "HelloWorld".repeat(3) + "Hello")).isEmpty();
    assertThat(CurveKeys.isValid(null)).isFalse();
  }

  @Test
  void fingerprint_validKey_isStableAndShort() {
    String key = "HelloWorld".repeat(4);
    assertThat(CurveKeys.fingerprint(key)).startsWith("SHA256:").hasSize(7 + 16).isEqualTo(CurveKeys.fingerprint(key));
    assertThatThrownBy(() -> CurveKeys.fingerprint("nope")).isInstanceOf(IllegalArgumentException.class);
  }
}
