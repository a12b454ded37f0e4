package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Monotonicity of the semantics over random rule sets drawn from a small vocabulary of
 * overlapping patterns (relative, absolute, wildcarded environment, {@code *}, {@code ?}).
 */
class PolicyPropertiesTest {
  static final TopicNamespace NS = new TopicNamespace("org.fedoraproject", "dev");

  static final List<String> TOPIC_PATTERNS = List.of(
      "a.*", "a.b", "a.?", "*", "b.*", "a.b.*", "?.b", "org.fedoraproject.*.a.b", "org.fedoraproject.stg.*", "*.c");
  static final List<String> SIGNER_PATTERNS = List.of("s1", "s2", "s*", "*", "?1", "t?");
  static final List<String> TOPICS = List.of(
      "org.fedoraproject.dev.a.b", "org.fedoraproject.dev.a.c", "org.fedoraproject.dev.b.b",
      "org.fedoraproject.stg.a.b", "org.fedoraproject.dev.a.b.c", "org.fedoraproject.dev.x",
      "org.other.dev.a.b");
  static final List<String> SIGNERS = List.of("s1", "s2", "t1", "u9");

  @Provide
  Arbitrary<TopicRule> rules() {
    return Combinators.combine(
            Arbitraries.of(TOPIC_PATTERNS).list().ofMinSize(1).ofMaxSize(3),
            Arbitraries.of(SIGNER_PATTERNS).list().ofMinSize(1).ofMaxSize(3),
            Arbitraries.of(Effect.ALLOW, Effect.DENY, Effect.UNKNOWN))
        .as((t, s, e) -> TopicRule.of(e, t, s));
  }

  @Provide
  Arbitrary<List<TopicRule>> ruleSets() {
    return rules().list().ofMaxSize(8);
  }

  @Provide
  Arbitrary<String> topics() {
    return Arbitraries.of(TOPICS);
  }

  @Provide
  Arbitrary<String> signers() {
    return Arbitraries.of(SIGNERS);
  }

  @Provide
  Arbitrary<Effect> defaults() {
    return Arbitraries.of(Effect.ALLOW, Effect.DENY);
  }

  static CompiledPolicy policy(List<TopicRule> rules, Effect dflt) {
    CompiledPolicy.Builder b = TopicPolicy.builder().namespace(NS).defaultEffect(dflt).decisionCacheSize(0);
    rules.forEach(b::rule);
    return b.build();
  }

  @Property
  void addingADenyRule_neverTurnsDenyIntoAllow(
      @ForAll("ruleSets") List<TopicRule> rules, @ForAll("rules") TopicRule extra, @ForAll("defaults") Effect dflt,
      @ForAll @IntRange(min = 0, max = 8) int at, @ForAll("topics") String topic, @ForAll("signers") String signer) {
    TopicRule deny = TopicRule.deny(extra.topics(), extra.signers());
    List<TopicRule> more = new ArrayList<>(rules);
    more.add(Math.min(at, more.size()), deny);
    boolean before = policy(rules, dflt).decide(topic, signer).allowed();
    boolean after = policy(more, dflt).decide(topic, signer).allowed();
    assertThat(!before && after).as("deny turned into allow").isFalse();
  }

  @Property
  void removingAnAllowRule_neverTurnsDenyIntoAllow_withDefaultDeny(
      @ForAll("ruleSets") List<TopicRule> rules, @ForAll @IntRange(min = 0, max = 7) int which,
      @ForAll("topics") String topic, @ForAll("signers") String signer) {
    List<Integer> allows = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).effect() == Effect.ALLOW) {
        allows.add(i);
      }
    }
    if (allows.isEmpty()) {
      return;
    }
    List<TopicRule> fewer = new ArrayList<>(rules);
    fewer.remove((int) allows.get(which % allows.size()));
    boolean before = policy(rules, Effect.DENY).decide(topic, signer).allowed();
    boolean after = policy(fewer, Effect.DENY).decide(topic, signer).allowed();
    assertThat(!before && after).as("deny turned into allow").isFalse();
  }

  @Property
  void denyRuleMatchingTopicAndSigner_alwaysDenies(
      @ForAll("ruleSets") List<TopicRule> rules, @ForAll("defaults") Effect dflt,
      @ForAll("topics") String topic, @ForAll("signers") String signer) {
    // a rule pattern without the prefix is relative, so a foreign topic cannot be named by a rule
    net.jqwik.api.Assume.that(NS.isAbsolute(topic));
    List<TopicRule> more = new ArrayList<>(rules);
    more.add(TopicRule.deny(List.of(topic), List.of(signer)));
    Decision d = policy(more, dflt).decide(topic, signer);
    assertThat(d.allowed()).isFalse();
    assertThat(d.basis()).isEqualTo(Decision.Basis.DENY_RULE);
  }

  @Property
  void cachedAndUncached_decideAlike(
      @ForAll("ruleSets") List<TopicRule> rules, @ForAll("defaults") Effect dflt,
      @ForAll("topics") String topic, @ForAll("signers") String signer) {
    CompiledPolicy.Builder b = TopicPolicy.builder().namespace(NS).defaultEffect(dflt).decisionCacheSize(16);
    rules.forEach(b::rule);
    CompiledPolicy cached = b.build();
    cached.decide(topic, signer);
    assertThat(cached.decide(topic, signer)).isEqualTo(policy(rules, dflt).decide(topic, signer));
  }
}
