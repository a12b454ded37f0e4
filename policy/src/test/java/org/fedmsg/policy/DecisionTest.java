package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionTest {
  static final CompiledPolicy POLICY = TopicPolicy.builder()
      .namespace(new TopicNamespace("org.fedoraproject", "prod"))
      .defaultEffect(Effect.DENY)
      .rule(TopicRule.allow(List.of("pkgdb.*"), List.of("pkgdb-app0?.phx2.fedoraproject.org")))
      .rule(TopicRule.deny(List.of("pkgdb.package.retire"), List.of("*")))
      .build();
  static final String CREATE = "org.fedoraproject.prod.pkgdb.package.create";

  @Test
  void requireAllowed_denied_throwsNamingRuleTopicAndSigner() {
    assertThatThrownBy(() -> POLICY.requireAllowed(CREATE, "bodhi-app01.phx2.fedoraproject.org"))
        .isInstanceOfSatisfying(PolicyViolationException.class, e -> {
          assertThat(e.decision().ruleIndex()).isEqualTo(0);
          assertThat(e.getMessage())
              .contains(CREATE)
              .contains("bodhi-app01.phx2.fedoraproject.org")
              .contains("rules[0] {topics: [pkgdb.*], signers: [pkgdb-app0?.phx2.fedoraproject.org], effect: allow}");
        });
  }

  @Test
  void requireAllowed_allowed_returnsDecision() {
    Decision d = POLICY.requireAllowed(CREATE, "pkgdb-app01.phx2.fedoraproject.org");
    assertThat(d.allowed()).isTrue();
    assertThat(d.requireAllowed()).isSameAs(d);
  }

  @Test
  void explanation_eachBasis() {
    assertThat(POLICY.decide(CREATE, "pkgdb-app01.phx2.fedoraproject.org").explanation())
        .endsWith("rules[0] {topics: [pkgdb.*], signers: [pkgdb-app0?.phx2.fedoraproject.org], effect: allow} allows it");
    assertThat(POLICY.decide("org.fedoraproject.prod.pkgdb.package.retire", "pkgdb-app01.phx2.fedoraproject.org")
        .explanation()).contains("rules[1]").endsWith("denies it");
    assertThat(POLICY.decide("org.fedoraproject.prod.koji.x", "a").explanation())
        .isEqualTo("signer a may not emit org.fedoraproject.prod.koji.x: no rule mentions the topic, so default: deny applies");
    assertThat(POLICY.decide(null, "a").explanation()).contains("a message without a topic");
  }

  @Test
  void decision_inconsistentParts_throw() {
    TopicRule rule = POLICY.rules().get(0);
    assertThatThrownBy(() -> new Decision(true, "t", "s", Decision.Basis.DEFAULT, 0, rule, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Decision(true, "t", "s", Decision.Basis.DENY_RULE, 0, rule, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PolicyViolationException(POLICY.decide(CREATE, "pkgdb-app01.phx2.fedoraproject.org")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
