package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.Signer;
import org.fedmsg.testing.TestPki;
import org.fedmsg.wire.Fedmsg1;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fedmsg sign} and {@code fedmsg verify} read their input as a stream: inputs several times
 * larger than the heap (generated on the fly through a pipe, never written to disk) go through a
 * process started with a small {@code -Xmx}. Run the 200 MB variant with {@code -Pstress} (it runs only the tests tagged soak).
 */
@Timeout(300)
class StreamingProcessIT {
  private static final int BODY_CHARS = 64 * 1024;

  /** A `fedmsg` process from the packaged jar with extra JVM options. */
  static ProcessBuilder fedmsgWithJvm(List<String> jvm, String... args) {
    ProcessBuilder pb = CommandsProcessIT.fedmsg(args);
    List<String> command = new ArrayList<>(pb.command());
    command.addAll(1, jvm);
    return pb.command(command);
  }

  static ObjectNode bigMessage(int i) {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("topic", "org.fedoraproject.dev.stream.test");
    m.put("i", i);
    m.put("timestamp", 1700000000 + i);
    m.put("msg_id", "2026-" + i);
    m.putObject("msg").put("padding", "x".repeat(BODY_CHARS));
    return m;
  }

  /** Writes {@code line} {@code times} times to the process's stdin from another thread, then closes it. */
  static CompletableFuture<Void> feed(Process p, byte[] line, long times) {
    return CompletableFuture.runAsync(() -> {
      try (OutputStream in = p.getOutputStream()) {
        for (long i = 0; i < times; i++) {
          in.write(line);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** Counts stdout lines that contain {@code marker}, and all lines. */
  static long[] count(Process p, String marker) throws IOException {
    long all = 0;
    long marked = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = out.readLine()) != null; ) {
        all++;
        if (l.contains(marker)) {
          marked++;
        }
      }
    }
    return new long[] {all, marked};
  }

  @Test
  void verify_96MegabytesOfSignedLinesThroughAPipe_with32MegabyteHeap_allValid(@TempDir Path dir) throws Exception {
    verifyThroughPipe(dir, 96, "-Xmx32m");
  }

  /** The size of the original report (out of the default run: about 20 s on a quiet machine). */
  @Test
  @Tag("soak")
  void verify_200MegabytesOfSignedLinesThroughAPipe_with64MegabyteHeap_allValid(@TempDir Path dir) throws Exception {
    verifyThroughPipe(dir, 200, "-Xmx64m");
  }

  private static void verifyThroughPipe(Path dir, long megabytes, String heap) throws Exception {
    TestPki.Issued ca = TestPki.rootCa("stream root").build();
    TestPki.Issued leaf = ca.issue("stream-svc").keyType(TestPki.KeyType.RSA_2048).build();
    Path caFile = TestPki.writePem(dir.resolve("ca.pem"), ca.certificate());
    Signer signer = Signer.load(leaf.writeTo(dir.resolve("ssl")), "stream-svc");
    byte[] line = (new String(Fedmsg1.signToWire(bigMessage(1), signer), StandardCharsets.US_ASCII) + "\n")
        .getBytes(StandardCharsets.US_ASCII);
    long times = megabytes * 1024 * 1024 / line.length + 1;

    Process verify = fedmsgWithJvm(List.of(heap), "verify", "--ca", caFile.toString(), "-")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CompletableFuture<Void> writer = feed(verify, line, times);
    long[] counted = count(verify, "\"valid\":true");
    assertThat(verify.waitFor(120, TimeUnit.SECONDS)).isTrue();
    writer.get(10, TimeUnit.SECONDS);
    assertThat(verify.exitValue()).isZero();
    assertThat(counted[0]).isEqualTo(times);
    assertThat(counted[1]).isEqualTo(times);
  }

  @Test
  void sign_64MegabytesOfMessagesThroughAPipe_with32MegabyteHeap_signsEveryOne(@TempDir Path dir) throws Exception {
    TestPki.Issued leaf = TestPki.rootCa("stream root").build().issue("stream-svc")
        .keyType(TestPki.KeyType.RSA_2048).build();
    Path ssl = leaf.writeTo(dir.resolve("ssl"));
    byte[] line = (bigMessage(2).toString() + "\n").getBytes(StandardCharsets.UTF_8);
    long times = 64L * 1024 * 1024 / line.length + 1;

    Process sign = fedmsgWithJvm(List.of("-Xmx32m"), "sign", "--ssldir", ssl.toString(), "--certname", "stream-svc")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CompletableFuture<Void> writer = feed(sign, line, times);
    long[] counted = count(sign, "\"signature\":");
    assertThat(sign.waitFor(120, TimeUnit.SECONDS)).isTrue();
    writer.get(10, TimeUnit.SECONDS);
    assertThat(sign.exitValue()).isZero();
    assertThat(counted[0]).isEqualTo(times);
    assertThat(counted[1]).isEqualTo(times);
  }
}
