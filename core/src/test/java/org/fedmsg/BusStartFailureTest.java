package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bus whose construction fails after it has bound its publisher and started its ZAP handler (here: the
 * directory registrar refuses the service name) leaves nothing behind: the port can be bound again and no
 * ZAP thread runs.
 */
@Timeout(60)
class BusStartFailureTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Binds fine, but is not a valid directory service name (a blank). */
  private static final String NAME = "bodhi web";

  @Test
  void registrarRefusesSettings_constructorThrows_portAndZapThreadReleased() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("start failure ca").build();
    TestPki.Issued leaf = ca.issue("bodhi-app01.example.test").build();
    Signer signer = Signer.of(leaf.privateKey(), leaf.chain());
    FedmsgConfig config = FedmsgConfig.of(YAML.readTree(
        "discovery:\n  - type: directory\n    servers: [\"tcp://127.0.0.1:9\"]\n"));
    int port = freePort();
    String url = "tcp://127.0.0.1:" + port;

    assertThatThrownBy(() -> Bus.create(BusOptions.builder().apply(config).name(NAME).endpoint(NAME, List.of(url))
        .signer(signer).validateSignatures(false)
        .curve(CurveOptions.builder().keyPair(CurveKeyPair.generate("server")).build()).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("service name");

    assertThat(zapThreads()).isEmpty();
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(again.isBound()).isTrue();
    }
  }

  private static List<String> zapThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("fedmsg-zap-") && n.contains(NAME)).toList();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
