package org.fedmsg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.fedmsg.crypto.LogText;

/**
 * A fedmsg message: the envelope ({@code topic}, {@code msg}, {@code timestamp}, {@code msg_id},
 * {@code i}, {@code username}, and any other field a producer added) and, for received
 * messages, what the receiver learned about it (format, signer).
 *
 * <p>Immutable and thread-safe. Accessors that return JSON trees return copies, so a handler
 * cannot change what another handler sees; {@link #rawBody()} is the body frame exactly as it
 * travelled.
 */
public final class Message {
  private final String topic;
  private final ObjectNode body;
  private final byte[] rawBody;
  private final WireFormat format;
  private final String signer;
  private final byte[] signatureFrame;
  private final boolean late;

  Message(String topic, ObjectNode body, byte[] rawBody, WireFormat format, String signer) {
    this(topic, body, rawBody, format, signer, null);
  }

  /** @param signatureFrame the third frame of a fedmsg/2 message, null for fedmsg/1 */
  Message(String topic, ObjectNode body, byte[] rawBody, WireFormat format, String signer, byte[] signatureFrame) {
    this(topic, body, rawBody, format, signer, signatureFrame, false);
  }

  private Message(String topic, ObjectNode body, byte[] rawBody, WireFormat format, String signer,
      byte[] signatureFrame, boolean late) {
    this.late = late;
    this.signatureFrame = signatureFrame;
    this.topic = Objects.requireNonNull(topic, "topic");
    this.body = Objects.requireNonNull(body, "body");
    this.rawBody = Objects.requireNonNull(rawBody, "rawBody");
    this.format = Objects.requireNonNull(format, "format");
    this.signer = signer;
  }

  /** The full topic, e.g. {@code org.fedoraproject.prod.bodhi.update.request}. */
  public String topic() {
    return topic;
  }

  /** A copy of the application payload, the {@code msg} field ({@code {}} when absent). */
  public JsonNode msg() {
    JsonNode msg = body.get("msg");
    return msg == null ? Json.object() : msg.deepCopy();
  }

  /**
   * The payload converted to {@code type} with Jackson.
   *
   * @throws IllegalArgumentException if the payload does not fit {@code type}
   */
  public <T> T msgAs(Class<T> type) {
    try {
      return Json.MAPPER.treeToValue(body.get("msg"), type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("payload of " + topic + " is not a " + type.getName() + ": "
          + e.getOriginalMessage(), e);
    }
  }

  /** The {@code msg_id} field, e.g. {@code 2017-138990ab-f93d-49e6-8c38-fad10d43a556}. */
  public Optional<String> msgId() {
    return text("msg_id");
  }

  /** The {@code username} field: the account of the sending process. */
  public Optional<String> username() {
    return text("username");
  }

  /** The {@code i} field: the sender's per-context message counter. */
  public OptionalLong i() {
    JsonNode i = body.get("i");
    return i != null && i.canConvertToLong() ? OptionalLong.of(i.longValue()) : OptionalLong.empty();
  }

  /** The {@code timestamp} field as an instant (integer or fractional seconds since the epoch). */
  public Optional<Instant> timestamp() {
    JsonNode ts = body.get("timestamp");
    if (ts == null || !ts.isNumber() || !Double.isFinite(ts.doubleValue())) {
      return Optional.empty();
    }
    if (ts.isIntegralNumber() && ts.canConvertToLong()) {
      return Optional.of(Instant.ofEpochSecond(ts.longValue()));
    }
    double seconds = ts.doubleValue();
    long whole = (long) Math.floor(seconds);
    return Optional.of(Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9)));
  }

  /** A copy of any top-level field of the body, e.g. {@code "headers"}. */
  public Optional<JsonNode> field(String name) {
    JsonNode value = body.get(name);
    return value == null ? Optional.empty() : Optional.of(value.deepCopy());
  }

  /** A copy of the whole body as a JSON object, signature fields included. */
  public ObjectNode body() {
    return body.deepCopy();
  }

  /** A copy of the body frame as it travelled on the wire. */
  public byte[] rawBody() {
    return rawBody.clone();
  }

  /**
   * Copies of every frame as it travelled: topic and body for fedmsg/1, topic, body and
   * signature for fedmsg/2. Archives keep these, so a message verifies again from its frames.
   */
  public java.util.List<byte[]> frames() {
    byte[] topicFrame = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return signatureFrame == null ? java.util.List.of(topicFrame, rawBody.clone())
        : java.util.List.of(topicFrame, rawBody.clone(), signatureFrame.clone());
  }

  /** The wire format the message arrived in (or was sent in). */
  public WireFormat format() {
    return format;
  }

  /**
   * The common name of the certificate that signed the message, when the receiver verified it;
   * empty for messages accepted without validation.
   */
  public Optional<String> signer() {
    return Optional.ofNullable(signer);
  }

  /**
   * Whether the message is delivered late: it filled a gap of the critical bus (fetched by
   * replay) after later messages of its publisher were already delivered ({@code gap_fill.mode:
   * late}; in {@code hold} mode later messages wait instead, so nothing is late). Handlers that
   * need the publisher's order can tell such a message by this flag.
   */
  public boolean late() {
    return late;
  }

  /** This message flagged as delivered late. */
  Message asLate() {
    return late ? this : new Message(topic, body, rawBody, format, signer, signatureFrame, true);
  }

  /** The body tree without copying, for the bus's own encoders. */
  ObjectNode bodyTree() {
    return body;
  }

  private Optional<String> text(String field) {
    JsonNode value = body.get(field);
    return value != null && value.isTextual() ? Optional.of(value.textValue()) : Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && topic.equals(m.topic) && Arrays.equals(rawBody, m.rawBody)
        && format == m.format && Objects.equals(signer, m.signer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, Arrays.hashCode(rawBody), format);
  }

  @Override
  public String toString() {
    // Logged by the hub and the bus when handlers fail: escaped, as everything from the wire.
    return "Message{topic=" + LogText.escape(topic) + ", msg_id=" + LogText.escape(msgId().orElse("-"))
        + ", signer=" + LogText.escape(signer) + "}";
  }
}
