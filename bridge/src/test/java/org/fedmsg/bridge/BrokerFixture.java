package org.fedmsg.bridge;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.testing.RabbitMq;
import org.fedmsg.testing.TestPki;

/**
 * One real RabbitMQ per test class (start-up takes seconds), with a test CA: the broker's TLS
 * certificate for 127.0.0.1, and client certificates for EXTERNAL login.
 */
final class BrokerFixture implements AutoCloseable {
  static final String BRIDGE_CN = "fedmsg-bridge.example.org";

  final Path dir;
  final TestPki.Issued ca;
  final Path caFile;
  final Path bridgeCert;
  final Path bridgeKey;
  final RabbitMq broker;

  private BrokerFixture(Path dir, TestPki.Issued ca, Path caFile, Path bridgeCert, Path bridgeKey, RabbitMq broker) {
    this.dir = dir;
    this.ca = ca;
    this.caFile = caFile;
    this.bridgeCert = bridgeCert;
    this.bridgeKey = bridgeKey;
    this.broker = broker;
  }

  static BrokerFixture start(String name) throws Exception {
    RabbitMq.server();
    Path dir = Files.createDirectories(Path.of("target", "rabbitmq", name + "-" + ProcessHandle.current().pid()))
        .toAbsolutePath();
    TestPki.Issued ca = TestPki.rootCa("fedmsg test CA").build();
    Path caFile = TestPki.writePem(dir.resolve("pki/ca.crt"), ca.certificate());
    TestPki.Issued server = ca.issue("localhost").hostNames("127.0.0.1", "localhost").build();
    Path pki = server.writeTo(dir.resolve("pki"));
    TestPki.Issued bridge = ca.issue(BRIDGE_CN).build();
    bridge.writeTo(pki);
    RabbitMq broker = RabbitMq.start(dir.resolve("broker"), caFile, pki.resolve("localhost.crt"),
        pki.resolve("localhost.key"), List.of(BRIDGE_CN));
    return new BrokerFixture(dir, ca, caFile, pki.resolve(BRIDGE_CN + ".crt"), pki.resolve(BRIDGE_CN + ".key"),
        broker);
  }

  /** Plain AMQP on loopback with a password. */
  AmqpSettings plain() {
    return AmqpSettings.of(URI.create(broker.amqpUri()));
  }

  /** TLS with the bridge's client certificate (EXTERNAL). */
  AmqpSettings tls() {
    return AmqpSettings.of(URI.create("amqps://127.0.0.1:" + broker.amqpsPort() + "/%2F"))
        .withTls(caFile, bridgeCert, bridgeKey);
  }

  @Override
  public void close() throws Exception {
    broker.close();
  }
}
