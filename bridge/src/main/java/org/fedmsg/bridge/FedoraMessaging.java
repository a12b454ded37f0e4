package org.fedmsg.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * fedora-messaging's message format, both ways (field by field in {@code docs/amqp.md}).
 *
 * <p>Names and values come from fedora-messaging's {@code message.py} ({@code _build_properties},
 * {@code _filter_headers}, {@code get_message}) and fedmsg-migration-tools' {@code bridges.py}.
 */
final class FedoraMessaging {
  static final ObjectMapper JSON = new ObjectMapper();

  /** fedora-messaging's schema header, and the schema name of its base {@code Message} class. */
  static final String SCHEMA = "fedora_messaging_schema";
  static final String BASE_SCHEMA = "base.message";
  static final String SEVERITY = "fedora_messaging_severity";
  /** fedora-messaging's {@code INFO}: the default severity of a message. */
  static final int INFO = 20;
  static final String SENT_AT = "sent-at";
  static final String PRIORITY = "priority";
  static final String USER_PREFIX = "fedora_messaging_user_";
  static final String PACKAGE_PREFIX = "fedora_messaging_rpm_";

  /** The original bus frames (topic, body, and the fedmsg/2 signature), so AMQP consumers can verify. */
  static final String FRAMES = "fedmsg_frames";
  static final String FORMAT = "fedmsg_format";
  static final String SIGNER = "fedmsg_signer";
  /** Loop mark: where a bridged message came from ({@code bus} or {@code amqp}). */
  static final String ORIGIN = "fedmsg_bridge_origin";
  /** The name of the bridge that carried it. */
  static final String BRIDGE = "fedmsg_bridge";
  /** On a dead-lettered message: why the bus refused it, and the detail. */
  static final String REFUSAL = "fedmsg_bridge_refusal";
  static final String REFUSAL_DETAIL = "fedmsg_bridge_refusal_detail";

  private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private FedoraMessaging() {}

  /** An AMQP message ready to publish. The body is never changed after construction. */
  record Outbound(String routingKey, AMQP.BasicProperties properties, byte[] body) {}

  /**
   * The AMQP form of a verified bus message given by its frames.
   *
   * @throws IOException if the body frame is not a JSON object (never for a verified message)
   */
  static Outbound toAmqp(List<byte[]> frames, String signer, String bridgeName, AmqpSettings settings)
      throws IOException {
    String topic = new String(frames.get(0), StandardCharsets.UTF_8);
    if (frames.get(0).length > 255) {
      throw new IOException("topic of " + frames.get(0).length + " bytes is over AMQP's 255 for a routing key");
    }
    JsonNode parsed = JSON.readTree(frames.get(1));
    if (!(parsed instanceof ObjectNode envelope)) {
      throw new IOException("body frame is not a JSON object");
    }
    JsonNode msg = envelope.has("msg") ? envelope.get("msg") : JsonNodeFactory.instance.objectNode();
    Map<String, Object> headers = new LinkedHashMap<>();
    // Headers the publisher set in the envelope travel as they are (fedmsg-migration-tools does the same);
    // the bridge's own headers below win.
    JsonNode given = envelope.get("headers");
    if (given instanceof ObjectNode h) {
      h.fields().forEachRemaining(e -> {
        Object v = scalar(e.getValue());
        if (v != null && e.getKey().getBytes(StandardCharsets.UTF_8).length <= 255) {
          headers.put(e.getKey(), v);
        }
      });
    }
    headers.put(SCHEMA, BASE_SCHEMA);
    headers.put(SENT_AT, sentAt(envelope));
    headers.put(SEVERITY, INFO);
    headers.put(PRIORITY, settings.priority());
    for (String user : names(msg, settings.userPointers())) {
      flag(headers, USER_PREFIX + user);
    }
    for (String pkg : names(msg, settings.packagePointers())) {
      flag(headers, PACKAGE_PREFIX + pkg);
    }
    List<Object> carried = new ArrayList<>(frames);
    headers.put(FRAMES, carried);
    headers.put(FORMAT, frames.size() == 3 ? "fedmsg/2" : "fedmsg/1");
    if (signer != null) {
      headers.put(SIGNER, signer);
    }
    headers.put(ORIGIN, "bus");
    headers.put(BRIDGE, bridgeName);
    JsonNode id = envelope.get("msg_id");
    if (id != null && id.isTextual() && id.textValue().getBytes(StandardCharsets.UTF_8).length > 255) {
      throw new IOException("msg_id over AMQP's 255 bytes for a message id");
    }
    AMQP.BasicProperties.Builder props = new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .contentEncoding("utf-8")
        .deliveryMode(2)
        .headers(headers)
        .messageId(id != null && id.isTextual() ? id.textValue() : null);
    if (settings.priority() > 0) {
      props.priority(settings.priority());
    }
    return new Outbound(topic, props.build(), JSON.writeValueAsBytes(msg));
  }

  /** AMQP field names are short strings: a name over 255 bytes is left out rather than cut. */
  private static void flag(Map<String, Object> headers, String name) {
    if (name.getBytes(StandardCharsets.UTF_8).length <= 255) {
      headers.put(name, true);
    }
  }

  /** The message's timestamp (when its author sent it) in fedora-messaging's form, else now. */
  private static String sentAt(ObjectNode envelope) {
    JsonNode ts = envelope.get("timestamp");
    Instant when = ts != null && ts.isNumber() ? Instant.ofEpochSecond(ts.asLong()) : Instant.now();
    // Python's datetime.isoformat() of an aware UTC time without microseconds: 2024-05-01T12:00:00+00:00
    return ISO.format(when.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC)).replace("Z", "+00:00");
  }

  /** Strings (or lists of strings) found at the pointers, sorted; other values are ignored. */
  static Set<String> names(JsonNode msg, List<String> pointers) {
    Set<String> out = new TreeSet<>();
    for (String pointer : pointers) {
      JsonNode n = msg.at(pointer);
      if (n.isTextual() && !n.textValue().isEmpty()) {
        out.add(n.textValue());
      } else if (n.isArray()) {
        n.forEach(item -> {
          if (item.isTextual() && !item.textValue().isEmpty()) {
            out.add(item.textValue());
          }
        });
      }
    }
    return out;
  }

  private static Object scalar(JsonNode v) {
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    return null;
  }

  /** AMQP headers as a JSON object: strings, numbers and booleans; other values are left out. */
  static ObjectNode headersJson(Map<String, Object> headers) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (headers == null) {
      return out;
    }
    headers.forEach((k, v) -> {
      if (v instanceof LongString s) {
        out.put(k, s.toString());
      } else if (v instanceof String s) {
        out.put(k, s);
      } else if (v instanceof Boolean b) {
        out.put(k, b);
      } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
        out.put(k, ((Number) v).longValue());
      } else if (v instanceof Number n) {
        out.put(k, n.doubleValue());
      }
    });
    return out;
  }

  /** A header value as text (AMQP long strings arrive as {@link LongString}), or null. */
  static String text(Map<String, Object> headers, String name) {
    Object v = headers == null ? null : headers.get(name);
    return v == null ? null : v.toString();
  }
}
