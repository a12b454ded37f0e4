package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * The receiving pipeline shared by subscribers and relays: frames → checked {@link Message} or
 * {@link Rejection}. Never throws for bad input.
 */
final class Inbound {
  /** What a receiver does once the frames are decoded: verify, or accept unverified. */
  interface Verifier {
    /** Returns the signer's common name, or a rejection; must not throw. */
    Object verify(String topic, ObjectNode body, List<byte[]> frames);
  }

  /** The outcome: exactly one of message and rejection is set. */
  record Outcome(Message message, Rejection rejection, boolean probe) {
    static Outcome reject(Reason reason, String cause, String detail, String topic) {
      return new Outcome(null, new Rejection(reason, cause, detail, topic), false);
    }
  }

  private final Verifier verifier;

  Inbound(Verifier verifier) {
    this.verifier = verifier;
  }

  Outcome check(List<byte[]> frames) {
    if (frames.size() != 2 || frames.contains(null)) {
      return Outcome.reject(Reason.MALFORMED, "frame-count",
          "expected 2 frames (topic, body), got " + (frames.contains(null) ? "more than 16" : frames.size()), "");
    }
    String topic = utf8(frames.get(0));
    if (topic == null) {
      return Outcome.reject(Reason.MALFORMED, "not-utf8", "topic frame is not UTF-8", "");
    }
    byte[] raw = frames.get(1);
    if (utf8(raw) == null) {
      return Outcome.reject(Reason.MALFORMED, "not-utf8", "body frame is not UTF-8", topic);
    }
    JsonNode parsed;
    try {
      parsed = Json.parse(raw);
    } catch (IllegalArgumentException e) {
      return Outcome.reject(Reason.MALFORMED, "not-json", "body is not JSON: " + e.getMessage(), topic);
    }
    if (!(parsed instanceof ObjectNode body)) {
      return Outcome.reject(Reason.MALFORMED, "not-object",
          "body is JSON " + parsed.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", not an object", topic);
    }
    JsonNode bodyTopic = body.get("topic");
    if (bodyTopic == null || !bodyTopic.isTextual() || !bodyTopic.textValue().equals(topic)) {
      return Outcome.reject(Reason.TOPIC_MISMATCH, "topic-mismatch",
          "frame topic '" + topic + "' differs from body topic " + (bodyTopic == null ? "(none)" : bodyTopic), topic);
    }
    if (topic.contains(ZmqPublisher.PROBE_MARKER)) {
      return new Outcome(new Message(topic, body, raw, WireFormat.FEDMSG1, null), null, true);
    }
    Object verdict = verifier.verify(topic, body, frames);
    if (verdict instanceof Rejection rejection) {
      return new Outcome(null, rejection, false);
    }
    return new Outcome(new Message(topic, body, raw, WireFormat.FEDMSG1, (String) verdict), null, false);
  }

  /** Strict UTF-8 decoding: null when the bytes are not valid UTF-8. */
  static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
