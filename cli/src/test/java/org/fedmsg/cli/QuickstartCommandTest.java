package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fedmsg quickstart} in process: the whole local bus, with CURVE on every hop. */
@Timeout(120)
class QuickstartCommandTest {

  @Test
  void quickstart_curveOn_messagesArriveAndConfigTurnsCurveOn(@TempDir Path dir) {
    StringWriter out = new StringWriter();
    int code = new CommandLine(new QuickstartCommand()).setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(out, true)).execute("--state-dir", dir.toString(), "--count", "2");
    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("(CURVE, server key ").contains("2 sent, 2 delivered, 3 rejected");

    FedmsgConfig config = ConfigLoader.builder().sources(List.of(dir.resolve("fedmsg.d/quickstart.yaml"))).build()
        .load();
    assertThat(config.curve().enabled()).isTrue();
    assertThat(config.curve().secretKeyFile()).isPresent();
    // Subscribers find relay_outbound (and its CURVE key) in the directory, which is itself
    // reached over CURVE; active publishers get relay_inbound and its key from endpoints.
    assertThat(config.endpoints()).doesNotContainKey("relay_outbound");
    assertThat(config.endpoints().get("relay_inbound").get(0).curveServerKey()).isPresent();
    assertThat(config.discovery()).singleElement().satisfies(source -> {
      assertThat(source.type()).isEqualTo("directory");
      assertThat(source.settings().path("servers").get(0).path("curve_server_key").asText()).hasSize(40);
    });
  }
}
