package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** relay --heartbeat, hub with the example consumer, logger, status, then SIGTERM to the hub: as separate processes. */
@Timeout(180)
class HubProcessIT {
  @Test
  void relayHubLoggerStatus_sigtermDrainsAndReports(@TempDir Path dir) throws Exception {
    Path relayCfg = dir.resolve("relay.yaml");
    Files.writeString(relayCfg, "relay_inbound: \"tcp://127.0.0.1:*\"\nendpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\n"
        + "validate_signatures: false\nheartbeat_interval: 300ms\n");
    Process relay = fedmsg("relay", "--heartbeat", "--config", relayCfg.toString()).redirectErrorStream(true).start();
    Process hub = null;
    try {
      BufferedReader relayOut = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
      Matcher m = Pattern.compile("inbound (\\S+) outbound (\\S+)")
          .matcher(readLineMatching(relayOut, Pattern.compile("^relay: inbound")));
      assertThat(m.find()).isTrue();
      String inbound = m.group(1);
      String outbound = m.group(2);

      Path hubCfg = dir.resolve("hub.yaml");
      Files.writeString(hubCfg, "name: hub\nendpoints:\n  hub: \"tcp://127.0.0.1:*\"\n  relay_outbound: [\"" + outbound
          + "\"]\nvalidate_signatures: false\nheartbeat_interval: 300ms\nfedmsg.consumers.log.enabled: true\n");
      hub = fedmsg("hub", "--config", hubCfg.toString()).start();
      BufferedReader hubOut = new BufferedReader(new InputStreamReader(hub.getInputStream(), StandardCharsets.UTF_8));
      Matcher h = Pattern.compile("as hub from (\\S+)")
          .matcher(readLineMatching(hubOut, Pattern.compile("^hub: running \\[LogConsumer\\]")));
      assertThat(h.find()).isTrue();
      String hubEndpoint = h.group(1);

      Path loggerCfg = dir.resolve("logger.yaml");
      Files.writeString(loggerCfg, "relay_inbound: \"" + inbound + "\"\nendpoints: {}\nvalidate_signatures: false\n");
      Process logger = fedmsg("logger", "--config", loggerCfg.toString(), "--message", "hello hub").start();
      assertThat(logger.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(logger.exitValue()).as(new String(logger.getErrorStream().readAllBytes())).isZero();
      assertThat(readLineMatching(hubOut, Pattern.compile("logger\\.log")))
          .contains("org.fedoraproject.dev.logger.log [-] {\"log\":\"hello hub\"}");

      Path statusCfg = dir.resolve("status.yaml");
      Files.writeString(statusCfg, "endpoints:\n  hub: \"" + hubEndpoint + "\"\n  relay_outbound: \"" + outbound
          + "\"\n  relay_inbound: \"" + inbound + "\"\nvalidate_signatures: false\nheartbeat_interval: 300ms\n");
      Process status = fedmsg("status", "--config", statusCfg.toString(), "--timeout", "60").start();
      assertThat(status.waitFor(90, TimeUnit.SECONDS)).isTrue();
      String report = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(status.exitValue()).as(report + new String(status.getErrorStream().readAllBytes())).isZero();
      assertThat(report).containsPattern("alive +hub ").containsPattern("alive +relay_outbound ")
          .contains("consumer LogConsumer", "2 alive, 0 silent");

      // SIGTERM through the handle: Process.destroy() would also close our end of its output
      assertThat(hub.toHandle().destroy()).isTrue();
      assertThat(hub.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String rest = String.join("\n", hubOut.lines().toList());
      assertThat(rest).containsPattern("consumer LogConsumer: received=\\d+ consumed=\\d+ failed=0 dropped=0");
    } finally {
      if (hub != null) {
        hub.destroyForcibly();
      }
      relay.destroy();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
