package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Discovery;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.discovery.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/** Two real replicas on loopback, a registrar and the directory resolver. */
@Timeout(60)
class DirectoryReplicasTest {

  private static final String KEY = CurveKeys.encode(new byte[32]);
  private final DirectoryPki pki = new DirectoryPki();
  private final DirectoryServer one = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null);
  private final DirectoryServer two = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null);
  private final DirectoryClient registrarClient =
      new DirectoryClient(List.of(one.endpoint(), two.endpoint()), Optional.empty(), Duration.ofSeconds(10), "directory");

  @AfterEach
  void tearDown() {
    registrarClient.close();
    one.close();
    two.close();
  }

  private DirectoryRegistrar registrar() {
    return new DirectoryRegistrar(registrarClient, DirectoryPki.signer(pki.bodhi), "bodhi.app01",
        List.of("tcp://bodhi-app01.example.test:3000"), Optional.of(KEY), Duration.ofMinutes(5), pki.clock);
  }

  private EndpointResolver resolver(String... servers) {
    return resolverWithTimeout("10s", servers);
  }

  private EndpointResolver resolverWithTimeout(String timeout, String... servers) {
    ObjectNode cfg = new ObjectMapper().createObjectNode().put("type", "directory").put("timeout", timeout);
    for (String s : servers) {
      cfg.withArray("servers").add(s);
    }
    ResolverContext ctx = ResolverContext.builder().clock(pki.clock)
        .service(org.fedmsg.crypto.TrustStore.class, pki.trust).service(RegistrationPolicy.class, pki.policy).build();
    return new DirectoryResolverProvider().create("directory", cfg, ctx);
  }

  @Test
  void registrar_registersWithEveryReplica_resolverReturnsEndpointWithKey() {
    assertThat(registrar().registerNow()).allMatch(DirectoryClient.RegisterOutcome::accepted).hasSize(2);
    assertThat(one.registrations()).hasSize(1);
    assertThat(two.registrations()).hasSize(1);
    try (EndpointResolver r = resolver(one.endpoint(), two.endpoint())) {
      Resolution res = r.resolve();
      assertThat(res.problems()).isEmpty();
      assertThat(res.endpoints()).containsExactly(
          new Endpoint("bodhi.app01", "tcp://bodhi-app01.example.test:3000", Optional.of(KEY), "directory"));
      assertThat(res.since(res.endpoints().get(0))).isEqualTo(one.registrations().get(0).registration().issuedAt());
      // No TTL: the directory is asked on every refresh, so withdrawals are seen at once.
      assertThat(res.ttl()).isEmpty();
    }
  }

  @Test
  void resolve_oneReplicaKilled_stillAnswersWithReplicaDownWarning() {
    registrar().registerNow();
    one.close();
    try (EndpointResolver r = resolverWithTimeout("3s", one.endpoint(), two.endpoint())) {
      Resolution res = r.resolve();
      assertThat(res.endpoints()).extracting(Endpoint::url).containsExactly("tcp://bodhi-app01.example.test:3000");
      assertThat(res.problems()).extracting(Problem::kind).containsExactly(Problem.Kind.REPLICA_DOWN);
      assertThat(res.failed()).isFalse();
    }
  }

  @Test
  void discovery_allReplicasDown_failedAndLastKnownGoodKept() {
    registrar().registerNow();
    try (Discovery d = Discovery.builder().resolvers(List.of(resolverWithTimeout("3s", one.endpoint(), two.endpoint())))
        .clock(pki.clock).build()) {
      d.refresh();
      one.close();
      two.close();
      Snapshot s = d.refresh();
      assertThat(s.sources().get(0).attempt().problems()).extracting(Problem::kind)
          .containsExactly(Problem.Kind.TIMEOUT, Problem.Kind.TIMEOUT);
      assertThat(s.allSourcesFailed()).isTrue();
      assertThat(s.endpoints()).extracting(Endpoint::url).containsExactly("tcp://bodhi-app01.example.test:3000");
    }
  }

  @Test
  void resolve_registrationExpired_endpointGone() {
    registrar().registerNow();
    try (EndpointResolver r = resolver(one.endpoint(), two.endpoint())) {
      assertThat(r.resolve().endpoints()).hasSize(1);
      pki.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
      Resolution res = r.resolve();
      assertThat(res.endpoints()).isEmpty();
      assertThat(res.failed()).isFalse();
    }
  }

  @Test
  void registrar_close_withdrawsEverywhere() throws Exception {
    DirectoryRegistrar reg = registrar();
    reg.start();
    try (EndpointResolver r = resolver(one.endpoint(), two.endpoint())) {
      // start() registers at once on its thread; wait for both replicas to hold it.
      while (one.registrations().isEmpty() || two.registrations().isEmpty()) {
        Thread.sleep(20);
      }
      assertThat(r.resolve().endpoints()).hasSize(1);
      pki.clock.advance(Duration.ofSeconds(1));
      reg.close();
      assertThat(r.resolve().endpoints()).isEmpty();
      assertThat(one.registrations()).singleElement().satisfies(sr -> assertThat(sr.registration().withdrawal()).isTrue());
    }
  }

  @Test
  void resolve_newerRegistrationOnOneReplica_newestWins() {
    DirectoryRegistrar reg = registrar();
    reg.registerNow();
    pki.clock.advance(Duration.ofSeconds(5));
    SignedRegistration moved = SignedRegistration.sign(Registration.create("bodhi.app01",
        List.of("tcp://bodhi-app01.example.test:4000"), Optional.empty(), pki.clock.instant(), Duration.ofMinutes(5)),
        DirectoryPki.signer(pki.bodhi));
    try (DirectoryClient onlyTwo = new DirectoryClient(List.of(two.endpoint()), Optional.empty(), Duration.ofSeconds(10), "d");
        EndpointResolver r = resolver(one.endpoint(), two.endpoint())) {
      assertThat(onlyTwo.register(moved).get(0).accepted()).isTrue();
      assertThat(r.resolve().endpoints()).extracting(Endpoint::url).containsExactly("tcp://bodhi-app01.example.test:4000");
    }
  }

  @Test
  void resolve_compromisedReplicaServesForgery_clientRejectsIt() throws Exception {
    registrar().registerNow();
    SignedRegistration genuine = one.registrations().get(0);
    Registration g = genuine.registration();
    // The forged copy redirects the service to an attacker, keeping the genuine signature and certificate.
    Registration forged = new Registration(g.service(), List.of("tcp://attacker.example.test:3000"),
        g.curveServerKey(), g.issuedAt().plusSeconds(1), g.expiresAt(), g.nonce());
    SignedRegistration forgery = new SignedRegistration(forged, genuine.algorithm(), genuine.signature(), genuine.chain());
    SignedRegistration rogueSigned = SignedRegistration.sign(forged, DirectoryPki.signer(pki.rogue));
    try (ZContext ctx = new ZContext(); ZMQ.Socket evil = ctx.createSocket(SocketType.ROUTER)) {
      evil.bind("tcp://127.0.0.1:*");
      String evilEndpoint = evil.getLastEndpoint();
      Thread server = new Thread(() -> {
        ZMsg req = ZMsg.recvMsg(evil);
        ObjectNode reply = new ObjectMapper().createObjectNode().put("status", "ok");
        reply.withArray("registrations").add(forgery.toJson()).add(rogueSigned.toJson());
        ZMsg out = new ZMsg();
        out.add(req.pop());
        out.add(new byte[0]);
        out.add(reply.toString().getBytes(StandardCharsets.UTF_8));
        out.send(evil);
      });
      server.start();
      try (EndpointResolver r = resolver(evilEndpoint, two.endpoint())) {
        Resolution res = r.resolve();
        server.join(5000);
        assertThat(res.endpoints()).extracting(Endpoint::url).containsExactly("tcp://bodhi-app01.example.test:3000");
        assertThat(res.problems()).extracting(Problem::kind)
            .containsExactly(Problem.Kind.REJECTED_REGISTRATION, Problem.Kind.REJECTED_REGISTRATION);
        assertThat(res.problems()).extracting(Problem::detail)
            .anySatisfy(d -> assertThat(d).contains("BAD_SIGNATURE"))
            .anySatisfy(d -> assertThat(d).contains("UNTRUSTED_CHAIN"));
      }
    }
  }
}
