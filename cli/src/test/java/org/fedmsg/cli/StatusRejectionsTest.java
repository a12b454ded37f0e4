package org.fedmsg.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.status.Heartbeat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** {@code fedmsg status} shows a component's rejections per reason and peer disconnects, from its heartbeat. */
@Timeout(60)
class StatusRejectionsTest {
  @TempDir Path dir;

  @Test
  void call_busThatRejectedUnsignedInput_statusPrintsRejectionsByReason() throws Exception {
    try (ZContext context = new ZContext()) {
      ZMQ.Socket raw = context.createSocket(SocketType.PUB);
      raw.bind("tcp://127.0.0.1:*");
      try (Bus alpha = Bus.create(BusOptions.builder().name("alpha").endpoint("alpha", List.of("tcp://127.0.0.1:*"))
          .endpoint("raw", List.of(raw.getLastEndpoint())).build())) {
        alpha.subscribe("", m -> { });
        String topic = "org.fedoraproject.dev.x.y";
        while (alpha.stats().rejected(Reason.UNSIGNED) == 0) {
          raw.send(topic.getBytes(UTF_8), ZMQ.SNDMORE);
          raw.send(("{\"topic\":\"" + topic + "\",\"msg\":{}}").getBytes(UTF_8), 0);
          Thread.sleep(20);
        }
        // The raw publisher goes away: the bus counts the ended connection.
        context.destroySocket(raw);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (alpha.stats().peerDisconnects() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(alpha.stats().peerDisconnects()).isPositive();
        try (Heartbeat beat = Heartbeat.start(alpha, "alpha", Duration.ofMillis(200), () -> null)) {
          Path cfg = Files.writeString(dir.resolve("fedmsg.yaml"),
              "endpoints:\n  alpha: \"" + alpha.publisherEndpoint() + "\"\nvalidate_signatures: false\n");
          StringWriter out = new StringWriter();
          StringWriter err = new StringWriter();
          int code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
              .execute("status", "--config", cfg.toString(), "--timeout", "20");
          assertThat(code).as(err.toString()).isZero();
          assertThat(out.toString()).containsPattern("rejected by reason: UNSIGNED=[1-9]")
              .containsPattern("peer disconnects=[1-9]");
        }
      }
    }
  }
}
