package org.fedmsg.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import org.fedmsg.Message;
import org.fedmsg.WireFormat;

/**
 * The JSON a client receives for one message:
 * <pre>{@code {"type": "message", "topic", "signer", "verified", "format", "timestamp", "msg_id",
 *  "body", "frames"?}}</pre>
 * {@code signer} is the verified certificate's common name (null when the gateway does not
 * validate), {@code format} {@code fedmsg/1} or {@code fedmsg/2}, {@code body} the whole signed
 * body. {@code frames}, only for clients that asked, holds the original ZeroMQ frames in base64
 * (topic, body and, for fedmsg/2, the signature frame), so a client can verify the author itself.
 */
final class MessageJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private MessageJson() {}

  static String encode(Message m, boolean frames) {
    ObjectNode out = MAPPER.createObjectNode();
    out.put("type", "message");
    out.put("topic", m.topic());
    out.put("signer", m.signer().orElse(null));
    out.put("verified", m.signer().isPresent());
    out.put("format", m.format() == WireFormat.FEDMSG1 ? "fedmsg/1" : "fedmsg/2");
    JsonNode ts = m.field("timestamp").orElse(null);
    out.set("timestamp", ts != null && ts.isNumber() ? ts : null);
    out.put("msg_id", m.msgId().orElse(null));
    out.set("body", m.body());
    if (frames) {
      Base64.Encoder b64 = Base64.getEncoder();
      ArrayNode list = out.putArray("frames");
      m.frames().forEach(frame -> list.add(b64.encodeToString(frame)));
    }
    return write(out);
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
