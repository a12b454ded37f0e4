package org.fedmsg.web;

import java.util.List;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.MessageVerifier;

/**
 * A test CA, a publisher signing as {@value #SIGNER} (fedmsg/2) and the bus options of a gateway
 * that verifies it: real certificates, real sockets on loopback.
 */
final class SignedBus implements AutoCloseable {
  static final String SIGNER = "pkgdb-app01.example.org";
  final TrustStore trust;
  final Bus publisher;

  SignedBus() {
    TestPki.Issued ca = TestPki.rootCa("fedmsg web test ca").build();
    TestPki.Issued pkgdb = ca.issue(SIGNER).build();
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
        .backgroundRefresh(false).build());
    publisher = Bus.create(BusOptions.builder().name("pkgdb").endpoint("pkgdb", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(WireFormat.FEDMSG2)
        .signer(Signer.of(pkgdb.privateKey(), pkgdb.chain())).build());
  }

  /** Options of a bus that subscribes to the publisher and verifies every message. */
  BusOptions.Builder gatewayBus() {
    return BusOptions.builder().endpoint("pkgdb", List.of(publisher.publisherEndpoint()))
        .verifier(MessageVerifier.builder().trust(trust).build());
  }

  @Override
  public void close() {
    publisher.close();
    trust.close();
  }
}
