package org.fedmsg.discovery.directory;

import java.time.Instant;
import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestClock;
import org.fedmsg.testing.TestPki;

/** A CA, allowed (bodhi, pkgdb) and disallowed service certificates, a rogue CA, a registration policy and a test clock. */
final class DirectoryPki {
  static final String POLICY = String.join("\n",
      "default: deny",
      "rules:",
      "  - topics: [\"bodhi.*\"]",
      "    signers: [\"bodhi-app0?.example.test\"]",
      "    effect: allow",
      "  - topics: [\"pkgdb.*\"]",
      "    signers: [\"pkgdb-app0?.example.test\"]",
      "    effect: allow",
      "");

  final TestClock clock = new TestClock(Instant.now());
  final TestPki.Issued ca = TestPki.rootCa("fedmsg test CA").build();
  final TestPki.Issued bodhi = ca.issue("bodhi-app01.example.test").build();
  final TestPki.Issued evil = ca.issue("evil.example.test").build();
  final TestPki.Issued pkgdb = ca.issue("pkgdb-app01.example.test").build();
  final TestPki.Issued rogue = TestPki.rootCa("fedmsg test CA").build().issue("bodhi-app01.example.test").build();
  final TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
      .clock(clock).backgroundRefresh(false).build());
  final RegistrationPolicy policy = RegistrationPolicy.of(TopicPolicy.parse(POLICY, "test", RegistrationPolicy.NAMESPACE));
  final RegistrationVerifier verifier = new RegistrationVerifier(trust, policy, clock);

  static Signer signer(TestPki.Issued who) {
    return Signer.of(who.privateKey(), who.chain());
  }
}
