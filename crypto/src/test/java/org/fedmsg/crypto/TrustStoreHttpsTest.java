package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.Issued;
import org.fedmsg.testing.TestPki.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** CA and CRL fetched over https from a real TLS server on loopback, and the state-directory copies. */
class TrustStoreHttpsTest {
  @TempDir Path dir;

  @Test
  @Timeout(60)
  void create_httpsSources_fetchesKeepsCopiesAndUsesThemWhenServerIsGone() throws Exception {
    Issued ca = TestPki.rootCa("fedmsg").build();
    Issued revoked = ca.issue("revoked").keyType(KeyType.ED25519).build();
    Issued good = ca.issue("good").keyType(KeyType.ED25519).build();
    Issued tlsCa = TestPki.rootCa("tls-ca").build();
    Issued server = tlsCa.issue("localhost").build();
    Map<String, String> files = new ConcurrentHashMap<>(Map.of(
        "/ca.crt", TestPki.pem(ca.certificate()), "/crl.pem", TestPki.pem(ca.crl().revoke(revoked).build())));

    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext(server)));
    https.createContext("/", ex -> {
      String body = files.get(ex.getRequestURI().getPath());
      byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.US_ASCII);
      ex.sendResponseHeaders(body == null ? 404 : 200, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    });
    https.start();
    String base = "https://localhost:" + https.getAddress().getPort();
    Path state = dir.resolve("state");
    TrustOptions opts = TrustOptions.builder().ca(base + "/ca.crt").crl(base + "/crl.pem").stateDirectory(state)
        .httpClient(HttpClient.newBuilder().sslContext(clientContext(tlsCa)).build()).backgroundRefresh(false).build();
    try {
      try (TrustStore store = TrustStore.create(opts)) {
        assertThat(reason(store, revoked)).isEqualTo(Reason.CERT_REVOKED);
        assertThat(reason(store, good)).isNull();
      }
      try (var listing = Files.list(state)) {
        assertThat(listing.count()).isEqualTo(2);
      }
    } finally {
      https.stop(0);
    }

    try (TrustStore offline = TrustStore.create(opts)) {
      assertThat(reason(offline, revoked)).isEqualTo(Reason.CERT_REVOKED);
      assertThat(reason(offline, good)).isNull();
    }
  }

  @Test
  @Timeout(60)
  void refresh_forgedCrlServed_refusedAndStateCopyKeepsTheGoodOne() throws Exception {
    Issued ca = TestPki.rootCa("fedmsg").build();
    Issued rogue = TestPki.rootCa("fedmsg").build();
    Issued revoked = ca.issue("revoked").keyType(KeyType.ED25519).build();
    Issued good = ca.issue("good").keyType(KeyType.ED25519).build();
    Issued tlsCa = TestPki.rootCa("tls-ca").build();
    Issued server = tlsCa.issue("localhost").build();
    Map<String, String> files = new ConcurrentHashMap<>(Map.of(
        "/ca.crt", TestPki.pem(ca.certificate()), "/crl.pem", TestPki.pem(ca.crl().revoke(revoked).build())));
    HttpsServer https = serve(server, files);
    String base = "https://localhost:" + https.getAddress().getPort();
    org.fedmsg.testing.TestClock clock = new org.fedmsg.testing.TestClock(Instant.now());
    TrustOptions opts = TrustOptions.builder().ca(base + "/ca.crt").crl(base + "/crl.pem")
        .stateDirectory(dir.resolve("state")).clock(clock)
        .httpClient(HttpClient.newBuilder().sslContext(clientContext(tlsCa)).build()).backgroundRefresh(false).build();
    try (TrustStore store = TrustStore.create(opts)) {
      files.put("/crl.pem", TestPki.pem(rogue.crl().build()));
      clock.advance(java.time.Duration.ofHours(2)); // the CRL URL is due again
      store.refresh();

      assertThat(store.crlStatus().refused()).isEqualTo(1);
      assertThat(reason(store, revoked)).isEqualTo(Reason.CERT_REVOKED);
      assertThat(reason(store, good)).isNull();
    } finally {
      https.stop(0);
    }

    try (TrustStore offline = TrustStore.create(opts)) { // server gone: the state copies are used
      assertThat(offline.crlStatus().refused()).isZero();
      assertThat(reason(offline, revoked)).isEqualTo(Reason.CERT_REVOKED);
      assertThat(reason(offline, good)).isNull();
    }
  }

  private static HttpsServer serve(Issued server, Map<String, String> files) throws Exception {
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext(server)));
    https.createContext("/", ex -> {
      String body = files.get(ex.getRequestURI().getPath());
      byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.US_ASCII);
      ex.sendResponseHeaders(body == null ? 404 : 200, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    });
    https.start();
    return https;
  }

  private static Reason reason(TrustStore store, Issued leaf) {
    VerificationResult r = store.verifyChain(leaf.chain(), Instant.now(), Profile.STRONG);
    return r instanceof VerificationResult.Invalid ? ((VerificationResult.Invalid) r).reason() : null;
  }

  private static SSLContext serverContext(Issued server) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", server.privateKey(), new char[0], server.chain().toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  private static SSLContext clientContext(Issued tlsCa) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", tlsCa.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

}
