package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.crypto.Signer;
import org.fedmsg.discovery.directory.DirectoryClient;
import org.fedmsg.discovery.directory.Registration;
import org.fedmsg.discovery.directory.SignedRegistration;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fedmsg directory serve --trust-config}: the directory applies the same trust mapping as the bus. */
@Timeout(60)
class DirectoryTrustConfigTest {
  @TempDir Path dir;

  private Path config(Path caFile, String extra) throws Exception {
    Path d = Files.createDirectories(dir.resolve("fedmsg.d"));
    Files.writeString(d.resolve("trust.yaml"), "ca_cert_location: \"" + caFile + "\"\ncrl_location: null\n" + extra);
    return d;
  }

  @Test
  void trustConfig_allowedDigestsSha512_sha256CertificateRegistrationRefused_sha512Accepted() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("cli test CA").build();
    TestPki.Issued sha256 = ca.issue("bodhi-app01.example.test").build();
    TestPki.Issued sha512 = ca.issue("bodhi-app02.example.test").signatureAlgorithm("SHA512withECDSA")
        .keyType(TestPki.KeyType.ED25519).build();
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Path policy = Files.writeString(dir.resolve("policy.yaml"),
        "default: deny\nrules:\n  - topics: [\"bodhi.*\"]\n    signers: [\"bodhi-app0?.example.test\"]\n    effect: allow\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Path trust = config(caFile, "crypto_allowed_digests: [sha512]\n");
    Thread serving = new Thread(() -> code.set(new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err)).execute("serve", "--bind", "tcp://127.0.0.1:*", "--trust-config", trust.toString(),
            "--policy", policy.toString())));
    serving.start();
    Pattern listening = Pattern.compile("listening on (tcp://\\S+)");
    Matcher m = listening.matcher("");
    while (!m.find()) {
      assertThat(serving.isAlive()).as("server stopped early: %s", err).isTrue();
      Thread.sleep(50);
      m = listening.matcher(out.toString());
    }
    try (DirectoryClient client = new DirectoryClient(List.of(m.group(1)), Optional.empty(), Duration.ofSeconds(10), "d")) {
      assertThat(client.register(registration("bodhi.app01", sha256)).get(0).accepted()).isFalse();
      assertThat(client.register(registration("bodhi.app02", sha512)).get(0).accepted()).isTrue();
    }
    serving.interrupt();
    serving.join(10_000);
    assertThat(code.get()).isZero();
  }

  private static SignedRegistration registration(String service, TestPki.Issued leaf) {
    return SignedRegistration.sign(Registration.create(service, List.of("tcp://h:3000"), Optional.empty(),
        Clock.systemUTC().instant(), Duration.ofMinutes(5)), Signer.of(leaf.privateKey(), leaf.chain()));
  }

  @Test
  void trustConfig_unknownDigest_exitTwoNamingKey() throws Exception {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(new StringWriter()))
        .setErr(new PrintWriter(err)).execute("serve", "--trust-config",
            config(dir.resolve("ca.crt"), "crypto_allowed_digests: [crc32]\n").toString(),
            "--policy", dir.resolve("policy.yaml").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("crypto_allowed_digests");
  }
}
