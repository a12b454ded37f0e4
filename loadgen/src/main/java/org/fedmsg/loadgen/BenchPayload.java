package org.fedmsg.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The application payload of a load message: who sent it ({@code p}), its sequence number from 1
 * ({@code n}), how many its publisher plans to send ({@code of}, 0 for a timed run), when it was
 * handed to the bus in microseconds since the epoch ({@code t}), and padding up to the asked size.
 * The payload is inside the signed body, so the send time a receiver reads is the signed one.
 *
 * @param publisher the publisher's run-unique id
 * @param seq the sequence number, from 1
 * @param planned the publisher's planned count, 0 when unknown
 * @param sentMicros the send time, microseconds since the epoch
 */
record BenchPayload(String publisher, long seq, long planned, long sentMicros) {
  /** The smallest payload: the fields without padding. */
  static final int MIN_SIZE = 64;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The payload as a map with {@code pad} characters of padding. */
  Map<String, Object> toMap(String pad) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p", publisher);
    m.put("n", seq);
    m.put("of", planned);
    m.put("t", sentMicros);
    m.put("pad", pad);
    return m;
  }

  /**
   * The padding that brings a payload of {@code publisher} to about {@code size} bytes of JSON
   * (sequence numbers and times of other widths move it by a few bytes).
   */
  static String padding(String publisher, long planned, int size) {
    BenchPayload sample = new BenchPayload(publisher, Math.max(planned, 1), planned, nowMicros());
    int bare = MAPPER.valueToTree(sample.toMap("")).toString().length();
    return "x".repeat(Math.max(0, size - bare));
  }

  /** Reads a payload; null when {@code msg} is not one (another program's message on the topic). */
  static BenchPayload parse(JsonNode msg) {
    JsonNode p = msg.get("p");
    JsonNode n = msg.get("n");
    JsonNode of = msg.get("of");
    JsonNode t = msg.get("t");
    if (p == null || !p.isTextual() || n == null || !n.canConvertToLong() || of == null || !of.canConvertToLong()
        || t == null || !t.canConvertToLong() || n.longValue() < 1) {
      return null;
    }
    return new BenchPayload(p.textValue(), n.longValue(), of.longValue(), t.longValue());
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
