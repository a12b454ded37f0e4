package org.fedmsg.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine;

/**
 * Terminal injection (issue 10 item 11): a topic and body with newlines and escape sequences,
 * from a plain PUB socket, print as one visible line in {@code fedmsg tail}'s human formats.
 */
@Timeout(60)
class TailHumanFormatTest {
  private static final String TOPIC = "org.fedoraproject.dev.x\n12:00:00 org.fedoraproject.prod.fake [ok] \u001b[2J";
  @TempDir Path dir;

  private String tail(String format) throws Exception {
    try (ZContext context = new ZContext()) {
      ZMQ.Socket raw = context.createSocket(SocketType.PUB);
      raw.bind("tcp://127.0.0.1:*");
      Path config = Files.writeString(dir.resolve("tail-" + format.substring(2) + ".yaml"),
          "validate_signatures: false\nendpoints:\n  raw: [\"" + raw.getLastEndpoint() + "\"]\n");
      StringWriter out = new StringWriter();
      CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> new CommandLine(new TailCommand())
          .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(new StringWriter(), true))
          .execute("--config", config.toString(), format, "--count", "1", "--timeout", "30"));
      String body = "{\"topic\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(TOPIC)
          + ",\"msg\":{\"text\":\"a\\u0085b\\u202ec\\nd\"}}";
      while (!run.isDone()) {
        raw.send(TOPIC.getBytes(UTF_8), ZMQ.SNDMORE);
        raw.send(body.getBytes(UTF_8), 0);
        Thread.sleep(20);
      }
      assertThat(run.get(30, TimeUnit.SECONDS)).isZero();
      return out.toString();
    }
  }

  @Test
  void terse_controlCharactersEscaped_oneLine() throws Exception {
    String out = tail("--terse");
    // --count is honoured after the current batch: each message is exactly one line
    assertThat(out.lines()).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("--:--:-- ").endsWith("\"}"));
    assertThat(out).contains("x\\n12:00:00").contains("\\x1b[2J").contains("\\u0085").contains("\\u202e")
        .doesNotContain("\u001b").doesNotContain("\u0085").doesNotContain("\u202e");
  }

  @Test
  void pretty_headerEscaped_bodyStillJson() throws Exception {
    String out = tail("--pretty");
    assertThat(out.lines().findFirst().orElseThrow()).contains("x\\n12:00:00").contains("\\x1b[2J");
    assertThat(out).doesNotContain("\u001b").doesNotContain("\u0085").doesNotContain("\u202e");
    String body = out.substring(out.indexOf('\n') + 1);
    com.fasterxml.jackson.databind.JsonNode first = new com.fasterxml.jackson.databind.ObjectMapper()
        .createParser(body).readValueAsTree();
    assertThat(first.path("msg").path("text").asText())
        .isEqualTo("a\u0085b\u202ec\nd");
  }
}
