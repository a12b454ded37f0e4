package org.fedmsg.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StrictUtf8PropertyTest {
  @Property(tries = 5000)
  void isStrictUtf8_randomBytes_agreesWithTheStrictDecoder(@ForAll @Size(max = 12) byte[] bytes) {
    assertThat(CanonicalJson.isStrictUtf8(bytes)).isEqualTo(CanonicalJson.strictUtf8(bytes) != null);
  }

  /** Whatever Java encodes is strict UTF-8 (an unpaired surrogate is encoded as '?'). */
  @Property(tries = 2000)
  void isStrictUtf8_encodedText_accepted(@ForAll String text) {
    assertThat(CanonicalJson.isStrictUtf8(text.getBytes(StandardCharsets.UTF_8))).isTrue();
  }

  /** Every scalar value, from U+0000 to U+10FFFF, in every encoded length, is accepted. */
  @Property(tries = 2000)
  void isStrictUtf8_encodedCodePoints_accepted(
      @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 0x10FFFF) Integer> codePoints) {
    StringBuilder text = new StringBuilder();
    codePoints.stream().filter(cp -> cp < 0xD800 || cp > 0xDFFF).forEach(text::appendCodePoint);
    byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(CanonicalJson.isStrictUtf8(utf8)).isTrue();
    assertThat(CanonicalJson.strictUtf8(utf8)).isEqualTo(text.toString());
  }

  @Test
  void isStrictUtf8_edgeCases() {
    assertThat(CanonicalJson.isStrictUtf8("héllo 😀".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(CanonicalJson.isStrictUtf8(new byte[] {(byte) 0xc0, (byte) 0x80})).isFalse(); // overlong NUL
    assertThat(CanonicalJson.isStrictUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).isFalse(); // surrogate
    assertThat(CanonicalJson.isStrictUtf8(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80})).isFalse();
    assertThat(CanonicalJson.isStrictUtf8(new byte[] {(byte) 0xe2, (byte) 0x82})).isFalse(); // truncated
    assertThat(CanonicalJson.isStrictUtf8(new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0x80})).isFalse(); // overlong
  }
}
