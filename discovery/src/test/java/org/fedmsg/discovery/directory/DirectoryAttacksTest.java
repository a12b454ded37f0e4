package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory attacks of issue 11, mounted as an outsider with its own validly signed registrations
 * against two real replicas on loopback, each followed by the genuine registrations still resolving.
 */
@Timeout(120)
class DirectoryAttacksTest {

  private static final String PKGDB_URL = "tcp://pkgdb-app01.example.test:3000";
  private static final String PKGDB_KEY = CurveKeys.encode(new byte[32]);
  private static final String ATTACKER_KEY = CurveKeys.encode(filled(7));

  @TempDir
  Path stateOne;

  private final DirectoryPki pki = new DirectoryPki();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private DirectoryServer one;
  private DirectoryServer two;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private static byte[] filled(int b) {
    byte[] out = new byte[32];
    java.util.Arrays.fill(out, (byte) b);
    return out;
  }

  private void startReplicas(DirectoryServer.Settings settings) {
    one = track(DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, stateOne, settings, null, null));
    two = track(DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null, settings, null, null));
  }

  private <T extends AutoCloseable> T track(T c) {
    closing.add(0, c);
    return c;
  }

  private DirectoryClient client(DirectoryServer... servers) {
    List<String> eps = new ArrayList<>();
    for (DirectoryServer s : servers) {
      eps.add(s.endpoint());
    }
    return track(new DirectoryClient(eps, Optional.empty(), Duration.ofSeconds(10), "attacker"));
  }

  private DirectoryResolver resolver(DirectoryServer... servers) {
    ObjectNode cfg = new ObjectMapper().createObjectNode().put("type", "directory").put("timeout", "10s");
    for (DirectoryServer s : servers) {
      cfg.withArray("servers").add(s.endpoint());
    }
    ResolverContext ctx = ResolverContext.builder().clock(pki.clock)
        .service(org.fedmsg.crypto.TrustStore.class, pki.trust).service(RegistrationPolicy.class, pki.policy).build();
    EndpointResolver r = new DirectoryResolverProvider().create("directory", cfg, ctx);
    return (DirectoryResolver) track(r);
  }

  private SignedRegistration signed(Signer signer, String service, List<String> urls, Optional<String> key,
      Duration lifetime) {
    return SignedRegistration.sign(Registration.create(service, urls, key, pki.clock.instant(), lifetime), signer);
  }

  private SignedRegistration pkgdb(String url, String key) {
    return signed(DirectoryPki.signer(pki.pkgdb), "pkgdb.app01", List.of(url), Optional.of(key), Duration.ofMinutes(5));
  }

  // ---- Log injection: what a peer names is escaped in the directory's log lines ----

  @Test
  void craftedSignerName_newlineAndTerminalEscape_oneEscapedLogLine() throws Exception {
    // A CA that signs whatever subject a request carries issued this name.
    TestPki.Issued crafted = pki.ca.issue("pkgdb-app01.example.test\nWARN forged directory line\u001b[2J").build();
    startReplicas(DirectoryServer.Settings.DEFAULT);
    java.io.PrintStream realErr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertThat(client(one).register(signed(DirectoryPki.signer(crafted), "pkgdb.app01", List.of(PKGDB_URL),
          Optional.of(PKGDB_KEY), Duration.ofMinutes(5))).get(0).accepted()).isFalse();
    } finally {
      System.setErr(realErr);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    realErr.print(log);
    assertThat(log).doesNotContain("\u001b");
    assertThat(log.lines()).noneMatch(l -> l.startsWith("WARN forged"))
        .anyMatch(l -> l.contains("registration rejected (NOT_AUTHORIZED)")
            && l.contains("pkgdb-app01.example.test\\nWARN forged directory line\\x1b[2J"));
    assertThat(one.rejections().get(Reason.NOT_AUTHORIZED)).isEqualTo(1L);
  }

  // ---- 1. Any endpoint under your own name ----

  @Test
  void urlHijack_otherSignerClaimsHeldUrlUnderItsOwnName_refusedEverywhere_genuineStillResolves() {
    startReplicas(DirectoryServer.Settings.DEFAULT);
    DirectoryClient both = client(one, two);
    assertThat(both.register(pkgdb(PKGDB_URL, PKGDB_KEY))).allMatch(DirectoryClient.RegisterOutcome::accepted);
    pki.clock.advance(Duration.ofSeconds(1));

    // bodhi may register bodhi.* (policy), and claims pkgdb's URL there with its own key.
    SignedRegistration hijack = signed(DirectoryPki.signer(pki.bodhi), "bodhi.evil", List.of(PKGDB_URL),
        Optional.of(ATTACKER_KEY), Duration.ofMinutes(5));
    List<DirectoryClient.RegisterOutcome> outcomes = both.register(hijack);

    assertThat(outcomes).hasSize(2).allSatisfy(o -> {
      assertThat(o.accepted()).isFalse();
      assertThat(o.detail()).contains("URL_HELD").contains(PKGDB_URL).contains("pkgdb-app01.example.test");
    });
    // The same address spelled in capitals is the same URL.
    assertThat(both.register(signed(DirectoryPki.signer(pki.bodhi), "bodhi.evil2", List.of("tcp://PKGDB-App01.example.test:3000"),
        Optional.of(ATTACKER_KEY), Duration.ofMinutes(5)))).noneMatch(DirectoryClient.RegisterOutcome::accepted);
    assertThat(one.refusals()).containsEntry(DirectoryServer.Refusal.URL_HELD, 2L);
    assertThat(two.refusals()).containsEntry(DirectoryServer.Refusal.URL_HELD, 2L);
    Resolution res = resolver(one, two).resolve();
    assertThat(res.endpoints()).containsExactly(new Endpoint("pkgdb.app01", PKGDB_URL, Optional.of(PKGDB_KEY), "directory"));
    assertThat(res.problems()).isEmpty();
  }

  @Test
  void urlHijack_afterHolderWithdraws_urlIsFreeForAnotherSigner() {
    startReplicas(DirectoryServer.Settings.DEFAULT);
    DirectoryClient both = client(one, two);
    assertThat(both.register(pkgdb(PKGDB_URL, PKGDB_KEY))).allMatch(DirectoryClient.RegisterOutcome::accepted);
    pki.clock.advance(Duration.ofSeconds(1));
    assertThat(both.register(signed(DirectoryPki.signer(pki.pkgdb), "pkgdb.app01", List.of(), Optional.empty(),
        Duration.ofMinutes(5)))).allMatch(DirectoryClient.RegisterOutcome::accepted);

    SignedRegistration next = signed(DirectoryPki.signer(pki.bodhi), "bodhi.app01", List.of(PKGDB_URL),
        Optional.of(ATTACKER_KEY), Duration.ofMinutes(5));

    assertThat(both.register(next)).allMatch(DirectoryClient.RegisterOutcome::accepted);
  }

  @Test
  void urlHijack_afterHolderExpires_urlIsFreeForAnotherSigner() {
    startReplicas(DirectoryServer.Settings.DEFAULT);
    DirectoryClient both = client(one, two);
    assertThat(both.register(pkgdb(PKGDB_URL, PKGDB_KEY))).allMatch(DirectoryClient.RegisterOutcome::accepted);
    pki.clock.advance(Duration.ofMinutes(5).plusSeconds(1));

    SignedRegistration next = signed(DirectoryPki.signer(pki.bodhi), "bodhi.app01", List.of(PKGDB_URL),
        Optional.of(ATTACKER_KEY), Duration.ofMinutes(5));

    assertThat(both.register(next)).allMatch(DirectoryClient.RegisterOutcome::accepted);
  }

  @Test
  void keyConflict_replicaWithoutTheHolderTakesAClaim_reportedAndSubscriberKeepsTheKeyItHad() {
    startReplicas(DirectoryServer.Settings.DEFAULT);
    // pkgdb reached replica one only; the attacker's claim lands on replica two, which never saw pkgdb.
    assertThat(client(one).register(pkgdb(PKGDB_URL, PKGDB_KEY)).get(0).accepted()).isTrue();
    DirectoryResolver subscriber = resolver(one, two);
    assertThat(subscriber.resolve().endpoints()).extracting(Endpoint::curveServerKey)
        .containsExactly(Optional.of(PKGDB_KEY));
    pki.clock.advance(Duration.ofSeconds(1));
    SignedRegistration claim = signed(DirectoryPki.signer(pki.bodhi), "bodhi.evil", List.of(PKGDB_URL),
        Optional.of(ATTACKER_KEY), Duration.ofMinutes(5));
    assertThat(client(two).register(claim).get(0).accepted()).isTrue();

    Resolution res = subscriber.resolve();

    assertThat(res.endpoints()).containsExactly(new Endpoint("pkgdb.app01", PKGDB_URL, Optional.of(PKGDB_KEY), "directory"));
    assertThat(res.problems()).singleElement().satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Problem.Kind.BAD_CURVE_KEY);
      assertThat(p.subject()).isEqualTo(PKGDB_URL);
      assertThat(p.detail()).contains("keeping the key served before");
    });
    assertThat(subscriber.keyConflicts()).isEqualTo(1);
    // A subscriber that never saw the URL trusts neither key.
    Resolution fresh = resolver(one, two).resolve();
    assertThat(fresh.endpoints()).isEmpty();
    assertThat(fresh.problems()).extracting(Problem::kind).containsExactly(Problem.Kind.BAD_CURVE_KEY);
  }

  @Test
  void serviceNames_matchedAgainstThePolicyExactly_noPrefixCaseOrOtherSignersName() {
    startReplicas(DirectoryServer.Settings.DEFAULT);
    DirectoryClient both = client(one, two);
    Signer bodhi = DirectoryPki.signer(pki.bodhi);
    for (String name : List.of("bodhi", "Bodhi.app01", "bodhiapp01", "pkgdb.app01")) {
      assertThat(both.register(signed(bodhi, name, List.of("tcp://bodhi-app01.example.test:3000"), Optional.empty(),
          Duration.ofMinutes(5)))).as(name).noneMatch(DirectoryClient.RegisterOutcome::accepted);
    }
    assertThat(one.rejections()).containsEntry(Reason.NOT_AUTHORIZED, 4L);
    // One spelling per name: empty labels and edge dots are refused before any policy match.
    ObjectNode json = signed(bodhi, "bodhi.app01", List.of(), Optional.empty(), Duration.ofMinutes(5)).toJson();
    ((ObjectNode) json.get("registration")).put("service", "bodhi.app01.");
    ObjectNode request = json.objectNode().put("op", "register");
    request.set("registration", json);
    assertThat(one.handle(request.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).path("status").asText())
        .isEqualTo("rejected");
    assertThat(one.rejections()).containsEntry(Reason.MALFORMED, 1L);
  }

  // ---- 2. No quota ----

  @Test
  void flood_upToQuota_registrationWorkAndStateWritesFlat_beyondQuotaRefusedWithReason() {
    int services = 40;
    int endpoints = 8;
    startReplicas(new DirectoryServer.Settings(services, endpoints, 1 << 24, Duration.ofHours(1)));
    DirectoryClient both = client(one, two);
    Signer bodhi = DirectoryPki.signer(pki.bodhi);
    List<Long> steps = new ArrayList<>();
    for (int s = 0; s < services; s++) {
      List<String> urls = new ArrayList<>();
      for (int e = 0; e < endpoints; e++) {
        urls.add("tcp://bodhi-" + s + ".example.test:" + (3000 + e));
      }
      long before = one.registerSteps();
      assertThat(both.register(signed(bodhi, "bodhi.s" + s, urls, Optional.empty(), Duration.ofMinutes(5))))
          .allMatch(DirectoryClient.RegisterOutcome::accepted);
      steps.add(one.registerSteps() - before);
    }
    // The same work for the last registration as for the first: nothing scans what is already stored.
    assertThat(steps).containsOnly(steps.get(0));
    // One write for the first change; the rest waits for the interval (or close), instead of one per registration.
    assertThat(one.stateWrites()).isEqualTo(1);

    SignedRegistration tooMany = signed(bodhi, "bodhi.one-more", List.of("tcp://bodhi-x.example.test:1"),
        Optional.empty(), Duration.ofMinutes(5));
    assertThat(both.register(tooMany)).allSatisfy(o -> {
      assertThat(o.accepted()).isFalse();
      assertThat(o.detail()).contains("TOO_MANY_SERVICES").contains("the limit is " + services);
    });
    pki.clock.advance(Duration.ofSeconds(1));
    List<String> nine = new ArrayList<>();
    for (int e = 0; e <= endpoints; e++) {
      nine.add("tcp://bodhi-0.example.test:" + (4000 + e));
    }
    assertThat(both.register(signed(bodhi, "bodhi.s0", nine, Optional.empty(), Duration.ofMinutes(5))))
        .allSatisfy(o -> assertThat(o.detail()).contains("TOO_MANY_ENDPOINTS").contains("the limit is " + endpoints));
    assertThat(one.refusals()).containsEntry(DirectoryServer.Refusal.TOO_MANY_SERVICES, 1L)
        .containsEntry(DirectoryServer.Refusal.TOO_MANY_ENDPOINTS, 1L);

    // Another signer is not affected by bodhi's quota, and resolution is one pass per endpoint.
    assertThat(both.register(pkgdb(PKGDB_URL, PKGDB_KEY))).allMatch(DirectoryClient.RegisterOutcome::accepted);
    DirectoryResolver resolver = resolver(one, two);
    Resolution res = resolver.resolve();
    assertThat(res.endpoints()).hasSize(services * endpoints + 1);
    assertThat(res.problems()).isEmpty();
    // Two passes over the listed endpoints, each a hash look-up: linear, where List.contains was quadratic.
    assertThat(resolver.steps()).isEqualTo(2L * (services * endpoints + 1));

    // Closing writes the deferred state; a restarted replica has every registration.
    one.close();
    assertThat(one.stateWrites()).isEqualTo(2);
    try (DirectoryServer again = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, stateOne)) {
      assertThat(again.registrations()).hasSize(services + 1);
    }
  }

  @Test
  void flood_beyondByteQuota_refusedWithReason() {
    startReplicas(new DirectoryServer.Settings(64, 16, 6_000, Duration.ofSeconds(1)));
    DirectoryClient both = client(one, two);
    Signer bodhi = DirectoryPki.signer(pki.bodhi);
    List<DirectoryClient.RegisterOutcome> last = List.of();
    int accepted = 0;
    for (int s = 0; s < 20 && (last.isEmpty() || last.get(0).accepted()); s++) {
      last = both.register(signed(bodhi, "bodhi.s" + s, List.of("tcp://bodhi-" + s + ".example.test:3000"),
          Optional.empty(), Duration.ofMinutes(5)));
      accepted += last.get(0).accepted() ? 1 : 0;
    }
    assertThat(accepted).isBetween(1, 19);
    assertThat(last).allSatisfy(o -> assertThat(o.detail()).contains("TOO_MANY_BYTES").contains("the limit is 6000"));
    assertThat(two.refusals()).containsEntry(DirectoryServer.Refusal.TOO_MANY_BYTES, 1L);
  }

  // ---- 3. Withdrawal bypass ----

  /** A certificate for {@code keys} issued by the test CA: renewal keeps the key, so two of these share it. */
  private X509Certificate certificate(KeyPair keys, String cn, long serial) throws Exception {
    Instant from = pki.clock.instant().minus(Duration.ofDays(1));
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        X500Name.getInstance(pki.ca.certificate().getSubjectX500Principal().getEncoded()), BigInteger.valueOf(serial),
        Date.from(from), Date.from(from.plus(Duration.ofDays(30))), new X500Name("CN=" + cn), keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pki.ca.privateKey())));
  }

  @Test
  void withdrawalBypass_oldRegistrationUnderPreviousSameKeyCertificateReplayed_refusedAlsoAfterRestart()
      throws Exception {
    startReplicas(DirectoryServer.Settings.DEFAULT);
    KeyPair keys = TestPki.generate(TestPki.KeyType.EC_P256);
    Signer previous = Signer.of(keys.getPrivate(), List.of(certificate(keys, "bodhi-app01.example.test", 900_001)));
    Signer renewed = Signer.of(keys.getPrivate(), List.of(certificate(keys, "bodhi-app01.example.test", 900_002)));
    DirectoryClient both = client(one, two);
    SignedRegistration old = signed(previous, "bodhi.app01", List.of("tcp://bodhi-app01.example.test:3000"),
        Optional.empty(), Duration.ofMinutes(30));
    assertThat(both.register(old)).allMatch(DirectoryClient.RegisterOutcome::accepted);
    pki.clock.advance(Duration.ofSeconds(10));
    SignedRegistration withdrawal = signed(renewed, "bodhi.app01", List.of(), Optional.empty(), Duration.ofMinutes(1));
    assertThat(both.register(withdrawal)).allMatch(DirectoryClient.RegisterOutcome::accepted);
    pki.clock.advance(Duration.ofSeconds(10));

    List<DirectoryClient.RegisterOutcome> replay = both.register(old);

    assertThat(replay).allSatisfy(o -> {
      assertThat(o.accepted()).isFalse();
      assertThat(o.detail()).contains("not newer than the stored withdrawal");
    });
    assertThat(one.rejections()).containsEntry(Reason.DUPLICATE, 1L);
    assertThat(resolver(one, two).resolve().endpoints()).isEmpty();

    // The withdrawal itself expires, the replayed registration would not: its tombstone outlives a restart.
    pki.clock.advance(Duration.ofMinutes(2));
    one.close();
    DirectoryServer restarted = track(DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, stateOne));
    DirectoryClient toRestarted = client(restarted);
    assertThat(toRestarted.register(old).get(0).accepted()).isFalse();
    assertThat(resolver(restarted, two).resolve().endpoints()).isEmpty();

    // The genuine service, registering anew under its renewed certificate, resolves.
    SignedRegistration genuine = signed(renewed, "bodhi.app01", List.of("tcp://bodhi-app01.example.test:3001"),
        Optional.empty(), Duration.ofMinutes(5));
    assertThat(client(restarted, two).register(genuine)).allMatch(DirectoryClient.RegisterOutcome::accepted);
    assertThat(resolver(restarted, two).resolve().endpoints()).extracting(Endpoint::url)
        .containsExactly("tcp://bodhi-app01.example.test:3001");
  }
}
