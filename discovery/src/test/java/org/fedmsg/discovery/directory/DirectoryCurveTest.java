package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.discovery.CurveKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The directory as a CURVE server: register and query with the right key, nothing with a wrong or refused one. */
@Timeout(60)
class DirectoryCurveTest {
  private final DirectoryPki pki = new DirectoryPki();
  private final CurveKeyPair serverKeys = CurveKeyPair.generate("directory");
  @TempDir Path dir;

  private SignedRegistration registration() {
    return SignedRegistration.sign(Registration.create("bodhi.app01", List.of("tcp://bodhi-app01.example.test:3000"),
        Optional.of(CurveKeys.encode(new byte[32])), pki.clock.instant(), Duration.ofMinutes(5)),
        DirectoryPki.signer(pki.bodhi));
  }

  private DirectoryClient client(String endpoint, String serverKey, CurveKeyPair own, Duration timeout) {
    return new DirectoryClient(List.of(endpoint), Map.of(endpoint, serverKey), own, Optional.of(pki.verifier),
        timeout, "directory");
  }

  @Test
  void registerAndQuery_curveServerWithRightKey_served() {
    try (DirectoryServer server = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null, serverKeys, null);
        DirectoryClient client = client(server.endpoint(), serverKeys.publicKeyZ85(), null, Duration.ofSeconds(10))) {
      assertThat(client.register(registration()).get(0).accepted()).isTrue();
      DirectoryClient.QueryResult q = client.query("bodhi.app01");
      assertThat(q.problems()).isEmpty();
      assertThat(q.registrations()).singleElement()
          .satisfies(v -> assertThat(v.signer().commonName()).isEqualTo("bodhi-app01.example.test"));
    }
  }

  @Test
  void query_wrongServerKeyOrPlainClient_noReply() {
    try (DirectoryServer server = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null, serverKeys, null);
        DirectoryClient wrong = client(server.endpoint(), CurveKeyPair.generate("x").publicKeyZ85(), null,
            Duration.ofMillis(1500));
        DirectoryClient plain = new DirectoryClient(List.of(server.endpoint()), Optional.of(pki.verifier),
            Duration.ofMillis(1500), "directory")) {
      assertThat(wrong.register(registration()).get(0).accepted()).isFalse();
      assertThat(plain.query("bodhi.app01").repliesReceived()).isZero();
      assertThat(server.registrations()).isEmpty();
    }
  }

  @Test
  void register_clientKeyNotAllowed_refusedByZapAndCounted_listedAccepted() throws Exception {
    CurveKeyPair listed = CurveKeyPair.generate("registrar");
    Path clients = Files.createDirectory(dir.resolve("clients"));
    Files.writeString(clients.resolve("registrar.curve"),
        "curve\n    public-key = \"" + listed.publicKeyZ85() + "\"\n");
    AllowedCurveClients allowed = AllowedCurveClients.load(List.of(clients.toString()), pki.clock);
    try (DirectoryServer server = DirectoryServer.start("tcp://127.0.0.1:*", pki.verifier, null, serverKeys, allowed);
        DirectoryClient stranger = client(server.endpoint(), serverKeys.publicKeyZ85(), CurveKeyPair.generate("s"),
            Duration.ofMillis(1500));
        DirectoryClient registrar = client(server.endpoint(), serverKeys.publicKeyZ85(), listed,
            Duration.ofSeconds(10))) {
      assertThat(stranger.register(registration()).get(0).accepted()).isFalse();
      assertThat(server.curveRefusals()).isPositive();
      assertThat(registrar.register(registration()).get(0).accepted()).isTrue();
      assertThat(server.registrations()).hasSize(1);
    }
  }
}
