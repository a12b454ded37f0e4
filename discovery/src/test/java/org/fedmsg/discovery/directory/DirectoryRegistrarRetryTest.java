package org.fedmsg.discovery.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A registrar whose replica is not answering yet (still starting, or a loaded host) retries
 * quietly with back-off, and reports a failure only when the registration finally failed.
 */
@Timeout(60)
class DirectoryRegistrarRetryTest {
  private final DirectoryPki pki = new DirectoryPki();

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private DirectoryRegistrar registrar(DirectoryClient client) {
    return new DirectoryRegistrar(client, DirectoryPki.signer(pki.bodhi), "bodhi.app01",
        List.of("tcp://bodhi-app01.example.test:3000"), Optional.empty(), Duration.ofMinutes(5),
        java.time.Clock.systemUTC());  // a ticking clock: every retry is newer than the last
  }

  @Test
  void replicaLateToStart_registrationSucceedsWithoutAnErrorReport() throws Exception {
    String endpoint = "tcp://127.0.0.1:" + freePort();
    List<String> reports = new CopyOnWriteArrayList<>();
    try (DirectoryClient client = new DirectoryClient(List.of(endpoint), Optional.empty(), Duration.ofMillis(300),
        "registrar")) {
      DirectoryRegistrar registrar = registrar(client);
      registrar.reportFailuresTo(reports::add, Duration.ofMillis(100));
      Thread worker = new Thread(() -> registrar.registerWithRetries(Duration.ofSeconds(40)));
      worker.start();
      // The replica comes up only after the registrar has already failed twice.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (registrar.attempts() < 2 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(registrar.attempts()).isGreaterThanOrEqualTo(2);
      try (DirectoryServer server = DirectoryServer.start(endpoint, pki.verifier, null)) {
        worker.join(TimeUnit.SECONDS.toMillis(40));
        assertThat(worker.isAlive()).isFalse();
        assertThat(server.registrations()).hasSize(1);
        assertThat(server.registrations().get(0).registration().service()).isEqualTo("bodhi.app01");
      }
    }
    assertThat(reports).isEmpty();
  }

  @Test
  void replicaNeverAnswers_oneFailureReportedAfterTheRetries() throws Exception {
    String endpoint = "tcp://127.0.0.1:" + freePort();
    List<String> reports = new CopyOnWriteArrayList<>();
    try (DirectoryClient client = new DirectoryClient(List.of(endpoint), Optional.empty(), Duration.ofMillis(200),
        "registrar")) {
      DirectoryRegistrar registrar = registrar(client);
      registrar.reportFailuresTo(reports::add, Duration.ofMillis(50));
      registrar.registerWithRetries(Duration.ofSeconds(2));
      assertThat(registrar.attempts()).isGreaterThan(1);
      assertThat(reports).singleElement().asString()
          .startsWith("No directory replica took the registration of bodhi.app01 after ");
    }
  }
}
