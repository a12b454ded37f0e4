package org.fedmsg.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.hub.Recorder.eventually;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fedmsg.Bus;
import org.fedmsg.ReferencePki;
import org.fedmsg.BusOptions;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The hub's bus checks signatures and the policy before any consumer sees a message. */
@Timeout(60)
class HubSignedTest {
  private static final String APP01 = ReferencePki.APP01;
  private static final String APP02 = ReferencePki.APP02;
  @TempDir Path dir;
  private ReferencePki pki;
  private Path ssldir;
  private TrustStore trust;

  @BeforeEach
  void pki() {
    pki = ReferencePki.in(dir);
    ssldir = pki.ssldir();
    trust = pki.trust();
  }

  @AfterEach
  void close() {
    pki.close();
  }

  private static Bus publisher(String name, Signer signer) {
    return ReferencePki.publisher(name, signer, org.fedmsg.WireFormat.FEDMSG1);
  }

  @Test
  void validatingHub_unsignedAndUnauthorizedRejectedBeforeConsumers() throws Exception {
    TopicPolicy policy = ReferencePki.pkgdbFromApp01();
    Recorder consumer = new Recorder("pkgdb-watcher", "watch.enabled", "org.fedoraproject.dev.pkgdb.*");
    try (Bus good = publisher("good", pki.signer(APP01));
        Bus other = publisher("other", pki.signer(APP02));
        Bus unsigned = publisher("unsigned", null);
        Hub hub = Hub.builder().discover(false).heartbeatInterval(Duration.ZERO)
            .config(FedmsgConfig.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"watch.enabled\": true}")))
            .busOptions(BusOptions.builder()
                .endpoint("good", List.of(good.publisherEndpoint()))
                .endpoint("other", List.of(other.publisherEndpoint()))
                .endpoint("unsigned", List.of(unsigned.publisherEndpoint()))
                .verifier(MessageVerifier.builder().trust(trust).policy(policy).build()).build())
            .consumer(consumer).start()) {
      assertThat(hub.awaitReady(Duration.ofSeconds(10))).isTrue();
      for (int n = 0; n < 5; n++) {
        unsigned.publish("pkgdb", "package.update", Map.of("n", n));
        other.publish("pkgdb", "package.update", Map.of("n", n));
        good.publish("pkgdb", "package.update", Map.of("n", n));
      }
      eventually(() -> hub.busStats().rejected() == 10 && consumer.consumed.size() == 5, "5 accepted, 10 rejected");
      assertThat(hub.busStats().rejected(Reason.UNSIGNED)).isEqualTo(5);
      assertThat(hub.busStats().rejected(Reason.NOT_AUTHORIZED)).isEqualTo(5);
      assertThat(consumer.consumed).allSatisfy(m -> assertThat(m.signer()).hasValue(APP01));
      assertThat(hub.stats("pkgdb-watcher").received()).isEqualTo(5);
    }
  }
}
