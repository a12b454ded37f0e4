package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.certs.CertificateAuthorityTest.assertReason;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZConfig;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

class CurveKeysTest {
  @TempDir Path tmp;

  private CertificateAuthority caWithService() {
    CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ssl"), "CA", KeyType.EC_P256,
        Duration.ofDays(3650), null, false);
    ca.issue("bodhi", "app01", KeyType.EC_P256, Duration.ofDays(30), List.of(), false);
    return ca;
  }

  @Test
  void write_zplFilesReadableByJeromqWithSecret0600() throws Exception {
    CertificateAuthority ca = caWithService();
    CurveKeyFiles files = CurveKeys.write(ca.dir(), "bodhi-app01", false);

    assertThat(files.publicFile()).isEqualTo(ca.dir().resolve("bodhi-app01.curve"));
    assertThat(files.secretFile()).isEqualTo(ca.dir().resolve("bodhi-app01.curve_secret"));
    assertThat(CertsRun.mode(files.secretFile())).isEqualTo("rw-------");
    ZConfig pub = ZConfig.load(files.publicFile().toString());
    ZConfig sec = ZConfig.load(files.secretFile().toString());
    assertThat(pub.getValue("curve/public-key")).isEqualTo(files.publicKey());
    assertThat(pub.getValue("curve/secret-key")).isNull();
    assertThat(pub.getValue("metadata/name")).isEqualTo("bodhi-app01");
    assertThat(sec.getValue("curve/public-key")).isEqualTo(files.publicKey());
    assertThat(ZMQ.Curve.z85Decode(sec.getValue("curve/secret-key"))).hasSize(32);
  }

  @Test
  @Timeout(30)
  void write_keysFromTheFiles_completeACurveHandshake() throws Exception {
    CertificateAuthority ca = caWithService();
    CurveKeyFiles server = CurveKeys.write(ca.dir(), "bodhi-app01", false);
    ZConfig serverSecret = ZConfig.load(server.secretFile().toString());
    ZMQ.Curve.KeyPair client = ZMQ.Curve.generateKeyPair();

    try (ZContext ctx = new ZContext()) {
      ZMQ.Socket pull = ctx.createSocket(SocketType.PULL);
      pull.setCurveServer(true);
      pull.setCurveSecretKey(serverSecret.getValue("curve/secret-key").getBytes(StandardCharsets.US_ASCII));
      pull.setReceiveTimeOut(10_000);
      pull.bind("tcp://127.0.0.1:*");
      String endpoint = pull.getLastEndpoint();

      ZMQ.Socket push = ctx.createSocket(SocketType.PUSH);
      push.setCurveServerKey(ZConfig.load(server.publicFile().toString()).getValue("curve/public-key")
          .getBytes(StandardCharsets.US_ASCII));
      push.setCurvePublicKey(client.publicKey.getBytes(StandardCharsets.US_ASCII));
      push.setCurveSecretKey(client.secretKey.getBytes(StandardCharsets.US_ASCII));
      push.connect(endpoint);
      push.send("hello");

      assertThat(pull.recvStr()).isEqualTo("hello");
    }
  }

  @Test
  void write_unknownCertnameOrExisting_refused() {
    CertificateAuthority ca = caWithService();
    assertReason(() -> CurveKeys.write(ca.dir(), "ghost-app01", false), CertsException.Reason.UNKNOWN_CERTNAME);
    CurveKeyFiles first = CurveKeys.write(ca.dir(), "bodhi-app01", false);
    assertReason(() -> CurveKeys.write(ca.dir(), "bodhi-app01", false), CertsException.Reason.ALREADY_EXISTS);
    assertThat(CurveKeys.write(ca.dir(), "bodhi-app01", true).publicKey()).isNotEqualTo(first.publicKey());
  }
}
