package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * Directory discovery configured from a file never skips revocation silently: a CRL (its own {@code crl}
 * or the top-level {@code crl_location}) or an explicit {@code crl: none}.
 */
@Timeout(60)
class DirectoryRevocationTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private final DirectoryPki pki = new DirectoryPki();
  private final TestPki.Issued revoked = pki.ca.issue("bodhi-app02.example.test").build();
  private final DirectoryServer one = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null);
  private final DirectoryServer two = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null);

  @AfterEach
  void tearDown() {
    one.close();
    two.close();
  }

  private ObjectNode source() throws Exception {
    Path policy = Files.writeString(dir.resolve("policy.yaml"), DirectoryPki.POLICY);
    ObjectNode cfg = JSON.createObjectNode().put("type", "directory").put("timeout", "10s")
        .put("policy", policy.toString()).put("ca", TestPki.writePem(dir.resolve("ca.crt"), pki.ca.certificate()).toString());
    cfg.withArray("servers").add(one.endpoint()).add(two.endpoint());
    return cfg;
  }

  private EndpointResolver create(ObjectNode source, ObjectNode config) {
    return new DirectoryResolverProvider().create("directory", source,
        ResolverContext.builder().config(config).clock(pki.clock).build());
  }

  @Test
  void noCrlAnywhere_refusedNamingTheKeyAndTheWayOut() throws Exception {
    assertThatThrownBy(() -> create(source(), JSON.createObjectNode()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("discovery[type=directory].crl").hasMessageContaining("no crl_location either")
        .hasMessageContaining("crl: none");
  }

  @Test
  void crlLocationNull_refusedTooUnlessCrlNone() throws Exception {
    ObjectNode config = JSON.createObjectNode().putNull("crl_location");
    assertThatThrownBy(() -> create(source(), config)).hasMessageContaining("crl_location is null");
    try (EndpointResolver r = create(source().put("crl", "none"), config)) {
      assertThat(r.label()).isEqualTo("directory");
    }
  }

  @Test
  void crlGiven_revokedServiceRegistration_droppedGenuineResolves() throws Exception {
    Path crl = TestPki.writePem(dir.resolve("crl.pem"), pki.ca.crl().revoke(revoked).build());
    // The replicas were started without a CRL (as --no-crl): the revoked certificate's claim is stored.
    try (DirectoryClient c = new DirectoryClient(List.of(one.endpoint(), two.endpoint()), Optional.empty(),
        Duration.ofSeconds(10), "t")) {
      c.register(SignedRegistration.sign(Registration.create("bodhi.app02", List.of("tcp://bodhi-app02.example.test:3000"),
          Optional.empty(), pki.clock.instant(), Duration.ofMinutes(5)), DirectoryPki.signer(revoked)));
      c.register(SignedRegistration.sign(Registration.create("bodhi.app01", List.of("tcp://bodhi-app01.example.test:3000"),
          Optional.empty(), pki.clock.instant(), Duration.ofMinutes(5)), DirectoryPki.signer(pki.bodhi)));
    }
    // The top-level crl_location is used when the source names none.
    ObjectNode config = JSON.createObjectNode().put("crl_location", crl.toString());
    try (EndpointResolver r = create(source(), config)) {
      Resolution res = r.resolve();
      assertThat(res.endpoints()).extracting(Endpoint::url).containsExactly("tcp://bodhi-app01.example.test:3000");
      assertThat(res.problems()).extracting(Problem::detail).allSatisfy(d -> assertThat(d).contains("CERT_REVOKED"))
          .hasSize(2);
    }
  }
}
