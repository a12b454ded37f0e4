package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.crypto.Signer;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;

/**
 * Turns a payload into the frames of one message in the bus's wire format: the envelope
 * ({@code topic}, {@code msg_id}, {@code i}, ...), the fedmsg/2 sequence stamp, the signature.
 */
final class OutgoingFrames {
  private final BusOptions options;
  /** Null when the bus does not sign. */
  private final Signer signer;
  private final Fedmsg2.Stamper stamper = Fedmsg2.Stamper.start();
  private final AtomicLong counter = new AtomicLong();

  OutgoingFrames(BusOptions options, Signer signer) {
    this.options = options;
    this.signer = signer;
  }

  /** The envelope of the next message (numbered by {@code i}), not yet signed. */
  ObjectNode envelope(String fullTopic, JsonNode msg) {
    ObjectNode body = Json.object();
    body.put("topic", fullTopic);
    body.set("msg", msg);
    body.put("timestamp", options.clock.millis() / 1000);
    int year = options.clock.instant().atZone(ZoneId.systemDefault()).getYear();
    body.put("msg_id", year + "-" + UUID.randomUUID());
    body.put("i", counter.incrementAndGet());
    body.put("username", options.username);
    return body;
  }

  /**
   * The frames for a body; signs it (adding the signature fields to {@code body}) when signing.
   * fedmsg/2 stamps a sequence number: the caller keeps stamping and sending in one order.
   */
  byte[][] encode(String fullTopic, ObjectNode body) {
    if (options.wireFormat == WireFormat.FEDMSG2) {
      stamper.stamp(body);
      return Fedmsg2.encode(fullTopic, body, signer);
    }
    byte[] topicFrame = fullTopic.getBytes(StandardCharsets.UTF_8);
    if (signer == null) {
      return new byte[][] {topicFrame, Json.canonical(body)};
    }
    ObjectNode signed = Fedmsg1.sign(body, signer);
    body.setAll(signed);
    return new byte[][] {topicFrame, Fedmsg1.wireBody(signed)};
  }
}
