package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class GlobTest {

  @Provide
  Arbitrary<String> patterns() {
    return Arbitraries.strings().withChars('a', 'b', '.', '*', '?').ofMaxLength(7);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().withChars('a', 'b', '.').ofMaxLength(9);
  }

  /** The test oracle only: a regular expression built from the glob. */
  private static boolean oracle(String glob, String text) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(text).matches();
  }

  @Property(tries = 3000)
  void matches_agreesWithRegexOracle(@ForAll("patterns") String pattern, @ForAll("texts") String text) {
    assertThat(Glob.compile(pattern).matches(text)).isEqualTo(oracle(pattern, text));
  }

  @Property(tries = 3000)
  void covers_isSound(@ForAll("patterns") String wide, @ForAll("patterns") String narrow, @ForAll("texts") String text) {
    if (Glob.covers(Glob.compile(wide), Glob.compile(narrow)) && Glob.compile(narrow).matches(text)) {
      assertThat(Glob.compile(wide).matches(text)).isTrue();
    }
  }

  @Test
  void covers_commonCases() {
    assertThat(Glob.covers(Glob.compile("a.*"), Glob.compile("a.b.*"))).isTrue();
    assertThat(Glob.covers(Glob.compile("*"), Glob.compile("a?b"))).isTrue();
    assertThat(Glob.covers(Glob.compile("a.?"), Glob.compile("a.*"))).isFalse();
    assertThat(Glob.covers(Glob.compile("a.b.*"), Glob.compile("a.*"))).isFalse();
    assertThat(Glob.covers(Glob.compile("a.*"), Glob.literal("a.*"))).isTrue();
    assertThat(Glob.covers(Glob.literal("a.*"), Glob.compile("a.b"))).isFalse();
  }

  @Test
  void literal_wildcardCharactersAreOrdinary() {
    assertThat(Glob.literal("a.*").matches("a.*")).isTrue();
    assertThat(Glob.literal("a.*").matches("a.b")).isFalse();
    assertThat(Glob.literal("a.?").matches("a.b")).isFalse();
  }

  @Test
  void literalPrefix_stopsAtFirstWildcard() {
    assertThat(Glob.compile("org.x.*.y").literalPrefix()).isEqualTo("org.x.");
    assertThat(Glob.compile("org.?").literalPrefix()).isEqualTo("org.");
    assertThat(Glob.compile("org.x").literalPrefix()).isEqualTo("org.x");
  }
}
