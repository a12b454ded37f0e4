package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.CrlFailureMode;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.Issued;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRL file of a running relay is replaced the way an attacker with write access to it (or to
 * the web server it is fetched from) would: by a same-name CRL signed by another key, and by an
 * older CRL validly signed by the CA that does not list a revoked certificate. The relay's trust
 * store reloads the file in the background, as in production.
 */
@Timeout(60)
class CrlReplacementRelayTest {
  @TempDir Path dir;

  private final Issued ca = TestPki.rootCa("fedmsg").build();
  private final Issued rogue = TestPki.rootCa("fedmsg").build(); // the attacker's CA: same name, own key
  private final Issued good = ca.issue("good.example.org").build();
  private final Issued revoked = ca.issue("revoked.example.org").build();

  @Test
  void forgedCrl_failClosed_goodMessagesKeepFlowing() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    try (TrustStore trust = trust(crl, CrlFailureMode.FAIL_CLOSED); Running r = new Running(trust, good)) {
      r.deliver(good);

      replace(crl, rogue.crl().build());
      Eventually.assertThat(() -> trust.crlStatus().refused() == 1, "forged CRL refused");

      r.deliver(good);
      assertThat(r.relay.crlStatus().orElseThrow().lastRefusal()).contains("not signed by that CA");
      assertThat(r.relay.stats().rejected(Reason.CRL_UNAVAILABLE)).isZero();
    }
  }

  @Test
  void forgedCrl_failOpen_revokedStaysRejected() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    try (TrustStore trust = trust(crl, CrlFailureMode.FAIL_OPEN); Running r = new Running(trust, good)) {
      replace(crl, rogue.crl().build());
      Eventually.assertThat(() -> trust.crlStatus().refused() == 1, "forged CRL refused");

      r.assertRejected(revoked, Reason.CERT_REVOKED);
      r.deliver(good);
    }
  }

  @Test
  void olderValidCrl_rollbackRefusedAndRevokedStaysRejected() throws Exception {
    Instant now = Instant.now();
    var older = ca.crl().dates(now.minus(Duration.ofDays(3)), now.plus(Duration.ofDays(20))).build();
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    try (TrustStore trust = trust(crl, CrlFailureMode.FAIL_CLOSED); Running r = new Running(trust, good)) {
      replace(crl, older);
      Eventually.assertThat(() -> trust.crlStatus().refused() == 1, "rolled-back CRL refused");

      r.assertRejected(revoked, Reason.CERT_REVOKED);
      r.deliver(good);
    }
  }

  private TrustStore trust(Path crl, CrlFailureMode mode) {
    return TrustStore.create(TrustOptions.builder().ca(TestPki.writePem(dir.resolve("ca.crt"), ca.certificate()))
        .crl(crl).crlFailureMode(mode).pollInterval(Duration.ofMillis(50)).build());
  }

  /** Rewrites the file in place and moves its mtime on, so the reload sees it however coarse the file clock. */
  private static void replace(Path file, Object... crls) throws Exception {
    FileTime before = Files.getLastModifiedTime(file);
    TestPki.writePem(file, crls);
    Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 5_000));
  }

  /** A validating relay, a subscriber on its outbound side, and publishers that connect to its inbound. */
  private static final class Running implements AutoCloseable {
    final Relay relay;
    final Bus sub;
    final BlockingQueue<Message> got = new LinkedBlockingQueue<>();
    final java.util.Set<Integer> seen = new java.util.HashSet<>();
    final Issued goodSigner;
    int n;

    Running(TrustStore trust, Issued goodSigner) throws InterruptedException {
      this.goodSigner = goodSigner;
      relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
          .relayInbound("tcp://127.0.0.1:*").verifier(MessageVerifier.builder().trust(trust).build()).build());
      sub = Bus.create(BusOptions.builder().endpoint("relay_outbound", List.of(relay.outboundEndpoint()))
          .validateSignatures(false).build());
      assertThat(sub.subscribe("", got::add).awaitReady(Duration.ofSeconds(10))).isTrue();
    }

    private Bus publisher(Issued signer) {
      return Bus.create(BusOptions.builder().active(true).relayInbound(relay.inboundEndpoint())
          .validateSignatures(false).wireFormat(WireFormat.FEDMSG2)
          .signer(Signer.of(signer.privateKey(), signer.chain())).build());
    }

    /** Publishes as {@code signer} until one message comes out of the relay. */
    void deliver(Issued signer) throws InterruptedException {
      int id = ++n;
      try (Bus pub = publisher(signer)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
          pub.publish("app", "event", Map.of("n", id));
          for (Message m = got.poll(200, TimeUnit.MILLISECONDS); m != null; m = got.poll()) {
            seen.add(m.msg().get("n").intValue());
            if (m.msg().get("n").intValue() == id) {
              return;
            }
          }
        }
      }
      throw new AssertionError(signer.commonName() + "'s message was not forwarded");
    }

    /** Publishes as {@code signer} until the relay counts a rejection for {@code reason}; nothing of it comes out. */
    void assertRejected(Issued signer, Reason reason) throws InterruptedException {
      int id = ++n;
      long before = relay.stats().rejected(reason);
      try (Bus pub = publisher(signer)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (relay.stats().rejected(reason) == before && System.nanoTime() < deadline) {
          pub.publish("app", "event", Map.of("n", id));
          Thread.sleep(50);
        }
      }
      assertThat(relay.stats().rejected(reason)).as("rejections for " + reason).isGreaterThan(before);
      deliver(goodSigner); // what was published before it has been through the relay by now
      assertThat(seen).doesNotContain(id);
    }

    @Override
    public void close() {
      sub.close();
      relay.close();
    }
  }
}
