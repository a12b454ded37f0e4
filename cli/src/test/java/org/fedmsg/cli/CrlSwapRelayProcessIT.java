package org.fedmsg.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.fedmsg.cli.OversizedFrameAttackIT.RelayProcess;
import org.fedmsg.crypto.Signer;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.Issued;
import org.fedmsg.wire.Fedmsg1;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The CRL file of a running {@code fedmsg relay} process is replaced the way an attacker with
 * write access to it would: by an older CRL, validly signed by the CA, that does not list a revoked
 * certificate (a rollback), then by a same-name CRL signed by another key. With {@code
 * trust_reload_interval: 200ms} the relay checks the file within the test; it refuses both
 * replacements (and logs why), the revoked signer's messages stay refused, and good messages keep
 * flowing. Messages travel in order on one connection, so "refused" is shown by the good message
 * sent after it arriving first.
 */
@Timeout(180)
class CrlSwapRelayProcessIT {
  private static final String TOPIC = "org.fedoraproject.dev.crl.test";

  private final Issued ca = TestPki.rootCa("fedmsg").build();
  private final Issued rogue = TestPki.rootCa("fedmsg").build();   // same name, the attacker's own key
  private final Issued good = ca.issue("good.example.org").keyType(TestPki.KeyType.RSA_2048).build();
  private final Issued revoked = ca.issue("revoked.example.org").keyType(TestPki.KeyType.RSA_2048).build();

  @Test
  void crlRolledBackThenForged_underARealRelay_bothRefused_revokedStaysOut_goodFlows(@TempDir Path dir)
      throws Exception {
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    RelayProcess relay = RelayProcess.start(dir, "validate_signatures: true\n"
        + "ca_cert_location: \"" + caFile + "\"\ncrl_location: \"" + crl + "\"\n"
        + "crl_failure_mode: fail_closed\ntrust_reload_interval: 200ms\n");
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket pub = relay.rawPublisher(ctx);
      ZMQ.Socket sub = relay.rawSubscriber(ctx);
      Signer goodSigner = Signer.of(good.privateKey(), good.chain());
      Signer revokedSigner = Signer.of(revoked.privateKey(), revoked.chain());
      warmUp(pub, sub, goodSigner);
      assertRefusedThenGoodFlows(pub, sub, revokedSigner, goodSigner);

      Instant now = Instant.now();
      replace(crl, ca.crl().dates(now.minus(Duration.ofDays(3)), now.plus(Duration.ofDays(20))).build());
      relay.awaitLine("older than the one already accepted");
      assertRefusedThenGoodFlows(pub, sub, revokedSigner, goodSigner);

      replace(crl, rogue.crl().build());
      relay.awaitLine("not signed by that CA");
      assertRefusedThenGoodFlows(pub, sub, revokedSigner, goodSigner);
      assertThat(relay.process.isAlive()).isTrue();
    } finally {
      relay.process.destroy();
      relay.process.waitFor(30, TimeUnit.SECONDS);
      relay.process.destroyForcibly();
    }
  }

  /** Sends the revoked signer's message, then a good one: the good one is the next to come out. */
  private static void assertRefusedThenGoodFlows(ZMQ.Socket pub, ZMQ.Socket sub, Signer revoked, Signer good) {
    List<byte[]> refused = message(revoked);
    List<byte[]> marker = message(good);
    send(pub, refused);
    send(pub, marker);
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen.contains(msgId(marker))) {
      assertThat(System.nanoTime()).as("the good message after the revoked one arrives").isLessThan(deadline);
      byte[] topic = sub.recv();
      if (topic != null) {
        List<byte[]> frames = new ArrayList<>(List.of(topic));
        while (sub.hasReceiveMore()) {
          frames.add(sub.recv());
        }
        seen.add(msgId(frames));
      }
    }
    assertThat(seen).as("the revoked signer's message is not forwarded").doesNotContain(msgId(refused));
  }

  /** Sends good messages until one comes out (the relay's subscription and ours are then in place). */
  private static void warmUp(ZMQ.Socket pub, ZMQ.Socket sub, Signer good) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      send(pub, message(good));
      if (sub.recv() != null) {
        while (sub.hasReceiveMore()) {
          sub.recv();
        }
        return;   // later warm-up messages are skipped by msg_id
      }
    }
    throw new AssertionError("no good message came through the relay within 60 s");
  }

  private static List<byte[]> message(Signer signer) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("topic", TOPIC).put("timestamp", Instant.now().getEpochSecond())
        .put("msg_id", Instant.now().atZone(java.time.ZoneOffset.UTC).getYear() + "-" + UUID.randomUUID())
        .put("i", 1).put("username", "test");
    body.putObject("msg").put("hello", "world");
    return List.of(TOPIC.getBytes(UTF_8), Fedmsg1.signToWire(body, signer));
  }

  private static void send(ZMQ.Socket pub, List<byte[]> frames) {
    pub.send(frames.get(0), ZMQ.SNDMORE);
    pub.send(frames.get(1), 0);
  }

  private static String msgId(List<byte[]> frames) {
    return frames.size() < 2 ? "" : CanonicalJson.parse(frames.get(1)).path("msg_id").asText("");
  }

  /** Rewrites the file and moves its mtime on, so the reload sees it however coarse the file clock. */
  private static void replace(Path file, Object... crls) throws Exception {
    FileTime before = Files.getLastModifiedTime(file);
    TestPki.writePem(file, crls);
    Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 5_000));
  }
}
