package org.fedmsg.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.fedmsg.config.FedmsgConfig;

/** Reads a consumer's {@code config_key} with the reference's (Python's) truthiness. */
final class ConfigTruth {
  private ConfigTruth() {}

  /** The value at {@code key}: a top-level key as written, else a dotted path into mappings. */
  static Optional<JsonNode> lookup(FedmsgConfig config, String key) {
    Optional<JsonNode> flat = config.get(key);
    if (flat.isPresent()) {
      return flat;
    }
    // YAML users often nest "fedmsg: {consumers: {log: {enabled: true}}}" rather than
    // writing the reference's flat dotted key; accept both.
    JsonNode node = config.raw();
    for (String part : key.split("\\.", -1)) {
      node = node == null ? null : node.get(part);
    }
    return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
  }

  /** Python's {@code bool(value)} for a JSON value; absent is false. */
  static boolean truthy(Optional<JsonNode> value) {
    if (value.isEmpty()) {
      return false;
    }
    JsonNode v = value.get();
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isNumber()) {
      return v.doubleValue() != 0.0;
    }
    if (v.isTextual()) {
      return !v.textValue().isEmpty();
    }
    if (v.isContainerNode()) {
      return v.size() > 0;
    }
    return !v.isNull() && !v.isMissingNode();
  }
}
