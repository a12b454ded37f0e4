package org.fedmsg.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.WireFormat;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.ThrowawayPki;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class LoadGeneratorTest {

  /* --------------- pubsub: counts and report shape --------------- */

  @Test
  void pubsub_direct_everySubscriberGetsEveryMessage() throws Exception {
    BenchSpec spec = BenchSpec.builder().publishers(2).subscribers(2).messages(300).size(256).build();
    BenchReport report = LoadGenerator.pubsub(spec, LoadGenerator.Progress.NONE);

    assertThat(report.publishers()).extracting(ClientReport::messages).containsExactly(300L, 300L);
    assertThat(report.subscribers()).extracting(ClientReport::messages).containsExactly(600L, 600L);
    assertThat(report.sent()).isEqualTo(600);
    assertThat(report.received()).isEqualTo(1200);
    assertThat(report.lost()).isZero();
    assertThat(report.rejected()).isZero();
    assertThat(report.duplicates()).isZero();
    assertThat(report.latency().count()).isEqualTo(1200);
    assertThat(report.latency().p50()).isLessThanOrEqualTo(report.latency().p90());
    assertThat(report.latency().p99()).isLessThanOrEqualTo(report.latency().max());
    assertThat(report.subscribers().get(0).payloadBytes()).isEqualTo(600L * 256);
  }

  @Test
  void pubsub_throughRelayWithCurve_fedmsg1Rsa_delivered() throws Exception {
    BenchSpec spec = BenchSpec.builder().publishers(1).subscribers(1).messages(40).relay(true).curve(true)
        .format(WireFormat.FEDMSG1).keyType(KeyType.RSA_2048).policyRules(50).build();
    BenchReport report = LoadGenerator.pubsub(spec, LoadGenerator.Progress.NONE);

    assertThat(report.received()).isEqualTo(40);
    assertThat(report.lost()).isZero();
    assertThat(report.rejected()).isZero();
  }

  @Test
  void csv_oneLineWithEveryColumn() throws Exception {
    BenchSpec spec = BenchSpec.builder().publishers(1).subscribers(1).messages(20).build();
    BenchReport report = LoadGenerator.pubsub(spec, LoadGenerator.Progress.NONE);

    String csv = report.csv();
    assertThat(csv).doesNotContain("\n");
    String[] header = BenchReport.CSV_HEADER.split(",");
    String[] fields = csv.split(",", -1);
    assertThat(fields).hasSameSizeAs(header);
    assertThat(fields[0]).isEqualTo("pubsub");
    assertThat(fields[List.of(header).indexOf("sent")]).isEqualTo("20");
    assertThat(fields[List.of(header).indexOf("received")]).isEqualTo("20");
    assertThat(fields[List.of(header).indexOf("format")]).isEqualTo("fedmsg2");
    assertThat(fields[List.of(header).indexOf("key")]).isEqualTo("ed25519");
    assertThat(fields[List.of(header).indexOf("lost")]).isEqualTo("0");
    for (String numeric : List.of("pub_msgs_per_s", "sub_mb_per_s", "p99_us")) {
      assertThat(Double.parseDouble(fields[List.of(header).indexOf(numeric)])).isNotNegative();
    }
    assertThat(report.text()).contains("Pub stats:", "Sub stats:", " [1] sub-1 ", "lost 0");
  }

  /* --------------- sub: loss and rejections against a real publisher --------------- */

  @Test
  void subscribe_publisherSkipsMessages_exactNumberLostAndForgeriesRejected(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), "localhost", List.of("bench", "other"),
        KeyType.ED25519, false);
    Signer bench = Signer.load(pki.ssldir(), pki.certnames().get("bench.localhost"));
    Signer other = Signer.load(pki.ssldir(), pki.certnames().get("other.localhost"));
    TopicPolicy policy = TopicPolicy.parse(BenchBed.policy(3, bench.commonName()), "test", TopicNamespace.DEFAULT);
    BenchSpec spec = BenchSpec.builder().publishers(1).subscribers(1).messages(20).timeout(Duration.ofSeconds(2))
        .build();
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(pki.caCertificate()).crl(pki.crl()).build());
        MessageVerifier verifier = MessageVerifier.builder().trust(trust).policy(policy).build();
        Bus publisher = Bus.create(BusOptions.builder().name("bench").endpoint("bench", List.of("tcp://127.0.0.1:*"))
            .signer(bench).wireFormat(WireFormat.FEDMSG2).build());
        // Signed by a certificate of the same CA that the policy does not allow on the bench topic.
        Bus intruder = Bus.create(BusOptions.builder().name("other").endpoint("other", List.of("tcp://127.0.0.1:*"))
            .signer(other).wireFormat(WireFormat.FEDMSG2).build())) {
      CountDownLatch ready = new CountDownLatch(1);
      CompletableFuture<BenchReport> run = CompletableFuture.supplyAsync(() -> {
        try {
          return LoadGenerator.subscribe(spec, j -> BusOptions.builder().verifier(verifier)
              .endpoint("bench", List.of(publisher.publisherEndpoint()))
              .endpoint("other", List.of(intruder.publisherEndpoint())).build(), LoadGenerator.Progress.NONE, 2,
              ready::countDown);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(ready.await(60, TimeUnit.SECONDS)).isTrue();
      String pad = BenchPayload.padding("p", 20, spec.size());
      Set<Long> skipped = Set.of(5L, 6L, 7L, 20L);
      for (long seq = 1; seq <= 20; seq++) {
        if (!skipped.contains(seq)) {
          publisher.publish(LoadPublisher.MODNAME, LoadPublisher.TOPIC,
              new BenchPayload("p", seq, 20, BenchPayload.nowMicros()).toMap(pad));
        }
      }
      for (long seq = 1; seq <= 2; seq++) {
        intruder.publish(LoadPublisher.MODNAME, LoadPublisher.TOPIC,
            new BenchPayload("q", seq, 2, BenchPayload.nowMicros()).toMap(pad));
      }
      BenchReport report = run.get(60, TimeUnit.SECONDS);

      ClientReport sub = report.subscribers().get(0);
      assertThat(sub.messages()).isEqualTo(16);
      assertThat(sub.lost()).isEqualTo(4);
      assertThat(sub.rejected()).isEqualTo(2);
      assertThat(report.csv().split(",")[0]).isEqualTo("sub");
    }
  }
}
