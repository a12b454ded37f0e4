package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Z85;
import org.fedmsg.testing.ExternalTools;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native replay protocol from libzmq: a pyzmq DEALER, CURVE client, asks our publisher's
 * replay endpoint and gets the published frames verbatim (Debian's python3-zmq, see {@code .ci/run}).
 */
@Timeout(90)
class ReplayInteropTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @org.junit.jupiter.api.BeforeAll
  static void pki() throws Exception {
    ReplayEndpointBusTest.pki();
  }

  @org.junit.jupiter.api.AfterAll
  static void close() {
    ReplayEndpointBusTest.close();
  }

  @Test
  void pyzmqClient_curve_getsThePublishedFrames() throws Exception {
    String python = ExternalTools.python3WithZmqCurve().toString();
    try (InputStream in = ReplayInteropTest.class.getResourceAsStream("replay/replay_client.py")) {
      Files.copy(in, dir.resolve("replay_client.py"));
    }
    CurveKeyPair server = CurveKeyPair.generate("pkgdb");
    CurveKeyPair client = CurveKeyPair.generate("python");
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.put("name", "pkgdb").put("wire_format", "fedmsg2").put("validate_signatures", false)
        .put("state_dir", dir.resolve("state").toString());
    tree.putObject("endpoints").putArray("pkgdb").add("tcp://127.0.0.1:*");
    tree.putObject("replay_endpoints").put("pkgdb", "tcp://127.0.0.1:*");
    tree.putArray("critical_topics").add("pkgdb.package.*");
    try (Bus pub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(ReplayEndpointBusTest.signer)
        .curve(CurveOptions.builder().keyPair(server).build()).build());
        MessageVerifier verifier = MessageVerifier.builder().trust(ReplayEndpointBusTest.trust)
            .asOf(java.time.Instant.now()).build()) {
      List<Message> sent = new ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        sent.add(pub.publish("pkgdb", "package.owner.update", Map.of("n", n)));
      }
      Process py = new ProcessBuilder(python, dir.resolve("replay_client.py").toString(),
          pub.replayEndpoint().orElseThrow(), server.publicKeyZ85(), client.publicKeyZ85(),
          Z85.encodeKey(client.secretKey()), ReplayEndpointBusTest.signerSha,
          sent.get(0).body().get("epoch").textValue(), "1", "4")
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        String out = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(py.exitValue()).as(out).isZero();
        JsonNode reply = JSON.readTree(out);
        assertThat(reply.get("header").get("status").asText()).isEqualTo("ok");
        assertThat(reply.get("header").get("count").asInt()).isEqualTo(3);
        assertThat(reply.get("header").get("missing").toString()).isEqualTo("[[4,4]]");
        JsonNode frames = reply.get("frames");
        assertThat(frames).hasSize(9);
        for (int i = 0; i < 3; i++) {
          byte[][] served = new byte[3][];
          for (int f = 0; f < 3; f++) {
            served[f] = Base64.getDecoder().decode(frames.get(3 * i + f).asText());
            assertThat(served[f]).isEqualTo(sent.get(i).frames().get(f));
          }
          assertThat(verifier.check(Arrays.asList(served)).result().isValid()).isTrue();
        }
      } finally {
        py.destroyForcibly();
      }
    }
  }
}
