package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicPatternsTest {
  private static final TopicNamespace NS = new TopicNamespace("org.fedoraproject", "prod");

  @Test
  void relativePattern_isUnderPrefixAndEnvironment() {
    TopicPatterns p = TopicPatterns.of(List.of("pkgdb.*"), NS);
    assertThat(p.matches("org.fedoraproject.prod.pkgdb.package.owner.update")).isTrue();
    assertThat(p.matches("org.fedoraproject.stg.pkgdb.package.owner.update")).isFalse();
    assertThat(p.matches("org.fedoraproject.prod.koji.build")).isFalse();
    assertThat(p.patterns()).containsExactly("org.fedoraproject.prod.pkgdb.*");
  }

  @Test
  void absoluteAndExactPatterns() {
    TopicPatterns p = TopicPatterns.of(List.of("org.fedoraproject.*.bodhi.update.?", "git.receive"), NS);
    assertThat(p.matches("org.fedoraproject.stg.bodhi.update.x")).isTrue();
    assertThat(p.matches("org.fedoraproject.stg.bodhi.update.xy")).isFalse();
    assertThat(p.matches("org.fedoraproject.prod.git.receive")).isTrue();
    assertThat(p.matches("org.fedoraproject.prod.git.receive.more")).isFalse();
  }

  @Test
  void none_matchesNothing_emptyPatternRefused() {
    assertThat(TopicPatterns.none().matches("org.fedoraproject.prod.x")).isFalse();
    assertThat(TopicPatterns.of(List.of(), NS).isEmpty()).isTrue();
    assertThatThrownBy(() -> TopicPatterns.of(List.of(" "), NS)).isInstanceOf(IllegalArgumentException.class);
  }
}
