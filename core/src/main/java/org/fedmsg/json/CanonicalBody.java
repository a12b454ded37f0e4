package org.fedmsg.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What {@link StreamingCanonicalJson#read} found in a document: its canonical bytes (without
 * the omitted top-level keys) and the captured top-level members.
 *
 * <p>A captured scalar is the node a tree reader would have built ({@code 5} an int node,
 * {@code 5.0} a double node, ...); a captured object or array is an <em>empty</em> node of its
 * kind, since the reader keeps no tree. A captured member that was also omitted and is a string
 * has not been decoded: {@link #field} decodes it on each call, and {@link #rawFrom} locates
 * its literal bytes.
 *
 * <p>Not thread-safe; holds the source array it was read from (not copied).
 */
public final class CanonicalBody {
  private final byte[] canonical;
  private final boolean object;
  private final byte[] source;
  private final Map<String, JsonNode> fields;
  private final Map<String, Integer> rawFrom;
  private final Map<String, Integer> rawTo;

  CanonicalBody(byte[] canonical, boolean object, byte[] source, Map<String, JsonNode> fields,
      Map<String, Integer> rawFrom, Map<String, Integer> rawTo) {
    this.canonical = canonical;
    this.object = object;
    this.source = source;
    this.fields = fields;
    this.rawFrom = rawFrom;
    this.rawTo = rawTo;
  }

  /** The canonical bytes (ASCII); the array is the caller's, not copied. */
  public byte[] canonical() {
    return canonical;
  }

  /** Whether the document is a JSON object (otherwise nothing was captured). */
  public boolean isObject() {
    return object;
  }

  /**
   * The captured members as an object, except strings that were not decoded (see the class
   * comment): the envelope fields a verifier reads, without the payload. A fresh node.
   */
  public ObjectNode envelope() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    fields.forEach((k, v) -> {
      if (v != null) {
        o.set(k, v);
      }
    });
    return o;
  }

  /** Whether the top-level member {@code name} was present and captured. */
  public boolean has(String name) {
    return fields.containsKey(name);
  }

  /**
   * The captured top-level member {@code name} (see the class comment), or null when absent or
   * not captured.
   */
  public JsonNode field(String name) {
    JsonNode v = fields.get(name);
    if (v == null && rawFrom.containsKey(name)) {
      String text = StreamingCanonicalJson.decodeLiteral(source, rawFrom.get(name), rawTo.get(name));
      return text == null ? null : JsonNodeFactory.instance.textNode(text);
    }
    return v;
  }

  /**
   * Where the literal of the captured string member {@code name} starts in {@link #source()}
   * (just after its opening quote), or -1 when it is not a captured string. The bytes up to
   * {@link #rawTo} are the literal as sent, escapes included: equal literals are equal strings, so
   * a cache keyed by them can be consulted without decoding.
   */
  public int rawFrom(String name) {
    Integer from = rawFrom.get(name);
    return from == null ? -1 : from;
  }

  /** Where that literal ends (its closing quote), or -1. */
  public int rawTo(String name) {
    Integer to = rawTo.get(name);
    return to == null ? -1 : to;
  }

  /** The document as read; the caller's array, not copied: do not modify. */
  public byte[] source() {
    return source;
  }
}
