package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fedmsg.testing.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shipped systemd units (conf/systemd) carry the promised settings and pass systemd-analyze verify. */
@Timeout(120)
class SystemdUnitsTest {
  static final Path UNITS = Path.of("..", "conf", "systemd").toAbsolutePath().normalize();
  static final String LAUNCHER = "/opt/fedmsg/bin/fedmsg";

  static List<Path> units() throws IOException {
    try (Stream<Path> s = Files.list(UNITS)) {
      return s.filter(p -> p.toString().endsWith(".service")).sorted().toList();
    }
  }

  @Test
  void relayHubAndDirectoryUnitsExist() throws IOException {
    assertThat(units()).extracting(p -> p.getFileName().toString())
        .contains("fedmsg-relay.service", "fedmsg-hub.service", "fedmsg-directory.service", "fedmsg-store.service",
            "fedmsg-gateway.service", "fedmsg-bridge.service", "fedmsg-bridge-from-amqp.service");
  }

  @Test
  void everyUnitRunsTheInstalledLauncherAsADedicatedUserWithHardening() throws IOException {
    for (Path unit : units()) {
      List<String> lines = Files.readAllLines(unit);
      assertThat(lines).as(unit.toString())
          .anyMatch(l -> l.startsWith("ExecStart=" + LAUNCHER + " "))
          .contains("User=fedmsg", "Group=fedmsg", "StateDirectory=fedmsg", "Restart=on-failure",
              "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes",
              "CapabilityBoundingSet=");
    }
  }

  /**
   * {@code systemd-analyze verify} checks that the launcher exists and is executable, so each
   * unit is verified as a copy whose launcher path points at a stub; an unknown key or a bad value
   * only prints a warning, so any output about the unit fails the test.
   */
  @Test
  void systemdAnalyzeVerifyAcceptsEveryUnit(@TempDir Path dir) throws Exception {
    Path analyze = ExternalTools.systemdAnalyze();   // skipped without it, unless FEDMSG_REQUIRE_TOOLS
    Path stub = dir.resolve("fedmsg");
    Files.writeString(stub, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Path unit : units()) {
      Path copy = dir.resolve(unit.getFileName());
      Files.writeString(copy, Files.readString(unit).replace(LAUNCHER, stub.toString()));
      Process p = new ProcessBuilder(analyze.toString(), "verify", copy.toString()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(output).isZero();
      assertThat(output.lines().filter(l -> l.contains(copy.getFileName().toString())).toList())
          .as(unit + ": " + output).isEmpty();
    }
  }
}
