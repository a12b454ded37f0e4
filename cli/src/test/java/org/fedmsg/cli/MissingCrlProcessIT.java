package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.fedmsg.certs.ThrowawayPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receiving command whose crl_location does not exist stops at start with one line naming the
 * file and exit status 2 (before, it started and then rejected every signed message), unless
 * crl_failure_mode is fail_open.
 */
@Timeout(120)
class MissingCrlProcessIT {

  private static Path config(Path dir, ThrowawayPki pki, Path crl, String mode) throws Exception {
    return Files.writeString(dir.resolve("fedmsg-" + mode + ".yaml"), "relay_inbound: \"tcp://127.0.0.1:*\"\n"
        + "endpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\n"
        + "validate_signatures: true\n"
        + "ca_cert_location: \"" + pki.caCertificate() + "\"\n"
        + "crl_location: \"" + crl + "\"\n"
        + "crl_failure_mode: " + mode + "\n");
  }

  @Test
  void failClosed_relayRefusesToStart_oneLineNamingTheFile_exit2(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), "localhost", List.of("shell"));
    Path missing = dir.resolve("no-such-crl.pem");
    Process relay = CommandsProcessIT.fedmsg("relay", "--config", config(dir, pki, missing, "fail_closed").toString())
        .start();
    relay.getOutputStream().close();
    String err = new String(relay.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(relay.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(relay.exitValue()).as(err).isEqualTo(2);
    assertThat(err.lines().filter(l -> !l.isBlank()).toList()).as(err).singleElement().asString()
        .contains(missing.toString()).contains("does not exist");
  }

  @Test
  void failOpen_relayStarts(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), "localhost", List.of("shell"));
    Path missing = dir.resolve("no-such-crl.pem");
    Process relay = CommandsProcessIT.fedmsg("relay", "--config", config(dir, pki, missing, "fail_open").toString())
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
      CommandsProcessIT.readLineMatching(out, Pattern.compile("^relay: inbound"));
    } finally {
      relay.destroy();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void crlPresent_relayStarts(@TempDir Path dir) throws Exception {
    ThrowawayPki pki = ThrowawayPki.create(dir.resolve("pki"), "localhost", List.of("shell"));
    Process relay = CommandsProcessIT.fedmsg("relay", "--config", config(dir, pki, pki.crl(), "fail_closed").toString())
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
      CommandsProcessIT.readLineMatching(out, Pattern.compile("^relay: inbound"));
    } finally {
      relay.destroy();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
