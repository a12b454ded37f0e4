package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.fedmsg;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fedmsg.crypto.Signer;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.directory.DirectoryClient;
import org.fedmsg.discovery.directory.Registration;
import org.fedmsg.discovery.directory.SignedRegistration;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedmsg directory serve} and {@code fedmsg endpoints} as separate processes, from the packaged jar. */
@Timeout(120)
class DirectoryServeProcessIT {

  private static final String POLICY = "default: deny\nrules:\n"
      + "  - topics: [\"bodhi.*\"]\n    signers: [\"bodhi-app0?.example.test\"]\n    effect: allow\n"
      + "  - topics: [\"pkgdb.*\"]\n    signers: [\"pkgdb-app0?.example.test\"]\n    effect: allow\n";

  @TempDir
  Path dir;

  private final TestPki.Issued ca = TestPki.rootCa("process directory CA").build();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private List<String> serveArgs(String... extra) throws Exception {
    TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Files.writeString(dir.resolve("policy.yaml"), POLICY);
    List<String> args = new ArrayList<>(List.of("directory", "serve", "--bind", "tcp://127.0.0.1:*",
        "--ca", dir.resolve("ca.crt").toString(), "--policy", dir.resolve("policy.yaml").toString()));
    args.addAll(List.of(extra));
    return args;
  }

  /** Starts a replica process; returns its endpoint and, through {@code log}, what it printed up to then. */
  private String serve(List<String> log, String... extra) throws Exception {
    Process p = fedmsg(serveArgs(extra).toArray(String[]::new)).redirectErrorStream(true).start();
    processes.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on (tcp://\\S+)");
    for (String line; (line = out.readLine()) != null; ) {
      log.add(line);
      Matcher m = listening.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new AssertionError("replica ended before listening: " + log);
  }

  @Test
  void serve_withoutRevocationChoice_exitsTwoWithOneLine() throws Exception {
    Process p = fedmsg(serveArgs().toArray(String[]::new)).start();
    processes.add(p);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("serve must not start without --crl or --no-crl").isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip())
        .isEqualTo("fedmsg directory serve: no CRL: give --crl FILE|URL, or --no-crl to accept registrations "
            + "without revocation checking");
  }

  @Test
  void serve_noCrl_warnsAtStart() throws Exception {
    List<String> log = new ArrayList<>();
    serve(log, "--no-crl");
    assertThat(log).anySatisfy(l -> assertThat(l).contains("WARN").contains("--no-crl")
        .contains("WITHOUT revocation checking"));
  }

  @Test
  void twoReplicas_urlHijackRefused_endpointsProcessShowsTheGenuineKey() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().build());
    List<String> log = new ArrayList<>();
    String one = serve(log, "--crl", crl.toString());
    String two = serve(log, "--crl", crl.toString());
    assertThat(log).noneMatch(l -> l.contains("WITHOUT revocation"));
    TestPki.Issued pkgdb = ca.issue("pkgdb-app01.example.test").build();
    TestPki.Issued bodhi = ca.issue("bodhi-app01.example.test").build();
    String url = "tcp://pkgdb-app01.example.test:3000";
    String genuineKey = CurveKeys.encode(new byte[32]);
    byte[] other = new byte[32];
    other[0] = 1;
    try (DirectoryClient both = new DirectoryClient(List.of(one, two), Optional.empty(), Duration.ofSeconds(10), "t")) {
      assertThat(both.register(SignedRegistration.sign(Registration.create("pkgdb.app01", List.of(url),
          Optional.of(genuineKey), Instant.now(), Duration.ofMinutes(5)), Signer.of(pkgdb.privateKey(), pkgdb.chain()))))
          .allMatch(DirectoryClient.RegisterOutcome::accepted);
      assertThat(both.register(SignedRegistration.sign(Registration.create("bodhi.evil", List.of(url),
          Optional.of(CurveKeys.encode(other)), Instant.now(), Duration.ofMinutes(5)),
          Signer.of(bodhi.privateKey(), bodhi.chain()))))
          .allSatisfy(o -> assertThat(o.detail()).startsWith("rejected: URL_HELD"));
    }
    Path config = dir.resolve("fedmsg.yaml");
    Files.writeString(config, "discovery:\n  - type: directory\n    servers: [\"" + one + "\", \"" + two + "\"]\n"
        + "    policy: \"" + dir.resolve("policy.yaml") + "\"\n    ca: \"" + dir.resolve("ca.crt") + "\"\n"
        + "    crl: \"" + crl + "\"\n");
    Process endpoints = fedmsg("endpoints", "--config", config.toString()).start();
    processes.add(endpoints);
    String out = new String(endpoints.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(endpoints.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(endpoints.exitValue()).as(out).isZero();
    assertThat(out).contains("source directory: ok, 1 endpoint(s)", "pkgdb.app01", url,
        CurveKeys.fingerprint(genuineKey)).doesNotContain("bodhi.evil", CurveKeys.fingerprint(CurveKeys.encode(other)));
  }
}
