package org.fedmsg.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;

/** Signed test messages in both formats, from a test PKI built in code. */
final class Signed {
  static final TestPki.Issued CA = TestPki.rootCa("store test CA").build();
  static final TestPki.Issued RSA_LEAF = CA.issue("koji.example.org").keyType(TestPki.KeyType.RSA_2048).build();
  static final TestPki.Issued EC_LEAF = CA.issue("bodhi.example.org").keyType(TestPki.KeyType.EC_P256).build();
  static final Signer RSA = Signer.of(RSA_LEAF.privateKey(), RSA_LEAF.chain());
  static final Signer EC = Signer.of(EC_LEAF.privateKey(), EC_LEAF.chain());

  private Signed() {}

  static Path writeCa(Path dir) {
    return TestPki.writePem(dir.resolve("ca.crt"), CA.certificate());
  }

  static ObjectNode envelope(String topic, Instant at, ObjectNode msg) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("topic", topic);
    body.set("msg", msg);
    body.put("timestamp", at.getEpochSecond());
    body.put("msg_id", at.atZone(java.time.ZoneOffset.UTC).getYear() + "-" + UUID.randomUUID());
    body.put("i", 1);
    body.put("username", "apache");
    return body;
  }

  /** A fedmsg/1 message (2 frames) signed by the RSA leaf. */
  static List<byte[]> fedmsg1(String topic, Instant at, ObjectNode msg) {
    byte[] wire = Fedmsg1.signToWire(envelope(topic, at, msg), RSA);
    return List.of(topic.getBytes(StandardCharsets.UTF_8), wire);
  }

  /** A fedmsg/2 message (3 frames) signed by the EC leaf with this epoch and seq. */
  static List<byte[]> fedmsg2(String topic, Instant at, ObjectNode msg, String epoch, long seq) {
    ObjectNode body = envelope(topic, at, msg);
    body.put("epoch", epoch);
    body.put("seq", seq);
    return List.of(Fedmsg2.encode(topic, body, EC));
  }

  static ObjectNode msg(String... keyValues) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    for (int i = 0; i < keyValues.length; i += 2) {
      o.put(keyValues[i], keyValues[i + 1]);
    }
    return o;
  }

  static ArchivedMessage archived(List<byte[]> frames, String signer) {
    return ArchivedMessage.fromFrames(frames, signer, Instant.now());
  }
}
