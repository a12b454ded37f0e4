package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Log injection (issue 10 item 11): an unauthenticated sender puts newlines in the topic and
 * msg_id to forge audit lines. Raw frames from a plain JeroMQ PUB socket into a real validating
 * relay; the captured audit log has exactly one line per logged rejection, with the payload
 * escaped, the verified signer in {@code signer=} when there is one, and the delivering peer.
 */
@Timeout(60)
class AuditInjectionAttackTest {
  private static final String FORGED = "\nWARN org.fedmsg.audit - forged audit line reason=NONE";
  private static final String POLICY = """
      default: allow
      rules:
        - topics: ["pkgdb.*"]
          signers: ["pkgdb-app01.*"]
          effect: allow
      """;

  @Test
  void newlinesInTopicAndMsgId_oneEscapedLinePerRejection_signerAndPeerNamed() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("fedmsg test ca").build();
    TestPki.Issued bodhi = ca.issue("bodhi-app01.example.org").build();
    PrintStream realErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(realErr, captured), true, UTF_8));
    try (AttackedRelay r = AttackedRelay.start(ca.certificate(), POLICY)) {
      Relay relay = r.relay;
      String topic = "org.fedoraproject.dev.x" + FORGED;
      String body = "{\"topic\":" + Json.MAPPER.writeValueAsString(topic) + ",\"msg_id\":" + Json.MAPPER.writeValueAsString("id" + FORGED)
          + ",\"msg\":{}}";
      // Unsigned (UNSIGNED), then a body whose topic differs (TOPIC_MISMATCH), then not JSON.
      while (relay.stats().rejected() == 0) {
        r.send(topic, body.getBytes(UTF_8));
        Thread.sleep(10);
      }
      r.send(topic + "\r\u001b[2J", body.getBytes(UTF_8));
      r.send(topic, ("not json" + FORGED).getBytes(UTF_8));
      Eventually.assertThat(() -> relay.stats().rejectedByCause().size() == 3, "three causes counted");

      // A good signature whose message the policy refuses: the audit line names the signer.
      try (Bus pub = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
          .validateSignatures(false).wireFormat(WireFormat.FEDMSG2)
          .signer(Signer.of(bodhi.privateKey(), bodhi.chain())).build())) {
        pub.publish("pkgdb", "package.update", Map.of("ok", false));
        pub.publish("bodhi", "update", Map.of("ok", true));
      }
      Message m = r.forwarded.poll(10, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.msg().get("ok").booleanValue()).isTrue();
      Eventually.assertThat(() -> relay.stats().rejectedByCause().size() == 4, "policy refusal counted");
    } finally {
      System.setErr(realErr);
    }
    List<String> audit = captured.toString(UTF_8).lines().filter(l -> l.contains("org.fedmsg.audit")).toList();
    assertThat(audit).hasSize(4).allSatisfy(l -> assertThat(l).contains("rejected message: reason="));
    assertThat(captured.toString(UTF_8).lines().filter(l -> l.contains("forged audit line")))
        .hasSize(3).allSatisfy(l -> assertThat(l).contains("rejected message: reason=").contains("\\nWARN"));
    assertThat(audit).anySatisfy(l -> assertThat(l).contains("cause=unsigned").contains("msg_id=id\\nWARN")
        .contains("peer=").doesNotContain("peer=-"));
    assertThat(audit).anySatisfy(l -> assertThat(l).contains("cause=topic-mismatch").contains("\\r\\x1b[2J"));
    assertThat(audit).anySatisfy(l -> assertThat(l).contains("reason=NOT_AUTHORIZED")
        .contains("signer=bodhi-app01.example.org"));
    assertThat(captured.toString(UTF_8)).doesNotContain("\u001b");
  }

  /** Copies what the loggers write to the real stderr and to a buffer. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
