package org.fedmsg.wire;

import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;

/**
 * The certificates the verifier tests share: an EC P-256 root, three services signing with RSA,
 * Ed25519 and another Ed25519 key, and a trust store over the root (no background refresh).
 */
final class VerifierPki implements AutoCloseable {
  final TestPki.Issued ca = TestPki.rootCa("root").keyType(KeyType.EC_P256).build();
  final Signer rsa = signer("svc-rsa", KeyType.RSA_2048);
  final Signer ed = signer("svc-ed", KeyType.ED25519);
  final Signer other = signer("svc-other", KeyType.ED25519);
  final TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
      .backgroundRefresh(false).build());

  private Signer signer(String name, KeyType type) {
    TestPki.Issued issued = ca.issue(name).keyType(type).build();
    return Signer.of(issued.privateKey(), issued.chain());
  }

  @Override
  public void close() {
    trust.close();
  }
}
