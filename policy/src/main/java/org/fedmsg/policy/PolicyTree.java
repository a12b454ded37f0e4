package org.fedmsg.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A document tree that remembers where each node came from, so that every policy error can name
 * its file, line and path. Jackson's {@link JsonNode} forgets locations, so YAML is read with the
 * streaming parser; an already-merged config tree is converted with line 0 (unknown).
 */
final class PolicyTree {
  private static final YAMLFactory YAML = YAMLFactory.builder().build();

  enum Kind { MAP, LIST, STRING, NUMBER, BOOLEAN, NULL }

  /** One node: its kind, value, location and path from the root (e.g. {@code rules[1].topics}). */
  static final class Node {
    final Kind kind;
    final String source;
    final int line;
    final int column;
    final String path;
    final Map<String, Node> map;
    final List<Node> list;
    final String scalar;

    private Node(Kind kind, String source, int line, int column, String path,
        Map<String, Node> map, List<Node> list, String scalar) {
      this.kind = kind;
      this.source = source;
      this.line = line;
      this.column = column;
      this.path = path;
      this.map = map;
      this.list = list;
      this.scalar = scalar;
    }

    PolicyException error(String reason) {
      return new PolicyException(source, line, column, path, reason, null);
    }

    String describe() {
      switch (kind) {
        case MAP: return "a mapping";
        case LIST: return "a list";
        case NULL: return "nothing (null)";
        default: return kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + scalar + "'";
      }
    }
  }

  private PolicyTree() {}

  /**
   * Parses one YAML document.
   *
   * @throws PolicyException on a syntax error, a duplicate key, several documents or an empty text
   */
  static Node parseYaml(String text, String source) {
    try (JsonParser p = YAML.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new PolicyException(source, 0, 0, "", "the policy is empty", null);
      }
      Node root = read(p, source, "");
      if (p.nextToken() != null) {
        JsonLocation at = p.currentTokenLocation();
        throw new PolicyException(source, at.getLineNr(), at.getColumnNr(), "",
            "more than one YAML document", null);
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      int line = at == null ? 0 : at.getLineNr();
      int col = at == null ? 0 : at.getColumnNr();
      String problem = firstLine(e.getOriginalMessage());
      // SnakeYAML's location is the start of the construct being scanned; its "problem mark"
      // is where the text actually went wrong, which is what an operator needs.
      if (e.getCause() instanceof MarkedYAMLException) {
        MarkedYAMLException y = (MarkedYAMLException) e.getCause();
        if (y.getProblemMark() != null) {
          line = y.getProblemMark().getLine() + 1;
          col = y.getProblemMark().getColumn() + 1;
        }
        if (y.getProblem() != null) {
          problem = y.getProblem();
        }
      }
      throw new PolicyException(source, Math.max(line, 0), Math.max(col, 0), "",
          "YAML syntax error: " + problem, e);
    } catch (IOException e) {
      throw new PolicyException(source, 0, 0, "", "cannot read: " + e, e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static Node read(JsonParser p, String source, String path) throws IOException {
    JsonLocation at = p.currentTokenLocation();
    int line = at.getLineNr();
    int col = at.getColumnNr();
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT: {
        Map<String, Node> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          JsonLocation keyAt = p.currentTokenLocation();
          if (map.containsKey(key)) {
            throw new PolicyException(source, keyAt.getLineNr(), keyAt.getColumnNr(), path,
                "duplicate key '" + key + "'", null);
          }
          p.nextToken();
          map.put(key, read(p, source, child(path, key)));
        }
        return new Node(Kind.MAP, source, line, col, path, Collections.unmodifiableMap(map), null, null);
      }
      case START_ARRAY: {
        List<Node> list = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(p, source, path + "[" + i++ + "]"));
        }
        return new Node(Kind.LIST, source, line, col, path, null, List.copyOf(list), null);
      }
      case VALUE_STRING:
        return new Node(Kind.STRING, source, line, col, path, null, null, p.getText());
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return new Node(Kind.NUMBER, source, line, col, path, null, null, p.getText());
      case VALUE_TRUE:
      case VALUE_FALSE:
        return new Node(Kind.BOOLEAN, source, line, col, path, null, null, p.getText());
      case VALUE_NULL:
        return new Node(Kind.NULL, source, line, col, path, null, null, null);
      default:
        throw new PolicyException(source, line, col, path, "unsupported YAML value (" + t + ")", null);
    }
  }

  static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Converts an already-parsed tree (e.g. the merged {@code fedmsg.d} config); lines are unknown. */
  static Node fromJson(JsonNode node, String source, String path) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return new Node(Kind.NULL, source, 0, 0, path, null, null, null);
    }
    if (node.isObject()) {
      Map<String, Node> map = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        map.put(e.getKey(), fromJson(e.getValue(), source, child(path, e.getKey())));
      }
      return new Node(Kind.MAP, source, 0, 0, path, Collections.unmodifiableMap(map), null, null);
    }
    if (node.isArray()) {
      List<Node> list = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        list.add(fromJson(node.get(i), source, path + "[" + i + "]"));
      }
      return new Node(Kind.LIST, source, 0, 0, path, null, List.copyOf(list), null);
    }
    if (node.isBoolean()) {
      return new Node(Kind.BOOLEAN, source, 0, 0, path, null, null, node.asText());
    }
    if (node.isNumber()) {
      return new Node(Kind.NUMBER, source, 0, 0, path, null, null, node.asText());
    }
    if (node.isTextual()) {
      return new Node(Kind.STRING, source, 0, 0, path, null, null, node.asText());
    }
    throw new PolicyException(source, 0, 0, path, "unsupported value type " + node.getNodeType(), null);
  }
}
