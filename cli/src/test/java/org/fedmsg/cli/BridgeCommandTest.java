package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedmsg bridge}'s configuration errors: one line, exit 2, before anything connects. */
@Timeout(60)
class BridgeCommandTest {
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  private int run(String yaml, String... args) throws Exception {
    Path config = dir.resolve("fedmsg.yaml");
    Files.writeString(config, yaml);
    String[] all = new String[args.length + 3];
    all[0] = "bridge";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--config";
    all[args.length + 2] = config.toString();
    return Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
  }

  @Test
  void noAmqpSection_exit2() throws Exception {
    assertThat(run("validate_signatures: false\n", "--to-amqp")).isEqualTo(2);
    assertThat(err.toString()).contains("amqp.url is not set").hasLineCount(1);
  }

  @Test
  void noDirection_usageError() throws Exception {
    assertThat(run("amqp: {url: \"amqp://127.0.0.1:1/%2F\"}\n")).isEqualTo(2);
    assertThat(err.toString()).contains("--to-amqp");
  }

  @Test
  void bothDirections_usageError() throws Exception {
    assertThat(run("amqp: {url: \"amqp://127.0.0.1:1/%2F\"}\n", "--to-amqp", "--from-amqp")).isEqualTo(2);
  }

  @Test
  void toAmqpWithoutValidation_exit2() throws Exception {
    assertThat(run("validate_signatures: false\namqp: {url: \"amqp://127.0.0.1:1/%2F\"}\n", "--to-amqp"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("validate_signatures is off");
  }

  @Test
  void fromAmqpWithoutSigning_exit2() throws Exception {
    assertThat(run("amqp: {url: \"amqp://127.0.0.1:1/%2F\"}\n", "--from-amqp")).isEqualTo(2);
    assertThat(err.toString()).contains("sign_messages is off");
  }

  @Test
  void clientCertificateOverPlainAmqp_exit2() throws Exception {
    assertThat(run("amqp: {url: \"amqp://127.0.0.1:1/%2F\", cert: a.crt, key: a.key}\n", "--to-amqp"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("amqps");
  }

  @Test
  void notAnAmqpUrl_exit2() throws Exception {
    assertThat(run("amqp: {url: \"http://127.0.0.1/\"}\n", "--to-amqp")).isEqualTo(2);
    assertThat(err.toString()).contains("amqp.url must be amqp:// or amqps://");
  }

  @Test
  void wrongTypeInSection_exit2NamingTheKey() throws Exception {
    assertThat(run("amqp: {url: \"amqp://127.0.0.1:1/%2F\", buffer_size: -3}\n", "--to-amqp")).isEqualTo(2);
    assertThat(err.toString()).contains("buffer_size");
  }
}
