package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fedmsg.policy.Decision.Basis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The decision semantics, as a table of named fixtures (in the style of Kafka's AclBindingTest). */
class TopicPolicyTest {
  static final TopicNamespace PROD = new TopicNamespace("org.fedoraproject", "prod");

  static final String PKGDB01 = "pkgdb-app01.phx2.fedoraproject.org";
  static final String PKGDB_STG = "pkgdb-app01.stg.phx2.fedoraproject.org";
  static final String BODHI07 = "bodhi-app07.phx2.fedoraproject.org";
  static final String BODHI10 = "bodhi-app10.phx2.fedoraproject.org";
  static final String SHELL01 = "shell-app01.phx2.fedoraproject.org";

  static final String PKGDB_CREATE = "org.fedoraproject.prod.pkgdb.package.create";
  static final String PKGDB_OWNER_UPDATE = "org.fedoraproject.prod.pkgdb.package.owner.update";
  static final String PKGDB_RETIRE = "org.fedoraproject.prod.pkgdb.package.retire";
  static final String STG_PKGDB_CREATE = "org.fedoraproject.stg.pkgdb.package.create";
  static final String STG_PKGDB_RETIRE = "org.fedoraproject.stg.pkgdb.package.retire";
  static final String PKGDB_PACKAGE = "org.fedoraproject.prod.pkgdb.package";
  static final String BODHI_REQUEST = "org.fedoraproject.prod.bodhi.update.request";
  static final String BODHI_REUEST = "org.fedoraproject.prod.bodhi.update.reuest";
  static final String BODHI_REQQUEST = "org.fedoraproject.prod.bodhi.update.reqquest";
  static final String LOGGER_LOG = "org.fedoraproject.prod.logger.log";
  static final String KOJI_BUILD = "org.fedoraproject.prod.koji.build.state.change";
  static final String UPPER_PKGDB = "org.fedoraproject.prod.PKGDB.package.create";

  static final TopicRule PKGDB_ALLOW = TopicRule.allow(List.of("pkgdb.*"), List.of("pkgdb-app0*.phx2.fedoraproject.org"));
  static final TopicRule ANY_ENV_PKGDB_ALLOW = TopicRule.allow(List.of("org.fedoraproject.*.pkgdb.*"), List.of("pkgdb-*"));
  static final TopicRule ANY_ENV_RETIRE_DENY = TopicRule.deny(List.of("org.fedoraproject.*.pkgdb.package.retire"), List.of("*"));
  static final TopicRule PKGDB_PACKAGE_STAR = TopicRule.allow(List.of("pkgdb.package*"), List.of("pkgdb-app0?.phx2.fedoraproject.org"));
  static final TopicRule PKGDB_ALL_SIGNERS = TopicRule.allow(List.of("pkgdb.package.*"), List.of("*"));
  static final TopicRule BODHI_QMARK = TopicRule.allow(List.of("bodhi.update.re?uest"), List.of("bodhi-app0?.phx2.fedoraproject.org"));
  static final TopicRule LOGGER_SHELL = TopicRule.allow(List.of("logger.*"), List.of("shell-*"));
  static final TopicRule PKGDB_DENY_BODHI = TopicRule.deny(List.of("pkgdb.*"), List.of("bodhi-*"));
  static final TopicRule PKGDB_UNKNOWN = TopicRule.of(Effect.UNKNOWN, List.of("pkgdb.*"), List.of("pkgdb-*"));
  static final TopicRule PREFIX_ONLY = TopicRule.allow(List.of("org.fedoraproject"), List.of("*"));

  record Case(String name, List<TopicRule> rules, Effect dflt, String topic, String signer,
      boolean allowed, Basis basis, int rule) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("relative pattern, own environment", List.of(PKGDB_ALLOW), Effect.DENY, PKGDB_CREATE, PKGDB01, true, Basis.ALLOW_RULE, 0),
        new Case("relative pattern, other environment is unmentioned", List.of(PKGDB_ALLOW), Effect.DENY, STG_PKGDB_CREATE, PKGDB01, false, Basis.DEFAULT, -1),
        new Case("relative pattern, other environment follows default allow", List.of(PKGDB_ALLOW), Effect.ALLOW, STG_PKGDB_CREATE, PKGDB01, true, Basis.DEFAULT, -1),
        new Case("absolute pattern wildcards the environment", List.of(ANY_ENV_PKGDB_ALLOW), Effect.DENY, STG_PKGDB_CREATE, PKGDB_STG, true, Basis.ALLOW_RULE, 0),
        new Case("star matches a run with dots", List.of(PKGDB_ALLOW), Effect.DENY, PKGDB_OWNER_UPDATE, PKGDB01, true, Basis.ALLOW_RULE, 0),
        new Case("star matches the empty run", List.of(PKGDB_PACKAGE_STAR), Effect.DENY, PKGDB_PACKAGE, PKGDB01, true, Basis.ALLOW_RULE, 0),
        new Case("relative star does not match the bare service", List.of(PKGDB_ALLOW), Effect.DENY, "org.fedoraproject.prod.pkgdb", PKGDB01, false, Basis.DEFAULT, -1),
        new Case("question mark matches one character", List.of(BODHI_QMARK), Effect.DENY, BODHI_REQUEST, BODHI07, true, Basis.ALLOW_RULE, 0),
        new Case("question mark does not match zero characters", List.of(BODHI_QMARK), Effect.DENY, BODHI_REUEST, BODHI07, false, Basis.DEFAULT, -1),
        new Case("question mark does not match two characters", List.of(BODHI_QMARK), Effect.DENY, BODHI_REQQUEST, BODHI07, false, Basis.DEFAULT, -1),
        new Case("signer question mark is one character", List.of(BODHI_QMARK), Effect.DENY, BODHI_REQUEST, BODHI10, false, Basis.NOT_ALLOWED_FOR_TOPIC, 0),
        new Case("signer star matches dots", List.of(LOGGER_SHELL), Effect.DENY, LOGGER_LOG, SHELL01, true, Basis.ALLOW_RULE, 0),
        new Case("mentioned topic closed to other signers despite default allow", List.of(PKGDB_ALLOW), Effect.ALLOW, PKGDB_CREATE, BODHI07, false, Basis.NOT_ALLOWED_FOR_TOPIC, 0),
        new Case("mentioned topic closed to other signers, default deny", List.of(PKGDB_ALLOW, LOGGER_SHELL), Effect.DENY, LOGGER_LOG, PKGDB01, false, Basis.NOT_ALLOWED_FOR_TOPIC, 1),
        new Case("deny beats allow", List.of(PKGDB_ALLOW, ANY_ENV_RETIRE_DENY), Effect.ALLOW, PKGDB_RETIRE, PKGDB01, false, Basis.DENY_RULE, 1),
        new Case("deny beats allow whatever the order", List.of(ANY_ENV_RETIRE_DENY, PKGDB_ALLOW), Effect.ALLOW, PKGDB_RETIRE, PKGDB01, false, Basis.DENY_RULE, 0),
        new Case("absolute deny reaches other environments", List.of(ANY_ENV_PKGDB_ALLOW, ANY_ENV_RETIRE_DENY), Effect.ALLOW, STG_PKGDB_RETIRE, PKGDB_STG, false, Basis.DENY_RULE, 1),
        new Case("deny of another signer still closes the topic", List.of(PKGDB_DENY_BODHI), Effect.ALLOW, PKGDB_CREATE, PKGDB01, false, Basis.NOT_ALLOWED_FOR_TOPIC, 0),
        new Case("deny of this signer", List.of(PKGDB_ALLOW, PKGDB_DENY_BODHI), Effect.ALLOW, PKGDB_CREATE, BODHI07, false, Basis.DENY_RULE, 1),
        new Case("unknown effect acts as deny", List.of(PKGDB_UNKNOWN), Effect.ALLOW, PKGDB_CREATE, PKGDB01, false, Basis.DENY_RULE, 0),
        new Case("unknown default acts as deny", List.of(), Effect.UNKNOWN, KOJI_BUILD, PKGDB01, false, Basis.DEFAULT, -1),
        new Case("lowest allowing rule is named", List.of(PKGDB_ALLOW, PKGDB_ALL_SIGNERS), Effect.DENY, PKGDB_CREATE, PKGDB01, true, Basis.ALLOW_RULE, 0),
        new Case("second rule allows another signer", List.of(PKGDB_ALLOW, PKGDB_ALL_SIGNERS), Effect.DENY, PKGDB_CREATE, BODHI07, true, Basis.ALLOW_RULE, 1),
        new Case("unmentioned topic, default deny", List.of(PKGDB_ALLOW, LOGGER_SHELL), Effect.DENY, KOJI_BUILD, SHELL01, false, Basis.DEFAULT, -1),
        new Case("unmentioned topic, default allow", List.of(PKGDB_ALLOW, LOGGER_SHELL), Effect.ALLOW, KOJI_BUILD, SHELL01, true, Basis.DEFAULT, -1),
        new Case("matching is case-sensitive", List.of(PKGDB_ALLOW), Effect.DENY, UPPER_PKGDB, PKGDB01, false, Basis.DEFAULT, -1),
        new Case("signer matching is case-sensitive", List.of(PKGDB_ALLOW), Effect.DENY, PKGDB_CREATE, PKGDB01.toUpperCase(java.util.Locale.ROOT), false, Basis.NOT_ALLOWED_FOR_TOPIC, 0),
        new Case("the bare prefix is an absolute pattern", List.of(PREFIX_ONLY), Effect.DENY, "org.fedoraproject", SHELL01, true, Basis.ALLOW_RULE, 0),
        new Case("message without a topic follows the default", List.of(PKGDB_ALL_SIGNERS), Effect.DENY, null, SHELL01, false, Basis.DEFAULT, -1),
        new Case("message without a topic, default allow", List.of(PKGDB_ALL_SIGNERS), Effect.ALLOW, null, SHELL01, true, Basis.DEFAULT, -1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decide_table(Case c) {
    for (long cacheSize : new long[] {0, 100}) {
      CompiledPolicy.Builder b = TopicPolicy.builder().namespace(PROD).defaultEffect(c.dflt()).decisionCacheSize(cacheSize);
      c.rules().forEach(b::rule);
      CompiledPolicy p = b.build();
      // twice: the second answer may come from the cache
      for (int repeat = 0; repeat < 2; repeat++) {
        Decision d = p.decide(c.topic(), c.signer());
        assertThat(d.allowed()).as("allowed").isEqualTo(c.allowed());
        assertThat(d.basis()).as("basis").isEqualTo(c.basis());
        assertThat(d.ruleIndex()).as("rule").isEqualTo(c.rule());
        assertThat(d.topic()).isEqualTo(c.topic());
        assertThat(d.signer()).isEqualTo(c.signer());
        if (c.rule() >= 0) {
          assertThat(d.rule()).isEqualTo(c.rules().get(c.rule()));
          assertThat(d.decidedBy()).isEqualTo("rules[" + c.rule() + "]");
        } else {
          assertThat(d.rule()).isNull();
        }
      }
    }
  }

  /* --------------- routing_policy, alone and with rules --------------- */

  static final String ANNOUNCE = "org.fedoraproject.prod.announce.announcement";
  static final String LOCKBOX = "announce-lockbox.phx2.fedoraproject.org";

  @Test
  void decide_routingEntry_exactTopicAndSigner() {
    CompiledPolicy p = TopicPolicy.builder().namespace(PROD).routingPolicy(Map.of(ANNOUNCE, List.of(LOCKBOX)))
        .routingNitpicky(false).build();
    assertThat(p.decide(ANNOUNCE, LOCKBOX).allowed()).isTrue();
    assertThat(p.decide(ANNOUNCE, LOCKBOX).decidedBy()).isEqualTo("routing_policy[\"" + ANNOUNCE + "\"]");
    assertThat(p.decide(ANNOUNCE, SHELL01).basis()).isEqualTo(Basis.NOT_ALLOWED_FOR_TOPIC);
    assertThat(p.decide(ANNOUNCE + ".x", SHELL01).basis()).isEqualTo(Basis.DEFAULT);
    assertThat(p.decide(ANNOUNCE + ".x", SHELL01).allowed()).isTrue();
    assertThat(p.decide(ANNOUNCE + ".x", SHELL01).decidedBy()).isEqualTo("routing_nitpicky: false");
  }

  @Test
  void decide_routingEntryWithWildcardCharacters_comparesExactly() {
    CompiledPolicy p = TopicPolicy.builder().namespace(PROD)
        .routingPolicy(Map.of("org.fedoraproject.prod.pkgdb.*", List.of("pkgdb-*"))).routingNitpicky(true).build();
    assertThat(p.decide(PKGDB_CREATE, "pkgdb-*").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.*", PKGDB01).allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.*", "pkgdb-*").allowed()).isTrue();
  }

  @Test
  void decide_routingEntryIsNotRelative() {
    CompiledPolicy p = TopicPolicy.builder().namespace(PROD)
        .routingPolicy(Map.of("pkgdb.package.create", List.of(PKGDB01))).routingNitpicky(true).build();
    assertThat(p.decide(PKGDB_CREATE, PKGDB01).basis()).isEqualTo(Basis.DEFAULT);
    assertThat(p.decide("pkgdb.package.create", PKGDB01).allowed()).isTrue();
  }

  @Test
  void decide_routingEntryWithNoSigners_closesTopic() {
    CompiledPolicy p = TopicPolicy.builder().namespace(PROD).routingPolicy(Map.of(ANNOUNCE, List.of()))
        .routingNitpicky(false).build();
    assertThat(p.decide(ANNOUNCE, LOCKBOX).allowed()).isFalse();
  }

  @Test
  void decide_denyRuleAndRoutingAllow_denyWins() {
    CompiledPolicy p = TopicPolicy.builder().namespace(PROD)
        .routingPolicy(Map.of(PKGDB_RETIRE, List.of(PKGDB01))).rule(ANY_ENV_RETIRE_DENY).build();
    Decision d = p.decide(PKGDB_RETIRE, PKGDB01);
    assertThat(d.allowed()).isFalse();
    assertThat(d.decidedBy()).isEqualTo("rules[0]");
    // routing entries come after the rules list in rules()
    assertThat(p.rules()).hasSize(2);
    assertThat(p.label(1)).isEqualTo("routing_policy[\"" + PKGDB_RETIRE + "\"]");
  }

  @Test
  void decide_ruleAllowsAnotherSignerOfARoutingTopic_unionOfAllows() {
    CompiledPolicy p = TopicPolicy.builder().namespace(PROD)
        .routingPolicy(Map.of(PKGDB_CREATE, List.of(PKGDB01))).rule(PKGDB_ALL_SIGNERS).build();
    assertThat(p.decide(PKGDB_CREATE, BODHI07).allowed()).isTrue();
  }

  /* --------------- defaults --------------- */

  @Test
  void build_noDefaultAtAll_deniesUnmentioned() {
    CompiledPolicy p = TopicPolicy.builder().build();
    assertThat(p.defaultEffect()).isEqualTo(Effect.DENY);
    assertThat(p.decide(KOJI_BUILD, SHELL01).allowed()).isFalse();
  }

  @Test
  void build_defaultAllowAndNitpicky_stricterWins() {
    CompiledPolicy p = TopicPolicy.builder().defaultEffect(Effect.ALLOW).routingNitpicky(true).build();
    assertThat(p.defaultEffect()).isEqualTo(Effect.DENY);
    assertThat(p.defaultLabel()).isEqualTo("routing_nitpicky: true");
    CompiledPolicy q = TopicPolicy.builder().defaultEffect(Effect.DENY).routingNitpicky(false).build();
    assertThat(q.defaultEffect()).isEqualTo(Effect.DENY);
    assertThat(q.defaultLabel()).isEqualTo("default: deny");
  }

  @Test
  void builder_negativeCacheSize_throws() {
    assertThatThrownBy(() -> TopicPolicy.builder().decisionCacheSize(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decide_nullSigner_throws() {
    assertThatThrownBy(() -> TopicPolicy.builder().build().decide(KOJI_BUILD, null))
        .isInstanceOf(NullPointerException.class);
  }

  /* --------------- rules --------------- */

  @Test
  void topicRule_shouldThrowOnEmptyTopics() {
    assertThatThrownBy(() -> TopicRule.allow(List.of(), List.of("*"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void topicRule_shouldThrowOnEmptySigners() {
    assertThatThrownBy(() -> TopicRule.allow(List.of("a"), List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void topicRule_shouldThrowOnEmptyPattern() {
    assertThatThrownBy(() -> TopicRule.allow(List.of(""), List.of("*"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicRule.allow(List.of("a"), List.of(""))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void topicRule_shouldThrowOnWhitespaceInPattern() {
    assertThatThrownBy(() -> TopicRule.allow(List.of("pkgdb. *"), List.of("*")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void topicRule_text_isYamlFlowStyle() {
    assertThat(PKGDB_ALLOW.text())
        .isEqualTo("{topics: [pkgdb.*], signers: [pkgdb-app0*.phx2.fedoraproject.org], effect: allow}");
    assertThat(TopicRule.routingEntry(ANNOUNCE, List.of(LOCKBOX)).text())
        .isEqualTo("\"" + ANNOUNCE + "\": [" + LOCKBOX + "]");
  }

  @Test
  void effect_fromString_unknownSpellingsFailClosed() {
    assertThat(Effect.fromString("Allow")).isEqualTo(Effect.ALLOW);
    assertThat(Effect.fromString(" deny ")).isEqualTo(Effect.DENY);
    assertThat(Effect.fromString("alow")).isEqualTo(Effect.UNKNOWN);
    assertThat(Effect.fromString("")).isEqualTo(Effect.UNKNOWN);
    assertThat(Effect.fromString(null)).isEqualTo(Effect.UNKNOWN);
    assertThat(Effect.UNKNOWN.allows()).isFalse();
  }

  @Test
  void namespace_shouldThrowOnBadParts() {
    assertThatThrownBy(() -> new TopicNamespace("org.*", "dev")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TopicNamespace("org.", "dev")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TopicNamespace("org", "a.b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TopicNamespace("org", " ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void namespace_absolute_onlyWithWholePrefixToken() {
    assertThat(PROD.absolute("pkgdb.*")).isEqualTo("org.fedoraproject.prod.pkgdb.*");
    assertThat(PROD.absolute("org.fedoraproject.*.pkgdb.*")).isEqualTo("org.fedoraproject.*.pkgdb.*");
    assertThat(PROD.absolute("org.fedoraprojectx.a")).isEqualTo("org.fedoraproject.prod.org.fedoraprojectx.a");
  }
}
