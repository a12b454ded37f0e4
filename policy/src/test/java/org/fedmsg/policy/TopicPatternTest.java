package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicPatternTest {
  private static final TopicNamespace NS = new TopicNamespace("org.fedoraproject", "prod");

  @Test
  void relative_resolvedAgainstNamespace() {
    TopicPattern p = TopicPattern.compile("bodhi.*", NS);
    assertThat(p.toString()).isEqualTo("org.fedoraproject.prod.bodhi.*");
    assertThat(p.matches("org.fedoraproject.prod.bodhi.update.request")).isTrue();
    assertThat(p.matches("org.fedoraproject.prod.pkgdb.update")).isFalse();
    assertThat(p.matches("org.fedoraproject.stg.bodhi.update")).isFalse();
  }

  @Test
  void absoluteAndStar_matchAsGlobs() {
    assertThat(TopicPattern.compile("org.fedoraproject.*.bodhi.?pdate", NS).matches("org.fedoraproject.stg.bodhi.update"))
        .isTrue();
    assertThat(TopicPattern.compile("*", NS).matches("com.example.anything")).isTrue();
  }

  @Test
  void covers_narrowerPatternsOnly() {
    TopicPattern bodhi = TopicPattern.compile("bodhi.*", NS);
    assertThat(bodhi.covers(TopicPattern.compile("bodhi.update.*", NS))).isTrue();
    assertThat(bodhi.covers(TopicPattern.compile("*", NS))).isFalse();
    assertThat(bodhi.covers(TopicPattern.compile("pkgdb.*", NS))).isFalse();
  }

  @Test
  void blankOrWhitespace_refused() {
    assertThatThrownBy(() -> TopicPattern.compile(" ", NS)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicPattern.compile("a b", NS)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whitespace");
  }
}
