package org.fedmsg.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.wire.Fedmsg2;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compacting publisher's messages, received by a verifying bus and archived: the archive holds
 * the full signature frames, which a verifier that has seen nothing else verifies.
 */
@Timeout(60)
class CompactFramesStoreTest {
  @TempDir Path tmp;

  @Test
  void compactMessagesFromTheBus_archivedInFull_verifyAgainFromTheStore() throws Exception {
    int count = 5;
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(Signed.CA.certificate()))
            .backgroundRefresh(false).build());
        Bus pub = Bus.create(BusOptions.builder().name("bodhi").endpoint("bodhi", List.of("tcp://127.0.0.1:*"))
            .signer(Signed.EC).wireFormat(WireFormat.FEDMSG2).build());
        Bus sub = Bus.create(BusOptions.builder().endpoint("bodhi", List.of(pub.publisherEndpoint()))
            .verifier(MessageVerifier.builder().trust(trust).build()).build());
        MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(Databases.SQLITE.freshUrl(tmp)).build(),
            new SimpleMeterRegistry())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      for (int i = 0; i < count; i++) {
        pub.publish("bodhi", "update.request", Map.of("n", i));
      }
      for (int i = 0; i < count; i++) {
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(store.archive(m)).isTrue();
      }
      assertThat(sub.stats().rejected()).isZero();
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      List<ArchivedMessage> archived = new ArrayList<>();
      store.query(Query.between(Instant.now().minusSeconds(3600), Instant.now().plusSeconds(3600), 100), archived::add);
      assertThat(archived).hasSize(count);
      for (ArchivedMessage a : archived) {
        assertThat(Fedmsg2.isCompact(a.frames().get(2))).isFalse();
        assertThat(a.certFingerprint()).isPresent();
        try (MessageVerifier offline = MessageVerifier.builder().trust(trust).asOf(Instant.now()).build()) {
          assertThat(offline.check(a.frames()).result().isValid()).isTrue();
        }
      }
    }
  }

  @Test
  void compactFrames_areNotArchived() {
    List<byte[]> full = Signed.fedmsg2("org.fedoraproject.prod.bodhi.update.request", Instant.now(),
        Signed.msg("agent", "bob"), "e1", 1);
    List<byte[]> compact = List.of(full.get(0), full.get(1), Fedmsg2.compact(full.get(2)));
    assertThatThrownBy(() -> Signed.archived(compact, "bodhi.example.org"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keeps only the full form");
  }
}
