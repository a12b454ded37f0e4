package zmq.io.mechanism.curve;

import org.fedmsg.testing.OutputLines;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.testing.ExternalTools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Bulk CURVE traffic between JeroMQ on the replacement {@link Curve} and libzmq (Debian's
 * python3-zmq, whose CURVE is libsodium's): {@code curve_bulk.py} sends messages of 0 B to
 * 300 KB, we check and echo each one, it checks the echo. Both roles: our socket as the CURVE
 * server and as the client, so every box this implementation seals or opens (handshake and
 * messages, both directions) meets libsodium's.
 */
@Timeout(120)
class CurveLibzmqInteropTest {
  /** As in curve_bulk.py. */
  private static final int[] SIZES = {0, 1, 31, 32, 33, 255, 256, 1000, 1024, 3000, 8192, 65536, 300000};
  private static final int COUNT = 650;

  @TempDir Path dir;
  private String python;
  private Path script;

  @BeforeEach
  void setUp() throws IOException {
    python = ExternalTools.python3WithZmqCurve().toString();
    script = dir.resolve("curve_bulk.py");
    try (InputStream in = CurveLibzmqInteropTest.class.getResourceAsStream("curve_bulk.py")) {
      Files.copy(in, script);
    }
  }

  @Test
  void libzmqClient_bulkBothWays_ourServerDecryptsAndEncryptsEveryMessage() throws Exception {
    ZMQ.Curve.KeyPair server = ZMQ.Curve.generateKeyPair();
    ZMQ.Curve.KeyPair client = ZMQ.Curve.generateKeyPair();
    try (ZContext ctx = new ZContext(1)) {
      ZMQ.Socket pair = ctx.createSocket(SocketType.PAIR);
      pair.setCurveServer(true);
      pair.setCurveSecretKey(ZMQ.Curve.z85Decode(server.secretKey));
      pair.bind("tcp://127.0.0.1:*");
      Process py = new ProcessBuilder(python, script.toString(), "connect", pair.getLastEndpoint(),
          server.publicKey, client.publicKey, client.secretKey, Integer.toString(COUNT))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        BlockingQueue<String> lines = OutputLines.of(py.getInputStream());
        long bytes = echo(pair);
        assertThat(lines.poll(60, TimeUnit.SECONDS)).isEqualTo("OK " + COUNT + " " + bytes);
        assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(py.exitValue()).isZero();
      } finally {
        py.destroyForcibly();
      }
    }
  }

  @Test
  void libzmqServer_bulkBothWays_ourClientDecryptsAndEncryptsEveryMessage() throws Exception {
    ZMQ.Curve.KeyPair server = ZMQ.Curve.generateKeyPair();
    ZMQ.Curve.KeyPair client = ZMQ.Curve.generateKeyPair();
    Process py = new ProcessBuilder(python, script.toString(), "bind", server.secretKey, Integer.toString(COUNT))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (ZContext ctx = new ZContext(1)) {
      BlockingQueue<String> lines = OutputLines.of(py.getInputStream());
      String first = lines.poll(30, TimeUnit.SECONDS);
      assertThat(first).startsWith("ENDPOINT tcp://127.0.0.1:");
      ZMQ.Socket pair = ctx.createSocket(SocketType.PAIR);
      pair.setCurveServerKey(ZMQ.Curve.z85Decode(server.publicKey));
      pair.setCurvePublicKey(ZMQ.Curve.z85Decode(client.publicKey));
      pair.setCurveSecretKey(ZMQ.Curve.z85Decode(client.secretKey));
      pair.connect(first.substring("ENDPOINT ".length()));
      long bytes = echo(pair);
      assertThat(lines.poll(60, TimeUnit.SECONDS)).isEqualTo("OK " + COUNT + " " + bytes);
      assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(py.exitValue()).isZero();
    } finally {
      py.destroyForcibly();
    }
  }

  /** Receives COUNT messages, checks each against the pattern, sends it back; returns body bytes. */
  private static long echo(ZMQ.Socket pair) {
    pair.setReceiveTimeOut(30_000);
    pair.setSendTimeOut(30_000);
    long bytes = 0;
    for (int i = 0; i < COUNT; i++) {
      byte[] index = pair.recv();
      assertThat(index).as("message %d arrived", i).isNotNull();
      assertThat(pair.hasReceiveMore()).isTrue();
      byte[] body = pair.recv();
      assertThat(new String(index, StandardCharsets.US_ASCII)).isEqualTo(Integer.toString(i));
      assertThat(body).as("body of message %d", i).hasSize(SIZES[i % SIZES.length]);
      for (int j = 0; j < body.length; j++) {
        if (body[j] != (byte) (i + j)) {
          throw new AssertionError("message " + i + " differs at byte " + j);
        }
      }
      assertThat(pair.send(index, ZMQ.SNDMORE)).isTrue();
      assertThat(pair.send(body, 0)).isTrue();
      bytes += body.length;
    }
    return bytes;
  }

}
