package org.fedmsg.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fedmsg.policy.PolicyTree.Kind;
import org.fedmsg.policy.PolicyTree.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a policy document (a YAML file, or the {@code policy:} section and the reference keys of
 * the merged {@code fedmsg.d} config) into a {@link CompiledPolicy.Builder}. Strict about shape
 * (unknown keys, wrong types and duplicate keys are errors naming file, line and path) and fail
 * closed about meaning (a missing or unknown effect is a deny, with a warning).
 */
final class PolicyParser {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyParser.class);

  static final String DEFAULT = "default";
  static final String RULES = "rules";
  static final String ROUTING_POLICY = "routing_policy";
  static final String ROUTING_NITPICKY = "routing_nitpicky";
  private static final Set<String> POLICY_KEYS = Set.of(DEFAULT, RULES, ROUTING_POLICY, ROUTING_NITPICKY);
  private static final Set<String> RULE_KEYS = Set.of("topics", "signers", "effect");

  private PolicyParser() {}

  /** Applies a whole policy document (a policy file, or a config's {@code policy:} section). */
  static void applyPolicy(Node root, CompiledPolicy.Builder b) {
    if (root.kind != Kind.MAP) {
      throw root.error("a policy is a mapping with 'default' and 'rules', not " + root.describe());
    }
    for (Map.Entry<String, Node> e : root.map.entrySet()) {
      if (!POLICY_KEYS.contains(e.getKey())) {
        throw e.getValue().error("unknown key '" + e.getKey()
            + "' (expected default, rules, routing_policy, routing_nitpicky)");
      }
    }
    Node def = root.map.get(DEFAULT);
    if (def != null) {
      b.defaultEffect(effect(def, "default"));
    }
    Node rules = root.map.get(RULES);
    if (rules != null && rules.kind != Kind.NULL) {
      if (rules.kind != Kind.LIST) {
        throw rules.error("'rules' must be a list of rules, not " + rules.describe());
      }
      for (Node rule : rules.list) {
        b.rule(rule(rule));
      }
    }
    applyRouting(root.map.get(ROUTING_POLICY), root.map.get(ROUTING_NITPICKY), b);
  }

  /** Applies the reference keys {@code routing_policy} and {@code routing_nitpicky} (either may be null). */
  static void applyRouting(Node routingPolicy, Node nitpicky, CompiledPolicy.Builder b) {
    if (routingPolicy != null && routingPolicy.kind != Kind.NULL) {
      if (routingPolicy.kind != Kind.MAP) {
        throw routingPolicy.error("'routing_policy' must map topics to lists of certificate names, not "
            + routingPolicy.describe());
      }
      Map<String, List<String>> entries = new LinkedHashMap<>();
      for (Map.Entry<String, Node> e : routingPolicy.map.entrySet()) {
        entries.put(e.getKey(), strings(e.getValue(), true));
      }
      b.routingPolicy(entries);
    }
    if (nitpicky != null) {
      if (nitpicky.kind != Kind.BOOLEAN) {
        throw nitpicky.error("'routing_nitpicky' must be true or false, not " + nitpicky.describe());
      }
      b.routingNitpicky(Boolean.parseBoolean(nitpicky.scalar));
    }
  }

  private static TopicRule rule(Node node) {
    if (node.kind != Kind.MAP) {
      throw node.error("a rule is a mapping with topics, signers and effect, not " + node.describe());
    }
    for (Map.Entry<String, Node> e : node.map.entrySet()) {
      if (!RULE_KEYS.contains(e.getKey())) {
        throw e.getValue().error("unknown key '" + e.getKey() + "' in a rule (expected topics, signers, effect)");
      }
    }
    Node topics = node.map.get("topics");
    Node signers = node.map.get("signers");
    if (topics == null) {
      throw node.error("the rule has no 'topics'");
    }
    if (signers == null) {
      throw node.error("the rule has no 'signers'");
    }
    List<String> topicList = strings(topics, false);
    List<String> signerList = strings(signers, false);
    Node eff = node.map.get("effect");
    Effect effect;
    if (eff == null) {
      effect = Effect.UNKNOWN;
      warn(node, "the rule has no 'effect'; it acts as deny");
    } else {
      effect = effect(eff, "effect");
    }
    try {
      return TopicRule.of(effect, topicList, signerList);
    } catch (IllegalArgumentException e) {
      throw node.error(e.getMessage());
    }
  }

  private static Effect effect(Node node, String what) {
    if (node.kind == Kind.MAP || node.kind == Kind.LIST) {
      throw node.error("'" + what + "' must be allow or deny, not " + node.describe());
    }
    Effect e = node.kind == Kind.STRING ? Effect.fromString(node.scalar) : Effect.UNKNOWN;
    if (e == Effect.UNKNOWN) {
      warn(node, "'" + what + "' is " + node.describe() + ", not allow or deny; it acts as deny");
    }
    return e;
  }

  private static List<String> strings(Node node, boolean mayBeEmpty) {
    if (node.kind != Kind.LIST) {
      throw node.error("expected a list of strings, not " + node.describe());
    }
    if (node.list.isEmpty() && !mayBeEmpty) {
      throw node.error("the list must not be empty");
    }
    List<String> out = new ArrayList<>(node.list.size());
    for (Node item : node.list) {
      if (item.kind != Kind.STRING) {
        throw item.error("expected a string, not " + item.describe());
      }
      if (!mayBeEmpty && item.scalar.isEmpty()) {
        throw item.error("empty pattern");
      }
      out.add(item.scalar);
    }
    return out;
  }

  private static void warn(Node node, String message) {
    LOG.warn("{}", node.error(message).getMessage());
  }
}
