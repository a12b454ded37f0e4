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
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.directory.DirectoryClient;
import org.fedmsg.discovery.directory.Registration;
import org.fedmsg.discovery.directory.RegistrationPolicy;
import org.fedmsg.discovery.directory.RegistrationVerifier;
import org.fedmsg.discovery.directory.SignedRegistration;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
class DirectoryCommandTest {

  @TempDir
  Path dir;

  @Test
  void serve_validOptions_acceptsRegistrationsUntilInterrupted() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("cli test CA").build();
    TestPki.Issued svc = ca.issue("bodhi-app01.example.test").build();
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "default: deny\nrules:\n  - topics: [\"bodhi.*\"]\n    signers: [\"bodhi-app0?.example.test\"]\n"
        + "    effect: allow\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread serving = new Thread(() -> code.set(new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err)).execute("serve", "--bind", "tcp://127.0.0.1:*", "--ca", caFile.toString(), "--no-crl",
            "--policy", policy.toString(), "--state-dir", dir.resolve("state").toString())));
    serving.start();
    Pattern listening = Pattern.compile("listening on (tcp://\\S+)");
    Matcher m = listening.matcher("");
    while (!m.find()) {
      assertThat(serving.isAlive()).as("server stopped early: %s", err).isTrue();
      Thread.sleep(50);
      m = listening.matcher(out.toString());
    }
    String endpoint = m.group(1);
    TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).build());
    RegistrationVerifier verifier = new RegistrationVerifier(trust, RegistrationPolicy.load(policy), Clock.systemUTC());
    try (DirectoryClient client = new DirectoryClient(List.of(endpoint), Optional.of(verifier), Duration.ofSeconds(10), "d")) {
      SignedRegistration sr = SignedRegistration.sign(Registration.create("bodhi.app01", List.of("tcp://h:3000"),
          Optional.empty(), Clock.systemUTC().instant(), Duration.ofMinutes(5)), Signer.of(svc.privateKey(), svc.chain()));
      assertThat(client.register(sr).get(0).accepted()).isTrue();
      assertThat(client.query(null).registrations()).hasSize(1);
    }
    serving.interrupt();
    serving.join(10_000);
    assertThat(code.get()).isZero();
    assertThat(dir.resolve("state").resolve("directory-registrations.json")).exists();
  }

  @Test
  void serve_missingPolicyFile_exitTwo() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(new StringWriter()))
        .setErr(new PrintWriter(err)).execute("serve", "--ca", dir.resolve("ca.crt").toString(),
            "--policy", dir.resolve("none.yaml").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("fedmsg directory serve:");
  }

  @Test
  void serve_crlAndNoCrlTogether_exitTwo() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(new StringWriter()))
        .setErr(new PrintWriter(err)).execute("serve", "--ca", dir.resolve("ca.crt").toString(),
            "--policy", dir.resolve("p.yaml").toString(), "--crl", dir.resolve("crl.pem").toString(), "--no-crl");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--crl and --no-crl exclude each other");
  }

  @Test
  void serve_nonPositiveQuota_exitTwoNamingIt() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("cli test CA").build();
    Path caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "default: deny\n");
    StringWriter err = new StringWriter();
    int code = new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(new StringWriter()))
        .setErr(new PrintWriter(err)).execute("serve", "--bind", "tcp://127.0.0.1:*", "--ca", caFile.toString(),
            "--policy", policy.toString(), "--no-crl", "--max-services", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("fedmsg directory serve: directory quotas must be positive");
  }
}
