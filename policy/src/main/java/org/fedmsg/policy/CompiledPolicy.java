package org.fedmsg.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable, compiled topic policy: the {@code rules} list, the reference
 * {@code routing_policy} entries, and the default for topics no rule mentions.
 *
 * <p>Semantics, exactly: a deny rule (or one of unknown effect) matching topic and signer denies;
 * otherwise an allow rule matching both allows; otherwise, if any rule mentions the topic, it is
 * denied (a mentioned topic is closed to every signer the rules do not allow); otherwise the
 * default decides. {@code routing_policy} entries are allow rules whose topic and signers are
 * exact strings, so a policy made of them alone decides exactly as the reference
 * {@code validate_policy} with {@code routing_nitpicky} as the default.
 *
 * <p>Patterns are compiled once, at {@link Builder#build()}; decisions use a prefix index and
 * plain character comparisons (no regular expressions) and are cached per (topic, signer) in a
 * bounded cache. Thread-safe: instances never change, and {@link #decide} may be called from any
 * number of threads. A reload builds a new instance (see {@link ReloadingPolicy}).
 */
public final class CompiledPolicy implements TopicPolicy {
  /** Decisions cached per policy by default; enough for every (topic, signer) pair of a busy bus. */
  public static final long DEFAULT_CACHE_SIZE = 10_000;

  private final TopicNamespace namespace;
  private final String source;
  private final List<TopicRule> rules;
  private final Effect defaultEffect;
  private final String defaultLabel;
  private final String[] labels;
  private final RuleIndex index;
  private final Cache<Key, Decision> cache;

  private record Key(String topic, String signer) {}

  private CompiledPolicy(Builder b, Effect defaultEffect, String defaultLabel) {
    this.namespace = b.namespace;
    this.source = b.source;
    List<TopicRule> all = new ArrayList<>(b.rules);
    all.addAll(b.routing);
    this.rules = List.copyOf(all);
    this.defaultEffect = defaultEffect;
    this.defaultLabel = defaultLabel;
    this.labels = new String[rules.size()];
    int fileRules = 0;
    for (int r = 0; r < rules.size(); r++) {
      TopicRule rule = rules.get(r);
      labels[r] = rule.origin() == TopicRule.Origin.RULES
          ? "rules[" + fileRules++ + "]"
          : "routing_policy[\"" + rule.topics().get(0) + "\"]";
    }
    this.index = new RuleIndex(rules, namespace);
    this.cache = b.cacheSize == 0 ? null : Caffeine.newBuilder().executor(Runnable::run).maximumSize(b.cacheSize).build();
  }

  /** A builder with namespace {@link TopicNamespace#DEFAULT}, no rules and no default set. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides whether {@code signerCommonName} may emit {@code topic}.
   *
   * @param topic the message's full topic, or {@code null} for a message without one (it matches
   *     no rule and no {@code routing_policy} entry, as in the reference)
   * @param signerCommonName the first CN of the verified signing certificate; not null
   * @return the decision with what decided it; never null
   * @throws NullPointerException if {@code signerCommonName} is null
   */
  @Override
  public Decision decide(String topic, String signerCommonName) {
    Objects.requireNonNull(signerCommonName, "signerCommonName");
    if (topic == null || cache == null) {
      return evaluate(topic, signerCommonName);
    }
    Key key = new Key(topic, signerCommonName);
    Decision d = cache.getIfPresent(key);
    if (d == null) {
      d = evaluate(topic, signerCommonName);
      cache.put(key, d);
    }
    return d;
  }

  private Decision evaluate(String topic, String signer) {
    long packed = topic == null ? -1 : index.evaluate(topic, signer);
    if (packed < 0) {
      return new Decision(defaultEffect.allows(), topic, signer, Decision.Basis.DEFAULT, -1, null, defaultLabel);
    }
    Decision.Basis basis = RuleIndex.basis(packed);
    int r = RuleIndex.rule(packed);
    return new Decision(basis == Decision.Basis.ALLOW_RULE, topic, signer, basis, r, rules.get(r), labels[r]);
  }

  /** The namespace relative topic patterns were resolved against. */
  public TopicNamespace namespace() {
    return namespace;
  }

  /** Where the policy came from: a file name, {@code fedmsg.d config}, or {@code built in code}. */
  public String source() {
    return source;
  }

  /**
   * Every rule: the {@code rules} list in file order, then one allow rule per
   * {@code routing_policy} entry. {@link Decision#ruleIndex()} indexes this list. Unmodifiable.
   */
  public List<TopicRule> rules() {
    return rules;
  }

  /** The effective default for topics no rule mentions: {@link Effect#ALLOW} or {@link Effect#DENY}. */
  public Effect defaultEffect() {
    return defaultEffect;
  }

  /** What set the default, e.g. {@code default: deny} or {@code routing_nitpicky: false}. */
  public String defaultLabel() {
    return defaultLabel;
  }

  /** The label of rule {@code r} used in decisions: {@code rules[i]} or {@code routing_policy["t"]}. */
  public String label(int r) {
    return labels[r];
  }

  RuleIndex index() {
    return index;
  }

  @Override
  public String toString() {
    return "CompiledPolicy[" + source + ", " + rules.size() + " rules, " + defaultLabel + "]";
  }

  /**
   * Builds a {@link CompiledPolicy}; policy files and the {@code fedmsg.d} config feed this builder.
   * Not thread-safe; {@link #build()} may be called more than once.
   */
  public static final class Builder {
    private TopicNamespace namespace = TopicNamespace.DEFAULT;
    private String source = "built in code";
    private final List<TopicRule> rules = new ArrayList<>();
    private final List<TopicRule> routing = new ArrayList<>();
    private Effect declaredDefault;
    private Boolean nitpicky;
    private long cacheSize = DEFAULT_CACHE_SIZE;

    private Builder() {}

    /** The namespace relative topic patterns resolve against. @throws NullPointerException if null */
    public Builder namespace(TopicNamespace namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /** A label for messages and decisions, e.g. the file name. @throws NullPointerException if null */
    public Builder source(String source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * The effect for topics no rule mentions. {@link Effect#UNKNOWN} acts as deny. If this is not
     * called and {@link #routingNitpicky} is not either, the default is deny.
     *
     * @throws NullPointerException if null
     */
    public Builder defaultEffect(Effect effect) {
      this.declaredDefault = Objects.requireNonNull(effect, "effect");
      return this;
    }

    /**
     * The reference {@code routing_nitpicky}: true denies topics no rule mentions. When both this
     * and {@link #defaultEffect} are given, the stricter wins (deny if either says deny).
     */
    public Builder routingNitpicky(boolean nitpicky) {
      this.nitpicky = nitpicky;
      return this;
    }

    /** Appends a rule. @throws NullPointerException if null */
    public Builder rule(TopicRule rule) {
      Objects.requireNonNull(rule, "rule");
      (rule.origin() == TopicRule.Origin.RULES ? rules : routing).add(rule);
      return this;
    }

    /**
     * Adds the reference {@code routing_policy}: exact topic to the exact certificate CNs that may
     * emit it. Entries keep the map's iteration order.
     *
     * @throws NullPointerException if the map, a key, a list or a name is null
     */
    public Builder routingPolicy(Map<String, ? extends Collection<String>> routingPolicy) {
      routingPolicy.forEach((topic, signers) -> rule(TopicRule.routingEntry(topic, List.copyOf(signers))));
      return this;
    }

    /**
     * Bound of the per-(topic, signer) decision cache; 0 disables caching (every decision is
     * computed, as in the cold benchmark).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder decisionCacheSize(long size) {
      if (size < 0) {
        throw new IllegalArgumentException("decision cache size must not be negative: " + size);
      }
      this.cacheSize = size;
      return this;
    }

    /** Compiles the rules into an immutable policy. */
    public CompiledPolicy build() {
      Effect effective;
      String label;
      if (declaredDefault != null && nitpicky != null) {
        if (!declaredDefault.allows()) {
          effective = Effect.DENY;
          label = defaultLabelOf(declaredDefault);
        } else if (nitpicky) {
          effective = Effect.DENY;
          label = "routing_nitpicky: true";
        } else {
          effective = Effect.ALLOW;
          label = "default: allow";
        }
      } else if (declaredDefault != null) {
        effective = declaredDefault.allows() ? Effect.ALLOW : Effect.DENY;
        label = defaultLabelOf(declaredDefault);
      } else if (nitpicky != null) {
        effective = nitpicky ? Effect.DENY : Effect.ALLOW;
        label = "routing_nitpicky: " + nitpicky;
      } else {
        effective = Effect.DENY;
        label = "default: deny (not set)";
      }
      return new CompiledPolicy(this, effective, label);
    }

    private static String defaultLabelOf(Effect e) {
      return e == Effect.UNKNOWN ? "default: unknown (acts as deny)" : "default: " + e.fileName();
    }
  }
}
