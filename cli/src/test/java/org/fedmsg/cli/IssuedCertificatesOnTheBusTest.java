package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.BusStats;
import org.fedmsg.Message;
import org.fedmsg.Relay;
import org.fedmsg.certs.CertificateAuthority;
import org.fedmsg.certs.IssuedCertificate;
import org.fedmsg.certs.KeyType;
import org.fedmsg.certs.RevocationReason;
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

/**
 * Certificates issued by {@code fedmsg-certs} used on a real bus: a freshly issued key signs and
 * verifies with no further step; revoking it and publishing a new CRL makes subscribers reject
 * it; the policy gives pkgdb's topics to pkgdb's certificate only, at subscribers and relays.
 */
@Timeout(90)
class IssuedCertificatesOnTheBusTest {
  private static final String POLICY = """
      default: deny
      rules:
        - topics: ["pkgdb.*"]
          signers: ["pkgdb-*"]
          effect: allow
        - topics: ["bodhi.*"]
          signers: ["bodhi-*"]
          effect: allow
      """;

  @TempDir Path dir;

  private static Bus publisher(String name, Signer signer) {
    return Bus.create(BusOptions.builder().name(name).endpoint(name, List.of("tcp://127.0.0.1:*"))
        .signer(signer).validateSignatures(false).build());
  }

  private static Bus subscriber(String endpoint, MessageVerifier verifier) {
    return Bus.create(BusOptions.builder().endpoint("pub", List.of(endpoint)).verifier(verifier).build());
  }

  @Test
  void issueSignVerify_thenRevokeAndCrl_subscriberRejectsAsRevoked() throws Exception {
    CertificateAuthority ca = CertificateAuthority.init(dir, "bus test CA", KeyType.EC_P256,
        Duration.ofDays(30), null, false);
    IssuedCertificate issued = ca.issue("pkgdb", "app01.example.org", KeyType.RSA_2048, Duration.ofDays(10),
        List.of(), false);
    ca.writeCrl(Duration.ofDays(7));
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(ca.certificateFile()).crl(ca.crlFile())
            .pollInterval(Duration.ofMillis(100)).build());
        Bus pub = publisher("pkgdb", Signer.load(dir, issued.certname()));
        Bus sub = subscriber(pub.publisherEndpoint(), MessageVerifier.builder().trust(trust).build())) {
      BlockingQueue<Message> got = new LinkedBlockingQueue<>();
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      pub.publish("pkgdb", "package.update", Map.of("n", 1));
      Message first = got.poll(10, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(first.signer()).hasValue(issued.certname());

      ca.revoke(issued.certname(), null, RevocationReason.KEY_COMPROMISE);
      ca.writeCrl(Duration.ofDays(7));
      // The subscriber's trust store picks the new CRL up from the file; from then on every
      // message of the revoked certificate is refused.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (sub.stats().rejected(Reason.CERT_REVOKED) == 0 && System.nanoTime() < deadline) {
        pub.publish("pkgdb", "package.update", Map.of("n", 2));
        got.poll(100, TimeUnit.MILLISECONDS);
      }
      assertThat(sub.stats().rejected(Reason.CERT_REVOKED)).isPositive();
      got.clear();
      long before = sub.stats().rejected(Reason.CERT_REVOKED);
      pub.publish("pkgdb", "package.update", Map.of("n", 3));
      assertThat(got.poll(500, TimeUnit.MILLISECONDS)).isNull();
      Wait.until(() -> sub.stats().rejected(Reason.CERT_REVOKED) == before + 1);
    }
  }

  @Test
  void bodhiCertificateOnPkgdbTopic_droppedBySubscriberAndRelay_pkgdbArrives() throws Exception {
    CertificateAuthority ca = CertificateAuthority.init(dir, "bus test CA", KeyType.EC_P256,
        Duration.ofDays(30), null, false);
    IssuedCertificate pkgdb = ca.issue("pkgdb", "app01.example.org", KeyType.RSA_2048, Duration.ofDays(10),
        List.of(), false);
    IssuedCertificate bodhi = ca.issue("bodhi", "app01.example.org", KeyType.RSA_2048, Duration.ofDays(10),
        List.of(), false);
    ca.writeCrl(Duration.ofDays(7));
    TopicPolicy policy = TopicPolicy.parse(POLICY, "bus-test-policy", TopicNamespace.DEFAULT);
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(ca.certificateFile()).crl(ca.crlFile()).build());
        Relay relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
            .relayInbound("tcp://127.0.0.1:*")
            .verifier(MessageVerifier.builder().trust(trust).policy(policy).build()).build());
        Bus viaRelay = subscriber(relay.outboundEndpoint(), MessageVerifier.builder().trust(trust).policy(policy).build());
        Bus bodhiDirect = publisher("bodhi", Signer.load(dir, bodhi.certname()));
        Bus pkgdbDirect = publisher("pkgdb", Signer.load(dir, pkgdb.certname()));
        Bus direct = Bus.create(BusOptions.builder()
            .endpoints(Map.of("bodhi", List.of(bodhiDirect.publisherEndpoint()),
                "pkgdb", List.of(pkgdbDirect.publisherEndpoint())))
            .verifier(MessageVerifier.builder().trust(trust).policy(policy).build()).build())) {
      BlockingQueue<Message> gotDirect = new LinkedBlockingQueue<>();
      BlockingQueue<Message> gotRelayed = new LinkedBlockingQueue<>();
      assertThat(direct.subscribe("", gotDirect::add).awaitReady(Duration.ofSeconds(10))).isTrue();
      assertThat(viaRelay.subscribe("", gotRelayed::add).awaitReady(Duration.ofSeconds(10))).isTrue();

      // Directly: the subscriber checks the policy after the signature.
      bodhiDirect.publish("pkgdb", "package.create", Map.of("package", "forged"));
      pkgdbDirect.publish("pkgdb", "package.create", Map.of("package", "kernel"));
      Message arrived = gotDirect.poll(10, TimeUnit.SECONDS);
      assertThat(arrived).isNotNull();
      assertThat(arrived.signer()).hasValue(pkgdb.certname());
      Wait.until(() -> direct.stats().rejected(Reason.NOT_AUTHORIZED) == 1);

      // Through the relay: it drops the unauthorized message instead of forwarding it.
      for (Signer signer : List.of(Signer.load(dir, bodhi.certname()), Signer.load(dir, pkgdb.certname()))) {
        try (Bus active = Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
            .signer(signer).validateSignatures(false).build())) {
          active.publish("pkgdb", "package.create", Map.of("package", signer.commonName()));
        }
      }
      Message relayed = gotRelayed.poll(10, TimeUnit.SECONDS);
      assertThat(relayed).isNotNull();
      assertThat(relayed.signer()).hasValue(pkgdb.certname());
      Wait.until(() -> relay.stats().rejected(Reason.NOT_AUTHORIZED) == 1);
      // counted once the outbound socket took it, which can be just after the subscriber has it
      Wait.until(() -> relay.forwarded() == 1);
      BusStats subscriberStats = viaRelay.stats();
      assertThat(subscriberStats.rejected()).isZero();
      assertThat(gotRelayed.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
  }
}
