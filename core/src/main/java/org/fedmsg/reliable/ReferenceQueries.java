package org.fedmsg.reliable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.fedmsg.crypto.LogText;
import org.fedmsg.json.CanonicalJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the reference replay protocol ({@code fedmsg.replay.ReplayContext} with its
 * {@code SqlStore}; {@code docs/fedmsg-reference.md} §e): answers a JSON query from a {@link
 * ReferenceStore} with one frame per matching message, the exact body the publisher sent.
 *
 * <p>Query keys, OR-ed, as the reference: {@code seq_ids} [int], {@code seq_id} int, {@code
 * seq_id_range} [lo, hi] (inclusive), {@code msg_ids} [str], {@code msg_id} str, {@code time}
 * [t0, t1] (seconds, inclusive). Matches are sent in {@code seq_id} order, each once. Errors are a
 * single frame {@code error: '<text>'} with the reference's texts:
 * {@value #UNSUPPORTED} for an unknown key (literally, the reference never names it), {@value
 * #NO_MATCH} when nothing matches.
 *
 * <p>Where this differs from the reference, on purpose (see {@code docs/reliability.md}):
 * {@code seq_id_range} works (the reference's always fails, a typo), a query that is not a JSON
 * object is answered with an error (the reference's server loop dies on it), an empty query
 * matches nothing (the reference's returns its whole store), and a reply is capped at {@code
 * maxMessages} messages and {@code maxBytes} (the lowest {@code seq_id}s first; a client asks again
 * from the last one it got).
 *
 * <p>Thread-safe; never throws for bad input.
 */
public final class ReferenceQueries implements ReferenceQueryHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceQueries.class);
  /** The reference's text for an unknown key (it never names the key). */
  static final String UNSUPPORTED = "Unsupported field: \"key\"";
  /** The reference's text when nothing matches. */
  static final String NO_MATCH = "There was no match for the given query";
  static final String NOT_AN_OBJECT = "The query is not a JSON object";
  /** Default cap on the messages of one reply (as the native protocol's). */
  public static final int DEFAULT_MAX_MESSAGES = 1000;
  /** Default cap on the bytes of one reply (as the native protocol's). */
  public static final long DEFAULT_MAX_BYTES = 8L << 20;

  private final ReferenceStore store;
  private final int maxMessages;
  private final long maxBytes;

  /** Answers from {@code store} with the default caps. */
  public ReferenceQueries(ReferenceStore store) {
    this(store, DEFAULT_MAX_MESSAGES, DEFAULT_MAX_BYTES);
  }

  /**
   * @throws IllegalArgumentException if a cap is not positive
   */
  public ReferenceQueries(ReferenceStore store, int maxMessages, long maxBytes) {
    if (maxMessages < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("reply caps must be positive: " + maxMessages + ", " + maxBytes);
    }
    this.store = Objects.requireNonNull(store, "store");
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** Thrown by a key's parser with the text the client gets. */
  private static final class BadQuery extends Exception {
    BadQuery(String text) {
      super(text, null, false, false);
    }
  }

  @Override
  public List<byte[]> answer(byte[] query) {
    try {
      JsonNode parsed;
      try {
        parsed = CanonicalJson.parseUnique(query);
      } catch (IllegalArgumentException e) {
        return refuse(NOT_AN_OBJECT, "not JSON: " + e.getMessage());
      }
      if (!(parsed instanceof ObjectNode object)) {
        return refuse(NOT_AN_OBJECT, "JSON but not an object");
      }
      List<Predicate<ReferenceStore.Stored>> predicates = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        predicates.add(predicate(field.getKey(), field.getValue()));
      }
      List<byte[]> out = new ArrayList<>();
      long bytes = 0;
      for (ReferenceStore.Stored s : store.all()) {
        if (predicates.stream().noneMatch(p -> p.test(s))) {
          continue;
        }
        if (out.size() >= maxMessages || (!out.isEmpty() && bytes + s.body().length > maxBytes)) {
          LOG.info("reference replay: reply capped at {} message(s) ({} bytes), up to seq_id {}", out.size(), bytes,
              s.seqId - 1);
          break;
        }
        out.add(s.body().clone());
        bytes += s.body().length;
      }
      return out.isEmpty() ? error(NO_MATCH) : out;
    } catch (BadQuery e) {
      return refuse(e.getMessage(), "bad query");
    } catch (RuntimeException e) {
      LOG.warn("reference replay: query failed: {}", e.toString());
      return error("Something went wrong when processing the query");
    }
  }

  private static Predicate<ReferenceStore.Stored> predicate(String key, JsonNode value) throws BadQuery {
    switch (key) {
      case "seq_ids": {
        Set<Long> ids = new HashSet<>();
        for (JsonNode n : array(key, value)) {
          ids.add(integer(key, n));
        }
        return s -> ids.contains(s.seqId);
      }
      case "seq_id": {
        long id = integer(key, value);
        return s -> s.seqId == id;
      }
      case "seq_id_range": {
        JsonNode pair = pair(key, value);
        long lo = integer(key, pair.get(0));
        long hi = integer(key, pair.get(1));
        return s -> s.seqId >= lo && s.seqId <= hi;
      }
      case "msg_ids": {
        Set<String> ids = new HashSet<>();
        for (JsonNode n : array(key, value)) {
          ids.add(text(key, n));
        }
        return s -> ids.contains(s.meta().msgId());
      }
      case "msg_id": {
        String id = text(key, value);
        return s -> id.equals(s.meta().msgId());
      }
      case "time": {
        JsonNode pair = pair(key, value);
        double t0 = number(key, pair.get(0));
        double t1 = number(key, pair.get(1));
        return s -> s.meta().timestamp() >= t0 && s.meta().timestamp() <= t1;
      }
      default:
        throw new BadQuery(UNSUPPORTED);
    }
  }

  private static JsonNode array(String key, JsonNode value) throws BadQuery {
    if (!value.isArray()) {
      throw somethingWrong(key);
    }
    return value;
  }

  /** The reference unpacks a two-element sequence and says "Ill-format" when it cannot. */
  private static JsonNode pair(String key, JsonNode value) throws BadQuery {
    if (!value.isArray() || value.size() != 2) {
      throw new BadQuery("Ill-format \"" + key + "\" field");
    }
    return value;
  }

  private static long integer(String key, JsonNode n) throws BadQuery {
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw somethingWrong(key);
    }
    return n.longValue();
  }

  private static String text(String key, JsonNode n) throws BadQuery {
    if (!n.isTextual()) {
      throw somethingWrong(key);
    }
    return n.textValue();
  }

  private static double number(String key, JsonNode n) throws BadQuery {
    if (!n.isNumber() || !Double.isFinite(n.doubleValue())) {
      throw somethingWrong(key);
    }
    return n.doubleValue();
  }

  private static BadQuery somethingWrong(String key) {
    return new BadQuery("Something went wrong when processing the field \"" + key + "\"");
  }

  private static List<byte[]> refuse(String text, String why) {
    LOG.info("reference replay: query refused ({}): {}", LogText.escape(why), LogText.escape(text));
    return error(text);
  }

  /** The reference's error frame: {@code error: '<text>'}. */
  static List<byte[]> error(String text) {
    return List.of(("error: '" + text + "'").getBytes(StandardCharsets.UTF_8));
  }
}
