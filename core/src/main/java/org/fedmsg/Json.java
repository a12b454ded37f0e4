package org.fedmsg;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The JSON plumbing core shares: POJO conversion, parsing and canonical encoding. */
final class Json {
  /** Converts application payloads (POJOs, records, maps) into trees. */
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .findAndRegisterModules();

  static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(false);

  private Json() {}

  static ObjectNode object() {
    return NODES.objectNode();
  }

  /** The canonical fedmsg/1 encoding of a tree. */
  static byte[] canonical(JsonNode node) {
    return org.fedmsg.json.CanonicalJson.encode(node);
  }

  /**
   * The payload as a tree, with the reference's rule that a falsy payload ({@code null}, empty
   * object, list or string, zero, {@code false}) becomes {@code {}}.
   */
  static JsonNode payload(Object msg) {
    JsonNode node = msg instanceof JsonNode n ? n.deepCopy() : MAPPER.valueToTree(msg);
    return isFalsy(node) ? object() : node;
  }

  static boolean isFalsy(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return true;
    }
    if (node.isContainerNode()) {
      return node.isEmpty();
    }
    if (node.isTextual()) {
      return node.textValue().isEmpty();
    }
    if (node.isBoolean()) {
      return !node.booleanValue();
    }
    if (node.isNumber()) {
      return node.isIntegralNumber() ? node.bigIntegerValue().signum() == 0 : node.doubleValue() == 0.0;
    }
    return false;
  }
}
