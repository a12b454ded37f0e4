package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CombinedPolicyTest {
  private static final TopicNamespace NS = new TopicNamespace("org.fedoraproject", "prod");
  private static final String PKGDB = "org.fedoraproject.prod.pkgdb.package.update";
  private final CompiledPolicy open = TopicPolicy.parse("default: allow\n", "open", NS);
  private final CompiledPolicy pkgdbOnly = TopicPolicy.parse(
      "default: allow\nrules:\n  - topics: [\"pkgdb.*\"]\n    signers: [\"pkgdb-*\"]\n    effect: allow\n", "pkgdb", NS);

  @Test
  void decide_oneDenies_denialOfThatPart() {
    TopicPolicy both = CombinedPolicy.allOf(List.of(open, pkgdbOnly));

    Decision d = both.decide(PKGDB, "bodhi-app01");

    assertThat(d.allowed()).isFalse();
    assertThat(d).isEqualTo(pkgdbOnly.decide(PKGDB, "bodhi-app01"));
  }

  @Test
  void decide_allAllow_firstPartsDecision() {
    TopicPolicy both = CombinedPolicy.allOf(List.of(pkgdbOnly, open));

    assertThat(both.decide(PKGDB, "pkgdb-app01")).isEqualTo(pkgdbOnly.decide(PKGDB, "pkgdb-app01"));
  }

  @Test
  void allOf_onePart_isThatPart() {
    assertThat(CombinedPolicy.allOf(List.of(open))).isSameAs(open);
  }

  @Test
  void allOf_noPart_refused() {
    assertThatThrownBy(() -> CombinedPolicy.allOf(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
