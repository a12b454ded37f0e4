package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.policy.PolicyViolationException;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Bus#publishForwarded} (a bridge keeps a message's id) and {@link Message#frames()} (the signed frames). */
@Timeout(60)
class ForwardedPublishTest {
  private final TestPki.Issued ca = TestPki.rootCa("fedmsg test ca").build();
  private final TestPki.Issued bridge = ca.issue("bridge.example.org").build();

  private Bus publisher() {
    return ReferencePki.publisher("bridge", Signer.of(bridge.privateKey(), bridge.chain()), WireFormat.FEDMSG2);
  }

  @Test
  void publishForwarded_keepsIdAndExtraFields_framesVerifyAgain() throws Exception {
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).build());
        Bus pub = publisher();
        Bus sub = Bus.create(BusOptions.builder().endpoint("bridge", List.of(pub.publisherEndpoint()))
            .verifier(MessageVerifier.builder().trust(trust).build()).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      pub.publishForwarded("org.fedoraproject.dev.bodhi.update.comment", Map.of("n", 1), "2026-abc",
          Map.of("headers", JsonNodeFactory.instance.objectNode().put("origin", "amqp")));
      Message m = got.poll(10, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      assertThat(m.topic()).isEqualTo("org.fedoraproject.dev.bodhi.update.comment");
      assertThat(m.msgId()).hasValue("2026-abc");
      assertThat(m.field("headers").orElseThrow().get("origin").asText()).isEqualTo("amqp");
      assertThat(m.signer()).hasValue("bridge.example.org");
      List<byte[]> frames = m.frames();
      assertThat(frames).hasSize(3);
      assertThat(new String(frames.get(0), StandardCharsets.UTF_8)).isEqualTo(m.topic());
      assertThat(frames.get(1)).isEqualTo(m.rawBody());
      try (MessageVerifier offline = MessageVerifier.builder().trust(trust).asOf(java.time.Instant.now()).build()) {
        assertThat(offline.check(frames).result()).isInstanceOf(VerificationResult.Valid.class);
      }
      frames.get(1)[frames.get(1).length - 2] ^= 1;
      assertThat(m.frames().get(1)).isEqualTo(m.rawBody()); // copies: the message is unchanged
    }
  }

  @Test
  void publishForwarded_envelopeFieldAsExtra_refused() {
    try (Bus pub = publisher()) {
      for (String field : List.of("msg_id", "topic", "signature", "seq")) {
        assertThatThrownBy(() -> pub.publishForwarded("org.fedoraproject.dev.a.b", Map.of(), "2026-x",
            Map.of(field, JsonNodeFactory.instance.textNode("x"))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(field);
      }
      assertThat(pub.stats().published()).isZero();
    }
  }

  @Test
  void publishForwarded_topicWithoutPrefix_refused() {
    try (Bus pub = publisher()) {
      assertThatThrownBy(() -> pub.publishForwarded("com.example.thing", Map.of(), "2026-x", Map.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("org.fedoraproject.");
    }
  }

  @Test
  void publishForwarded_policyApplies() {
    TestPki.Issued other = ca.issue("other.example.org").build();
    try (Bus pub = Bus.create(BusOptions.builder().name("o").endpoint("o", List.of("tcp://127.0.0.1:*"))
        .signer(Signer.of(other.privateKey(), other.chain())).wireFormat(WireFormat.FEDMSG2)
        .publishPolicy(ReferencePki.pkgdbFromApp01()).build())) {
      assertThatThrownBy(() -> pub.publishForwarded("org.fedoraproject.dev.pkgdb.package.update", Map.of(),
          "2026-x", Map.of())).isInstanceOf(PolicyViolationException.class);
    }
  }
}
