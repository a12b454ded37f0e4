package org.fedmsg;

import org.fedmsg.testing.OutputLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.Z85;
import org.fedmsg.testing.ExternalTools;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CURVE between this implementation and libzmq, through Debian's python3-zmq (installed by
 * {@code .ci/run}): a Python subscriber reads our publisher, and our subscriber reads and
 * verifies signed fedmsg/1 frames from a Python publisher.
 */
@Timeout(90)
class CurveInteropTest {
  private static final String APP01 = "shell-app01.phx2.fedoraproject.org";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private String python;
  private Path ssldir;
  private TrustStore trust;

  @BeforeEach
  void setUp() throws Exception {
    python = ExternalTools.python3WithZmqCurve().toString();
    for (String script : List.of("curve_sub.py", "curve_pub.py")) {
      try (InputStream in = CurveInteropTest.class.getResourceAsStream("curve/" + script)) {
        Files.copy(in, dir.resolve(script));
      }
    }
    ssldir = Fixtures.copyTestCerts(dir.resolve("pki"));
    trust = TrustStore.create(TrustOptions.builder().ca(ssldir.resolve("ca.crt")).crl(ssldir.resolve("crl.pem")).build());
  }

  @AfterEach
  void tearDown() {
    if (trust != null) {
      trust.close();
    }
  }

  @Test
  void pythonSubscriber_curve_receivesSignedMessageFromOurPublisher() throws Exception {
    CurveKeyPair server = CurveKeyPair.generate("java-pub");
    CurveKeyPair client = CurveKeyPair.generate("python-sub");
    try (Bus pub = Bus.create(BusOptions.builder().name("pub").endpoint("pub", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).signer(Signer.load(ssldir, APP01))
        .curve(CurveOptions.builder().keyPair(server).build()).build())) {
      String prefix = "org.fedoraproject.dev.interop";
      Process py = new ProcessBuilder(python, dir.resolve("curve_sub.py").toString(), pub.publisherEndpoint(),
          server.publicKeyZ85(), client.publicKeyZ85(), Z85.encodeKey(client.secretKey()), prefix)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        BlockingQueue<String> lines = OutputLines.of(py.getInputStream());
        assertThat(lines.poll(30, TimeUnit.SECONDS)).isEqualTo("READY");
        String got = null;
        // A plain PUB drops messages until the subscriber's subscription has arrived: repeat.
        for (int i = 0; i < 200 && got == null; i++) {
          pub.publish("interop", "to.python", Map.of("text", "hello libzmq"));
          got = lines.poll(100, TimeUnit.MILLISECONDS);
        }
        assertThat(got).isNotNull().startsWith(prefix + ".to.python\t");
        JsonNode body = JSON.readTree(got.substring(got.indexOf('\t') + 1));
        assertThat(body.path("msg").path("text").textValue()).isEqualTo("hello libzmq");
        ObjectNode signed = (ObjectNode) body;
        assertThat(Fedmsg1.verify(signed, trust, null, java.time.Instant.now())).isInstanceOf(
            org.fedmsg.crypto.VerificationResult.Valid.class);
        assertThat(py.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(py.exitValue()).isZero();
      } finally {
        py.destroyForcibly();
      }
    }
  }

  @Test
  void pythonPublisher_curve_ourSubscriberReceivesAndVerifiesSigner() throws Exception {
    CurveKeyPair server = CurveKeyPair.generate("python-pub");
    // the receiver starts before the message is signed: a verifier refuses messages signed
    // before its start (it cannot know whether an earlier process accepted them)
    MessageVerifier verifier = MessageVerifier.builder().trust(trust).build();
    String topic = "org.fedoraproject.dev.interop.from.python";
    ObjectNode unsigned = JSON.createObjectNode();
    unsigned.put("topic", topic);
    unsigned.set("msg", JSON.createObjectNode().put("text", "hello java"));
    unsigned.put("timestamp", System.currentTimeMillis() / 1000);
    unsigned.put("msg_id", "2026-" + UUID.randomUUID());
    unsigned.put("i", 1);
    unsigned.put("username", "interop");
    byte[] body = Fedmsg1.signToWire(unsigned, Signer.load(ssldir, APP01));
    Path frames = dir.resolve("frames");
    Files.write(frames, (topic + "\n" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));

    Process py = new ProcessBuilder(python, dir.resolve("curve_pub.py").toString(), server.publicKeyZ85(),
        Z85.encodeKey(server.secretKey()), frames.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      String line = OutputLines.of(py.getInputStream()).poll(30, TimeUnit.SECONDS);
      assertThat(line).startsWith("ENDPOINT tcp://127.0.0.1:");
      String endpoint = line.substring("ENDPOINT ".length());
      try (Bus sub = Bus.create(BusOptions.builder().endpoint("python", List.of(endpoint))
          .verifier(verifier)
          .curve(CurveOptions.builder().serverKey(endpoint, server.publicKeyZ85()).build()).build())) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        sub.subscribe("org.fedoraproject.dev.interop", got::add);
        Message m = got.poll(30, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).isEqualTo(topic);
        assertThat(m.signer()).hasValue(APP01);
        assertThat(m.msg().get("text").textValue()).isEqualTo("hello java");
        assertThat(sub.stats().curveHandshakeFailures()).isZero();
      }
    } finally {
      py.getOutputStream().close();
      py.waitFor(5, TimeUnit.SECONDS);
      py.destroyForcibly();
    }
  }

}
