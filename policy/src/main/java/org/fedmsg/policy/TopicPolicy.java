package org.fedmsg.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Who may emit which topics: decides, per topic and signing certificate common name, whether a
 * message is authorized. Receivers and relays call {@link #decide} after the signature has been
 * verified; publishers call {@link #requireAllowed} on their own topics before sending.
 *
 * <p>Implementations: {@link CompiledPolicy} (immutable, from {@link #load}, {@link #parse},
 * {@link #fromConfig} or {@link #builder()}) and {@link ReloadingPolicy} (follows a file).
 *
 * <h2>Threading model</h2>
 * Every implementation is thread-safe; {@code decide} never blocks and may be called concurrently
 * from any number of threads (receiver, relay and publisher threads).
 */
public interface TopicPolicy {

  /**
   * Decides whether {@code signerCommonName} may emit {@code topic}.
   *
   * @param topic the full topic, or {@code null} for a message without a topic
   * @param signerCommonName the first CN of the verified signing certificate; not null
   * @return the decision and what made it; never null
   * @throws NullPointerException if {@code signerCommonName} is null
   */
  Decision decide(String topic, String signerCommonName);

  /**
   * Checks a publisher's own topic before sending.
   *
   * @return the allowing decision
   * @throws PolicyViolationException naming the rule or default that denies
   * @throws NullPointerException if {@code signerCommonName} is null
   */
  default Decision requireAllowed(String topic, String signerCommonName) {
    return decide(topic, signerCommonName).requireAllowed();
  }

  /** A builder for a policy written in code. */
  static CompiledPolicy.Builder builder() {
    return CompiledPolicy.builder();
  }

  /**
   * Loads a policy file (YAML: {@code default}, {@code rules}, and optionally the reference
   * {@code routing_policy} and {@code routing_nitpicky}).
   *
   * @param file the policy file
   * @param namespace resolves relative topic patterns
   * @throws PolicyException if the file cannot be read or is invalid (names file, line and cause)
   */
  static CompiledPolicy load(Path file, TopicNamespace namespace) {
    Objects.requireNonNull(namespace, "namespace");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new PolicyException(file.toString(), 0, 0, "", "cannot read the policy file: " + e, e);
    }
    return parse(text, file.toString(), namespace);
  }

  /**
   * Parses policy YAML text.
   *
   * @param yaml the text
   * @param source a name for messages (usually the file name)
   * @param namespace resolves relative topic patterns
   * @throws PolicyException if the text is invalid (names source, line and cause)
   */
  static CompiledPolicy parse(String yaml, String source, TopicNamespace namespace) {
    CompiledPolicy.Builder b = builder().namespace(namespace).source(source);
    PolicyParser.applyPolicy(PolicyTree.parseYaml(yaml, source), b);
    return b.build();
  }

  /**
   * Builds the policy of a merged {@code fedmsg.d} config: its {@code topic_prefix} and
   * {@code environment}, its {@code policy:} section (same shape as a policy file) and the
   * reference keys {@code routing_policy} and {@code routing_nitpicky}.
   *
   * <p>Default for unmentioned topics: the {@code policy.default} if given, {@code routing_nitpicky}
   * if given (the stricter wins when both are), else deny when a {@code policy:} section exists
   * (new configs), else allow, which is the reference's behaviour for a config without
   * {@code routing_nitpicky}.
   *
   * @param config the merged config tree (a JSON object)
   * @throws PolicyException if a key has the wrong shape or is given twice
   */
  static CompiledPolicy fromConfig(JsonNode config) {
    String source = "fedmsg.d config";
    PolicyTree.Node root = PolicyTree.fromJson(config, source, "");
    if (root.kind != PolicyTree.Kind.MAP) {
      throw root.error("the config is not a mapping");
    }
    TopicNamespace ns;
    try {
      ns = new TopicNamespace(
          text(root, "topic_prefix", TopicNamespace.DEFAULT.topicPrefix()),
          text(root, "environment", TopicNamespace.DEFAULT.environment()));
    } catch (IllegalArgumentException e) {
      throw new PolicyException(source, 0, 0, "", e.getMessage(), e);
    }
    CompiledPolicy.Builder b = builder().namespace(ns).source(source);
    PolicyTree.Node section = root.map.get("policy");
    PolicyTree.Node routing = root.map.get(PolicyParser.ROUTING_POLICY);
    PolicyTree.Node nitpicky = root.map.get(PolicyParser.ROUTING_NITPICKY);
    boolean hasSection = section != null && section.kind != PolicyTree.Kind.NULL;
    if (hasSection) {
      PolicyParser.applyPolicy(section, b);
      for (String key : new String[] {PolicyParser.ROUTING_POLICY, PolicyParser.ROUTING_NITPICKY}) {
        if (section.kind == PolicyTree.Kind.MAP && section.map.containsKey(key) && root.map.containsKey(key)) {
          throw root.map.get(key).error("given both at the top level and under 'policy'");
        }
      }
    }
    PolicyParser.applyRouting(routing, nitpicky, b);
    if (!hasSection && nitpicky == null) {
      b.routingNitpicky(false);
    }
    return b.build();
  }

  /**
   * {@link #fromConfig(JsonNode)} for a config held as nested maps and lists.
   *
   * @throws PolicyException as for {@link #fromConfig(JsonNode)}
   * @throws IllegalArgumentException if the map holds values Jackson cannot convert
   */
  static CompiledPolicy fromConfig(Map<String, ?> config) {
    JsonNode tree = new ObjectMapper().valueToTree(config);
    return fromConfig(tree);
  }

  private static String text(PolicyTree.Node root, String key, String fallback) {
    PolicyTree.Node n = root.map.get(key);
    if (n == null || n.kind == PolicyTree.Kind.NULL) {
      return fallback;
    }
    if (n.kind != PolicyTree.Kind.STRING) {
      throw n.error("'" + key + "' must be a string, not " + n.describe());
    }
    return n.scalar;
  }
}
