package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.net.URI;
import java.nio.file.Path;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connections to a real RabbitMQ: plain on loopback, TLS with client-certificate (EXTERNAL) login. */
@Timeout(120)
class AmqpConnectorTest extends BrokerTestBase {

  @BeforeAll
  static void broker() throws Exception {
    startBroker("connector");
  }

  @Test
  void plain_withPassword_connects() throws Exception {
    try (Connection c = new AmqpConnector(rabbit.plain()).open("test"); Channel ch = c.createChannel()) {
      assertThat(ch.queueDeclare().getQueue()).isNotEmpty();
    }
  }

  @Test
  void tls_withClientCertificate_logsInAsItsCommonName() throws Exception {
    try (Connection c = new AmqpConnector(rabbit.tls()).open("test")) {
      assertThat(c.getServerProperties()).containsKey("product");
      assertThat(c.isOpen()).isTrue();
    }
  }

  @Test
  void tls_certificateOfAnotherCa_refused() throws Exception {
    TestPki.Issued other = TestPki.rootCa("other CA").build().issue(BrokerFixture.BRIDGE_CN).build();
    Path dir = other.writeTo(rabbit.dir.resolve("other"));
    AmqpSettings s = rabbit.tls().withTls(rabbit.caFile, dir.resolve(BrokerFixture.BRIDGE_CN + ".crt"),
        dir.resolve(BrokerFixture.BRIDGE_CN + ".key"));
    assertThatThrownBy(() -> new AmqpConnector(s).open("test").close()).isInstanceOf(Exception.class);
  }

  @Test
  void tls_brokerCertificateNotFromOurCa_refused() throws Exception {
    Path otherCa = TestPki.writePem(rabbit.dir.resolve("other-ca/ca.crt"),
        TestPki.rootCa("unrelated CA").build().certificate());
    AmqpSettings s = rabbit.tls().withTls(otherCa, rabbit.bridgeCert, rabbit.bridgeKey);
    assertThatThrownBy(() -> new AmqpConnector(s).open("test").close()).isInstanceOf(Exception.class);
  }

  @Test
  void tls_unknownUser_refused() throws Exception {
    TestPki.Issued stranger = rabbit.ca.issue("stranger.example.org").build();
    Path dir = stranger.writeTo(rabbit.dir.resolve("stranger"));
    AmqpSettings s = rabbit.tls().withTls(rabbit.caFile, dir.resolve("stranger.example.org.crt"),
        dir.resolve("stranger.example.org.key"));
    assertThatThrownBy(() -> new AmqpConnector(s).open("test").close()).isInstanceOf(Exception.class);
  }

  @Test
  void settings_certWithoutTls_isAConfigError() {
    assertThatThrownBy(() -> AmqpSettings.of(URI.create("amqp://127.0.0.1:5672/%2F"))
        .withTls(rabbit.caFile, rabbit.bridgeCert, rabbit.bridgeKey))
        .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("amqps");
  }
}
