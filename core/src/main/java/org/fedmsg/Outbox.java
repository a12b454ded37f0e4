package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.Signer;
import org.fedmsg.policy.TopicPolicy;

/**
 * The outgoing path of a bus: the full topic, the publish policy, the frames, and the hand-off
 * to the publishing socket, counting what left and what ZeroMQ refused.
 */
final class Outbox {
  private final BusOptions options;
  private final ZmqPublisher publisher;
  /** Null when the bus does not sign. */
  private final Signer signer;
  /** Null when no publish policy is configured. */
  private final TopicPolicy policy;
  private final OutgoingFrames frames;
  /** Null unless the bus is an active publisher. */
  private final RelayHandshake relay;
  private final LongAdder published = new LongAdder();
  private final LongAdder failures = new LongAdder();
  /** Critical topics' durable outbox; null when the bus keeps none. */
  private final org.fedmsg.reliable.DurableOutbox durable;
  /** fedmsg/1 messages kept for the reference replay protocol; null when the bus keeps none. */
  private final org.fedmsg.reliable.ReferenceStore reference;

  Outbox(BusOptions options, ZmqPublisher publisher, Signer signer, TopicPolicy policy,
      org.fedmsg.reliable.DurableOutbox durable) {
    this(options, publisher, signer, policy, durable, null);
  }

  Outbox(BusOptions options, ZmqPublisher publisher, Signer signer, TopicPolicy policy,
      org.fedmsg.reliable.DurableOutbox durable, org.fedmsg.reliable.ReferenceStore reference) {
    this.reference = reference;
    this.options = options;
    this.publisher = publisher;
    this.signer = signer;
    this.policy = policy;
    this.durable = durable;
    this.frames = new OutgoingFrames(options, signer, CriticalPublishing.stamper(durable));
    this.relay = options.active ? new RelayHandshake(options, publisher) : null;
  }

  Message publish(String modname, String topic, Object msg) {
    String fullTopic = Topic.build(options.topicPrefix, options.environment, modname, topic);
    return publishEnvelope(fullTopic, msg, null, Map.of());
  }

  /** Fields the bus itself writes; forwarded messages may not set them. */
  private static final Set<String> ENVELOPE_FIELDS = Set.of("topic", "msg", "timestamp", "msg_id", "i", "username",
      "crypto", "signature", "certificate", "epoch", "seq", "seq_id");

  /** A message carried over from another system (see {@link Bus#publishForwarded}). */
  Message publishForwarded(String fullTopic, Object msg, String msgId, Map<String, ? extends JsonNode> extra) {
    Objects.requireNonNull(msgId, "msgId");
    if (fullTopic == null || !fullTopic.startsWith(options.topicPrefix + ".")) {
      throw new IllegalArgumentException("topic must start with " + options.topicPrefix + ".: " + fullTopic);
    }
    for (String name : extra.keySet()) {
      if (ENVELOPE_FIELDS.contains(name)) {
        throw new IllegalArgumentException("'" + name + "' is an envelope field the bus sets");
      }
    }
    return publishEnvelope(fullTopic, msg, msgId, extra);
  }

  private Message publishEnvelope(String fullTopic, Object msg, String msgId, Map<String, ? extends JsonNode> extra) {
    if (policy != null && signer != null) {
      policy.requireAllowed(fullTopic, signer.commonName());
    }
    CriticalPublishing.requireFedmsg2(options, fullTopic);
    ObjectNode body = frames.envelope(fullTopic, Json.payload(msg));
    if (msgId != null) {
      body.put("msg_id", msgId);
    }
    extra.forEach(body::set);
    byte[][] encoded;
    if (options.wireFormat == WireFormat.FEDMSG2) {
      synchronized (frames) {
        // fedmsg/2 sequence numbers must reach the socket in the order they were stamped.
        encoded = frames.encode(fullTopic, body);
        if (durable != null) {
          // Written before it is sent: a crash after this line loses nothing a replay cannot serve.
          CriticalPublishing.record(durable, options, fullTopic, body, encoded);
        }
        send(fullTopic, encoded);
      }
    } else if (reference != null) {
      synchronized (frames) {
        // seq_id is signed in (the reference adds it after signing, which its own validators
        // refuse), kept before it is sent, and reaches the socket in order.
        long seqId = reference.nextSeqId();
        body.put(org.fedmsg.wire.Fedmsg1.SEQ_ID, seqId);
        encoded = frames.encode(fullTopic, body);
        reference.append(seqId, encoded[0], encoded[1]);
        send(fullTopic, encoded);
      }
    } else {
      // fedmsg/1 has no sequence: threads sign in parallel and only the hand-off is serialised.
      encoded = frames.encode(fullTopic, body);
      send(fullTopic, encoded);
    }
    String signedBy = signer == null ? null : signer.commonName();
    return new Message(fullTopic, body, encoded[1], options.wireFormat, signedBy,
        encoded.length == 3 ? encoded[2] : null);
  }

  private void send(String fullTopic, byte[][] encoded) {
    if (relay != null) {
      relay.await();
    }
    if (!publisher.send(encoded)) {
      failures.increment();
      throw new TransportException("ZeroMQ refused the message on " + fullTopic + " (hand-off queue full or closed)");
    }
    published.increment();
  }

  long published() {
    return published.sum();
  }

  /** Refused hand-offs, plus what a connecting publisher gave up on at close (the relay took nothing for 30 s). */
  long failures() {
    return failures.sum() + publisher.abandoned();
  }
}
