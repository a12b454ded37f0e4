package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Message.frames(): every frame as it travelled, so archives can verify a message again later. */
@Timeout(60)
class MessageFramesTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(WireFormat.class)
  void received_framesAreTheWireFramesAndVerifyAgain(WireFormat format) throws Exception {
    TestPki.Issued ca = TestPki.rootCa("frames ca").build();
    TestPki.Issued leaf = ca.issue("frames.example.org").keyType(TestPki.KeyType.RSA_2048).build();
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Path cfg = Files.writeString(dir.resolve("sub.yaml"), "ca_cert_location: \"" + caFile + "\"\ncrl_location: null\n");
    // The verifier exists before the message is signed: a fresh receiver refuses messages signed
    // before it started (no replay memory), which is not what this test is about.
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(caFile).backgroundRefresh(false).build());
        MessageVerifier verifier = MessageVerifier.builder().trust(trust).build();
        Bus pub = Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(format).signer(Signer.of(leaf.privateKey(), leaf.chain())).build());
        Bus sub = Bus.create(BusOptions.builder().apply(ConfigLoader.builder().explicit(cfg).build().load())
            .endpoint("pub", List.of(pub.publisherEndpoint())).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      Message sent = pub.publish("frames", Map.of("k", "v"));
      Message received = got.poll(20, TimeUnit.SECONDS);
      assertThat(received).isNotNull();
      int count = format == WireFormat.FEDMSG2 ? 3 : 2;
      assertThat(sent.frames()).hasSize(count);
      assertThat(received.frames()).hasSize(count);
      for (int i = 0; i < count; i++) {
        assertThat(received.frames().get(i)).isEqualTo(sent.frames().get(i));
      }
      // copies: changing one does not change the message
      received.frames().get(1)[0] = 'X';
      assertThat(received.frames().get(1)[0]).isEqualTo((byte) '{');
      org.fedmsg.crypto.VerificationResult result = verifier.verify(received.frames());
      assertThat(result.isValid()).as(result.toString()).isTrue();
    }
  }

  @Test
  void unsignedFedmsg1_twoFrames() throws Exception {
    try (Bus pub = Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build())) {
      assertThat(pub.publish("x", Map.of()).frames()).hasSize(2);
    }
  }
}
