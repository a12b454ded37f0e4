package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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
import picocli.CommandLine;

/**
 * The directory attacks of issue 11 against two real {@code fedmsg directory serve} replicas, each mounted
 * by an outsider holding a valid certificate of its own; {@code fedmsg endpoints} then shows the genuine
 * registrations only.
 */
@Timeout(120)
class DirectoryServeAttacksTest {

  private static final String PKGDB_URL = "tcp://pkgdb-app01.example.test:3000";
  private static final String PKGDB_KEY = CurveKeys.encode(new byte[32]);
  private static final String POLICY = "default: deny\nrules:\n"
      + "  - topics: [\"bodhi.*\"]\n    signers: [\"bodhi-app0?.example.test\"]\n    effect: allow\n"
      + "  - topics: [\"pkgdb.*\"]\n    signers: [\"pkgdb-app0?.example.test\"]\n    effect: allow\n";

  @TempDir
  Path dir;

  private final TestPki.Issued ca = TestPki.rootCa("cli directory CA").build();
  private final TestPki.Issued pkgdb = ca.issue("pkgdb-app01.example.test").build();
  private final TestPki.Issued bodhi = ca.issue("bodhi-app01.example.test").build();
  private final TestPki.Issued revoked = ca.issue("bodhi-app02.example.test").build();
  private final List<Thread> replicas = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Thread t : replicas) {
      t.interrupt();
      t.join(10_000);
    }
  }

  /** Runs {@code fedmsg directory serve} on a free port and returns its endpoint once it listens. */
  private String serve(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--bind", "tcp://127.0.0.1:*",
        "--ca", dir.resolve("ca.crt").toString(), "--policy", dir.resolve("policy.yaml").toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true)).execute(args.toArray(String[]::new))));
    t.start();
    replicas.add(t);
    Pattern listening = Pattern.compile("listening on (tcp://\\S+)");
    Matcher m = listening.matcher("");
    while (!m.find()) {
      assertThat(t.isAlive()).as("replica stopped early (%s): %s", code.get(), err).isTrue();
      Thread.sleep(20);
      m = listening.matcher(out.toString());
    }
    return m.group(1);
  }

  private static SignedRegistration signed(Signer signer, String service, List<String> urls, Optional<String> key,
      Duration lifetime) {
    return SignedRegistration.sign(Registration.create(service, urls, key, Instant.now(), lifetime), signer);
  }

  private static Signer signer(TestPki.Issued who) {
    return Signer.of(who.privateKey(), who.chain());
  }

  /** A certificate for {@code keys} from the test CA: a renewal keeps the key, so two of these share it. */
  private X509Certificate certificate(KeyPair keys, String cn, long serial) throws Exception {
    Instant from = Instant.now().minus(Duration.ofDays(1));
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), BigInteger.valueOf(serial),
        Date.from(from), Date.from(from.plus(Duration.ofDays(30))), new X500Name("CN=" + cn), keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())));
  }

  /** Waits until the clock has moved past {@code t} (registrations are ordered by millisecond). */
  private static void after(Instant t) throws InterruptedException {
    while (!Clock.systemUTC().instant().isAfter(t.plusMillis(1))) {
      Thread.sleep(2);
    }
  }

  @Test
  void twoReplicas_hijackReplayFloodAndRevokedClaims_refused_endpointsShowsGenuineOnly() throws Exception {
    TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Files.writeString(dir.resolve("policy.yaml"), POLICY);
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().revoke(revoked).build());
    String one = serve("--crl", crl.toString(), "--max-services", "3", "--state-dir", dir.resolve("s1").toString());
    String two = serve("--crl", crl.toString(), "--max-services", "3");

    try (DirectoryClient both = new DirectoryClient(List.of(one, two), Optional.empty(), Duration.ofSeconds(10), "t")) {
      // The genuine pkgdb, and a bodhi whose certificate was renewed with the same key.
      SignedRegistration genuine = signed(signer(pkgdb), "pkgdb.app01", List.of(PKGDB_URL), Optional.of(PKGDB_KEY),
          Duration.ofMinutes(5));
      assertThat(both.register(genuine)).allMatch(DirectoryClient.RegisterOutcome::accepted);
      KeyPair bodhiKeys = TestPki.generate(TestPki.KeyType.EC_P256);
      Signer previous = Signer.of(bodhiKeys.getPrivate(),
          List.of(certificate(bodhiKeys, "bodhi-app01.example.test", 700_001)));
      Signer renewed = Signer.of(bodhiKeys.getPrivate(),
          List.of(certificate(bodhiKeys, "bodhi-app01.example.test", 700_002)));
      SignedRegistration oldBodhi = signed(previous, "bodhi.app01", List.of("tcp://bodhi-app01.example.test:3000"),
          Optional.empty(), Duration.ofMinutes(30));
      assertThat(both.register(oldBodhi)).allMatch(DirectoryClient.RegisterOutcome::accepted);
      after(oldBodhi.registration().issuedAt());
      SignedRegistration withdrawal = signed(renewed, "bodhi.app01", List.of(), Optional.empty(), Duration.ofMinutes(5));
      assertThat(both.register(withdrawal)).allMatch(DirectoryClient.RegisterOutcome::accepted);

      // 1. bodhi claims pkgdb's URL under a name of its own, with its own CURVE key.
      assertThat(both.register(signed(signer(bodhi), "bodhi.evil", List.of(PKGDB_URL),
          Optional.of(CurveKeys.encode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
              20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32})), Duration.ofMinutes(5))))
          .allSatisfy(o -> assertThat(o.detail()).startsWith("rejected: URL_HELD"));
      // 3. The withdrawn registration, signed under the previous same-key certificate, replayed.
      assertThat(both.register(oldBodhi)).allSatisfy(o -> assertThat(o.detail()).contains("not newer than"));
      // 4. A revoked certificate: the replicas check the CRL (a bare refusal: the signer is not trusted).
      assertThat(both.register(signed(signer(revoked), "bodhi.app02", List.of("tcp://bodhi-app02.example.test:3000"),
          Optional.empty(), Duration.ofMinutes(5)))).allSatisfy(o -> assertThat(o.detail()).isEqualTo("rejected"));
      // 2. A flood from one certificate: up to its quota, then refused with the reason.
      List<String> flood = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        List<DirectoryClient.RegisterOutcome> r = both.register(signed(signer(bodhi), "bodhi.flood" + i,
            List.of("tcp://bodhi-app01.example.test:" + (4000 + i)), Optional.empty(), Duration.ofMinutes(5)));
        flood.add(r.get(0).detail() + " / " + r.get(1).detail());
      }
      assertThat(flood).containsExactly("ok / ok", "ok / ok", "ok / ok",
          "rejected: TOO_MANY_SERVICES: bodhi-app01.example.test already holds 3 services (withdrawn and expired "
              + "ones count until forgotten); the limit is 3 / rejected: TOO_MANY_SERVICES: bodhi-app01.example.test "
              + "already holds 3 services (withdrawn and expired ones count until forgotten); the limit is 3");
    }

    Path config = dir.resolve("fedmsg.yaml");
    Files.writeString(config, "discovery:\n  - type: directory\n    servers: [\"" + one + "\", \"" + two + "\"]\n"
        + "    policy: \"" + dir.resolve("policy.yaml") + "\"\n    ca: \"" + dir.resolve("ca.crt") + "\"\n"
        + "    crl: \"" + crl + "\"\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new EndpointsCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("--config", config.toString());
    assertThat(code).as("%s%s", out, err).isZero();
    assertThat(out.toString()).contains("source directory: ok, 4 endpoint(s)", PKGDB_URL,
        CurveKeys.fingerprint(PKGDB_KEY), "tcp://bodhi-app01.example.test:4000", "tcp://bodhi-app01.example.test:4001",
        "tcp://bodhi-app01.example.test:4002")
        .doesNotContain("bodhi.evil", "tcp://bodhi-app01.example.test:3000", "bodhi-app02", ":4003", "!");
  }

  @Test
  void serve_neitherCrlNorNoCrl_exitTwoNamingWhatIsMissing() throws Exception {
    TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Files.writeString(dir.resolve("policy.yaml"), POLICY);
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(new CommandLine(new DirectoryCommand()).setOut(new PrintWriter(new StringWriter()))
        .setErr(new PrintWriter(err, true)).execute("serve", "--bind", "tcp://127.0.0.1:*",
            "--ca", dir.resolve("ca.crt").toString(), "--policy", dir.resolve("policy.yaml").toString())));
    t.start();
    replicas.add(t);
    t.join(20_000);
    assertThat(code.get()).as("serve must refuse to start without a revocation choice").isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("fedmsg directory serve: no CRL: give --crl FILE|URL, or --no-crl "
        + "to accept registrations without revocation checking");
  }

  @Test
  void serve_noCrl_startsAndAcceptsAsExplicitlyAsked() throws Exception {
    TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    Files.writeString(dir.resolve("policy.yaml"), POLICY);
    String one = serve("--no-crl");
    try (DirectoryClient c = new DirectoryClient(List.of(one), Optional.empty(), Duration.ofSeconds(10), "t")) {
      assertThat(c.register(signed(signer(revoked), "bodhi.app02", List.of("tcp://bodhi-app02.example.test:3000"),
          Optional.empty(), Duration.ofMinutes(5))).get(0).accepted()).isTrue();
    }
  }
}
