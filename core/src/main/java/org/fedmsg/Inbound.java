package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.wire.MessageVerifier;

/**
 * The receiving pipeline shared by subscribers and relays: frames → checked {@link Message} or
 * {@link Rejection}. Never throws for bad input.
 *
 * <p>Two frames are fedmsg/1, three fedmsg/2. The frames are decoded once; a fedmsg/1 body is
 * then verified from the parsed tree (re-canonicalised, never the raw bytes), a fedmsg/2
 * message from its exact frames.
 */
final class Inbound {
  /** The outcome: exactly one of message and rejection is set (a probe answer has a message). */
  record Outcome(Message message, Rejection rejection, boolean probe, long missed, String msgId, String signer) {
    Outcome(Message message, Rejection rejection, boolean probe, long missed, String msgId) {
      this(message, rejection, probe, missed, msgId, null);
    }

    static Outcome reject(Reason reason, String cause, String detail, String topic) {
      return new Outcome(null, new Rejection(reason, cause, detail, topic), false, 0, null);
    }

    /** This outcome naming the verified signer of a rejected message (null: none verified). */
    Outcome signedBy(String verifiedSigner) {
      return new Outcome(message, rejection, probe, missed, msgId, verifiedSigner);
    }

    /** A rejection of a parsed body: its {@code msg_id}, if any, goes to the audit log. */
    static Outcome reject(Reason reason, String cause, String detail, String topic, ObjectNode body) {
      JsonNode id = body.get("msg_id");
      return new Outcome(null, new Rejection(reason, cause, detail, topic), false, 0,
          id != null && id.isTextual() ? id.textValue() : null);
    }

    static Outcome accept(Message message, long missed) {
      return new Outcome(message, null, false, missed, null);
    }
  }

  private final boolean validate;
  private final MessageVerifier verifier;

  /** @param verifier required for validation; when validating without one every message is rejected */
  Inbound(boolean validate, MessageVerifier verifier) {
    this.validate = validate;
    this.verifier = verifier;
  }

  /**
   * A message between {@link #prepare} and {@link #complete}: a final outcome already, or a body
   * whose order-dependent checks are still to come.
   */
  static final class Pending {
    final Outcome done;
    final String topic;
    final ObjectNode body;
    final byte[] raw;
    final WireFormat format;
    /** fedmsg/2's signature frame, kept with the message; null for fedmsg/1. */
    final byte[] signatureFrame;
    final MessageVerifier.Prepared prepared;

    private Pending(Outcome done, String topic, ObjectNode body, byte[] raw, WireFormat format, byte[] signatureFrame,
        MessageVerifier.Prepared prepared) {
      this.done = done;
      this.topic = topic;
      this.body = body;
      this.raw = raw;
      this.format = format;
      this.signatureFrame = signatureFrame;
      this.prepared = prepared;
    }

    static Pending done(Outcome outcome) {
      return new Pending(outcome, null, null, null, null, null, null);
    }
  }

  Outcome check(List<byte[]> frames) {
    return complete(prepare(frames));
  }

  /**
   * Everything that depends on the message alone (decoding, signature, policy): thread-safe, in
   * any order. Never throws for bad input.
   */
  Pending prepare(List<byte[]> frames) {
    return prepareFrames(frames);
  }

  /**
   * Everything that depends on the message alone (decoding, signature, policy): thread-safe, in
   * any order. Never throws for bad input.
   */
  /**
   * The replay and sequence checks, which depend on the messages before: call in arrival order,
   * one message at a time.
   */
  Outcome complete(Pending p) {
    return complete(p, false);
  }

  /**
   * @param fill the message was fetched by replay to fill a gap ({@link MessageVerifier#completeFill})
   */
  Outcome complete(Pending p, boolean fill) {
    if (p.done != null) {
      return p.done;
    }
    MessageVerifier.Verdict verdict = fill ? verifier.completeFill(p.prepared) : verifier.complete(p.prepared);
    VerificationResult result = verdict.result();
    long missed = verdict.missed();
    if (result instanceof VerificationResult.Invalid invalid) {
      return Outcome.reject(invalid.reason(), verdict.cause(), invalid.detail(), p.topic, p.body)
          .signedBy(invalid.signer() == null ? null : invalid.signer().commonName());
    }
    String signer = ((VerificationResult.Valid) result).signer().commonName();
    return Outcome.accept(new Message(p.topic, p.body, p.raw, p.format, signer, p.signatureFrame), missed);
  }

  private Pending prepareFrames(List<byte[]> frames) {
    int count = frames.size();
    if (count != 2 && count != 3 || frames.contains(null)) {
      return Pending.done(Outcome.reject(Reason.MALFORMED, "frame-count", "expected 2 frames (fedmsg/1) or 3 (fedmsg/2), got "
          + (frames.contains(null) ? "more than 16" : count), ""));
    }
    String topic = org.fedmsg.json.CanonicalJson.strictUtf8(frames.get(0));
    if (topic == null) {
      return Pending.done(Outcome.reject(Reason.MALFORMED, "not-utf8", "topic frame is not UTF-8", ""));
    }
    byte[] raw = frames.get(1);
    if (!org.fedmsg.json.CanonicalJson.isStrictUtf8(raw)) {
      return Pending.done(Outcome.reject(Reason.MALFORMED, "not-utf8", "body frame is not UTF-8", topic));
    }
    JsonNode parsed;
    try {
      parsed = org.fedmsg.json.CanonicalJson.parseUnique(raw);
    } catch (org.fedmsg.json.MalformedJsonException e) {
      // a repeated key reads differently in first-wins and last-wins parsers: never forwarded
      return Pending.done(Outcome.reject(Reason.MALFORMED, e.isDuplicateKey() ? "duplicate-key" : "not-json",
          "body is not JSON: " + e.getMessage(), topic));
    }
    if (!(parsed instanceof ObjectNode body)) {
      return Pending.done(Outcome.reject(Reason.MALFORMED, "not-object",
          "body is JSON " + parsed.getNodeType().name().toLowerCase(Locale.ROOT) + ", not an object", topic));
    }
    JsonNode bodyTopic = body.get("topic");
    if (bodyTopic == null || !bodyTopic.isTextual() || !bodyTopic.textValue().equals(topic)) {
      return Pending.done(Outcome.reject(Reason.TOPIC_MISMATCH, "topic-mismatch",
          "frame topic '" + topic + "' differs from body topic " + (bodyTopic == null ? "(none)" : bodyTopic), topic,
          body));
    }
    WireFormat format = count == 2 ? WireFormat.FEDMSG1 : WireFormat.FEDMSG2;
    if (count == 2 && topic.contains(ZmqPublisher.PROBE_MARKER)) {
      return Pending.done(new Outcome(new Message(topic, body, raw, format, null), null, true, 0, null));
    }
    if (!validate) {
      return Pending.done(Outcome.accept(new Message(topic, body, raw, format, null, count == 3 ? frames.get(2) : null),
          0));
    }
    if (verifier == null) {
      return Pending.done(count == 2 && !body.has("signature")
          ? Outcome.reject(Reason.UNSIGNED, "unsigned", "message carries no signature", topic, body)
          : Outcome.reject(Reason.UNTRUSTED_CHAIN, "no-trust", "no CA is configured to verify signatures", topic, body));
    }
    MessageVerifier.Prepared prepared = count == 2 ? verifier.prepareParsed(topic, body) : verifier.prepare(frames);
    return new Pending(null, topic, body, raw, format, count == 3 ? frames.get(2) : null, prepared);
  }
}
