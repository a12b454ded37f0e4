package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A signed {@code replay} URL in a registration, through a real directory replica to the resolver. */
@Timeout(60)
class DirectoryReplayEndpointTest {
  private static final String KEY = CurveKeys.encode(new byte[32]);
  private final DirectoryPki pki = new DirectoryPki();
  private final DirectoryServer server = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null);
  private final DirectoryClient client =
      new DirectoryClient(List.of(server.endpoint()), Optional.empty(), Duration.ofSeconds(10), "directory");

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  private EndpointResolver resolver() {
    ObjectNode cfg = new ObjectMapper().createObjectNode().put("type", "directory").put("timeout", "10s");
    cfg.withArray("servers").add(server.endpoint());
    ResolverContext ctx = ResolverContext.builder().clock(pki.clock)
        .service(org.fedmsg.crypto.TrustStore.class, pki.trust).service(RegistrationPolicy.class, pki.policy).build();
    return new DirectoryResolverProvider().create("directory", cfg, ctx);
  }

  @Test
  void registrationWithReplay_resolvedAsAReplayEndpointWithTheKey() {
    DirectoryRegistrar registrar = new DirectoryRegistrar(client, DirectoryPki.signer(pki.bodhi), "bodhi.app01",
        List.of("tcp://bodhi-app01.example.test:3000"), Optional.of(KEY), Optional.of("tcp://bodhi-app01.example.test:3001"),
        Duration.ofMinutes(5), pki.clock);
    assertThat(registrar.registerNow()).allMatch(DirectoryClient.RegisterOutcome::accepted);
    try (EndpointResolver r = resolver()) {
      Resolution res = r.resolve();
      assertThat(res.problems()).isEmpty();
      assertThat(res.endpoints()).containsExactly(
          new Endpoint("bodhi.app01", "tcp://bodhi-app01.example.test:3000", Optional.of(KEY), "directory"),
          Endpoint.replay("bodhi.app01", "tcp://bodhi-app01.example.test:3001", Optional.of(KEY), "directory"));
    }
  }

  @Test
  void registrationWithoutReplay_stillValid_noReplayEndpoint() {
    DirectoryRegistrar registrar = new DirectoryRegistrar(client, DirectoryPki.signer(pki.bodhi), "bodhi.app01",
        List.of("tcp://bodhi-app01.example.test:3000"), Optional.of(KEY), Duration.ofMinutes(5), pki.clock);
    assertThat(registrar.registerNow()).allMatch(DirectoryClient.RegisterOutcome::accepted);
    try (EndpointResolver r = resolver()) {
      assertThat(r.resolve().endpoints()).noneMatch(Endpoint::isReplay).hasSize(1);
    }
  }
}
