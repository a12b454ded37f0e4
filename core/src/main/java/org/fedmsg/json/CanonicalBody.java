package org.fedmsg.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What {@link StreamingCanonicalJson#read} found in a document: its canonical bytes (without
 * the omitted top-level keys) and the captured top-level members.
 *
 * <p>A captured scalar is the node a tree reader would have built ({@code 5} an int node,
 * {@code 5.0} a double node, ...); a captured object or array is an <em>empty</em> node of its
 * kind, since the reader keeps no tree. A captured member that was also omitted and is a long
 * string has not been decoded: {@link #field} decodes it on each call, and {@link #rawFrom}
 * locates its literal bytes, so that a cache keyed by them can be consulted without decoding.
 *
 * <p>Not thread-safe; holds the source array it was read from (not copied).
 */
public final class CanonicalBody {
  /** Marks a captured string left undecoded. */
  static final JsonNode UNDECODED = MissingNode.getInstance();

  private final byte[] canonical;
  private final boolean object;
  private final byte[] source;
  private final Map<String, Integer> slots;
  private final JsonNode[] fields;
  private final int[] raw;

  CanonicalBody(byte[] canonical, boolean object, byte[] source, Map<String, Integer> slots, JsonNode[] fields,
      int[] raw) {
    this.canonical = canonical;
    this.object = object;
    this.source = source;
    this.slots = slots;
    this.fields = fields;
    this.raw = raw;
  }

  /** This body without its canonical bytes (a scanner's result). */
  CanonicalBody withoutCanonical() {
    return new CanonicalBody(new byte[0], object, source, slots, fields, raw);
  }

  /** The canonical bytes (ASCII); the array is the caller's, not copied. Empty for a scanner. */
  public byte[] canonical() {
    return canonical;
  }

  /** Whether the document is a JSON object (otherwise nothing was captured). */
  public boolean isObject() {
    return object;
  }

  /** Whether the top-level member {@code name} was present and captured. */
  public boolean has(String name) {
    Integer slot = slots.get(name);
    return slot != null && fields[slot] != null;
  }

  /**
   * The captured top-level member {@code name} (see the class comment), or null when absent or
   * not captured.
   */
  public JsonNode field(String name) {
    Integer slot = slots.get(name);
    if (slot == null) {
      return null;
    }
    JsonNode v = fields[slot];
    if (v == UNDECODED) {
      return JsonNodeFactory.instance.textNode(StreamingCanonicalJson.decodeLiteral(source, raw[2 * slot],
          raw[2 * slot + 1]));
    }
    return v;
  }

  /**
   * The captured members that were not omitted, as an object: the envelope fields a verifier
   * reads, without the payload and without omitted strings such as credentials. A fresh node.
   */
  public ObjectNode envelope() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    slots.forEach((k, slot) -> {
      JsonNode v = fields[slot];
      if (v != null && raw[2 * slot] == 0) {
        o.set(k, v);
      }
    });
    return o;
  }

  /**
   * Where the literal of the captured, omitted string member {@code name} starts in {@link
   * #source()} (just after its opening quote), or -1 when there is none. The bytes up to {@link
   * #rawTo} are the literal as sent, escapes included: equal literals are equal strings.
   */
  public int rawFrom(String name) {
    Integer slot = slots.get(name);
    return slot == null || raw[2 * slot] == 0 ? -1 : raw[2 * slot];
  }

  /** Where that literal ends (its closing quote), or -1. */
  public int rawTo(String name) {
    Integer slot = slots.get(name);
    return slot == null || raw[2 * slot] == 0 ? -1 : raw[2 * slot + 1];
  }

  /** The document as read; the caller's array, not copied: do not modify. */
  public byte[] source() {
    return source;
  }
}
