package org.fedmsg.json;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Temporary stand-in, replaced by the real canonical codec. */
public final class CanonicalJson {
  private static final ObjectMapper M = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private CanonicalJson() {}

  public static JsonNode parse(byte[] b) {
    try {
      return M.readTree(b);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public static byte[] encode(JsonNode n) {
    try {
      return M.writeValueAsBytes(M.treeToValue(n, Object.class));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
