package org.fedmsg.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.fedmsg.crypto.Pem;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;
import org.fedmsg.wire.MessageVerifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-message signing and verification in each wire format, beside the raw signature primitive
 * (the same key, provider and signed bytes) in the same run:
 *
 * <ul>
 *   <li>{@code sign}: fedmsg/1 {@link Fedmsg1#signToWire} (copy, canonical JSON, RSA-SHA1, base64,
 *       canonical JSON of the signed dict); fedmsg/2 {@link Fedmsg2#encode} (canonical JSON once,
 *       signed bytes, signature, signature frame);
 *   <li>{@code verify}: {@link MessageVerifier#check} on the frames as received (parse, for
 *       fedmsg/1 re-canonicalisation, certificate cache hit, signature check, topic check), as of
 *       now so that the same message can be checked repeatedly (no replay cache);
 *   <li>{@code rawSign} / {@code rawVerify}: a JCA {@link Signature} initialised once, on the same
 *       bytes.
 * </ul>
 *
 * Targets: verify ≥ 0.8 × rawVerify, sign ≥ 0.9 × rawSign. fedmsg/1 uses the reference fixture
 * key (1024-bit RSA) and CA; fedmsg/2 a CA built in code.
 *
 * <p>Run: {@code mvn -B -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * MessageSigning -f 1 -wi 2 -i 3}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class MessageSigningBenchmark {

  /** The format and key measured. */
  public enum Case {
    FEDMSG1_RSA1024, FEDMSG2_RSA2048, FEDMSG2_P256, FEDMSG2_ED25519
  }

  /** One signer, one message, one verifier with a warm certificate cache. */
  @State(Scope.Thread)
  public static class Setting {
    @Param({"FEDMSG1_RSA1024", "FEDMSG2_RSA2048", "FEDMSG2_P256", "FEDMSG2_ED25519"})
    public Case format;

    Signer signer;
    TrustStore store;
    MessageVerifier verifier;
    String topic = "org.fedoraproject.prod.buildsys.build.state.change";
    ObjectNode unsigned;
    List<byte[]> frames;
    com.fasterxml.jackson.databind.JsonNode parsedBody;
    byte[] signedBytes;
    byte[] signature;
    Signature rawSigner;
    Signature rawVerifier;
    Path tmp;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      unsigned = JsonNodeFactory.instance.objectNode();
      unsigned.put("topic", topic).put("timestamp", 1_700_000_000L)
          .put("msg_id", "2026-0f8e2d7c-5b1a-4c3e-9d2f-6a7b8c9d0e1f").put("i", 1).put("username", "koji");
      ObjectNode msg = unsigned.putObject("msg");
      msg.put("build_id", 2_345_678).put("name", "python-requests").put("version", "2.31.0")
          .put("release", "3.fc40").put("owner", "packager").put("instance", "primary").put("new", 1).put("old", 0)
          .put("attribute", "state").put("request", "git+https://src.fedoraproject.org/rpms/python-requests.git#abc");
      String jca;
      PublicKey pub;
      Provider provider = null;
      if (format == Case.FEDMSG1_RSA1024) {
        tmp = Files.createTempDirectory("fedmsg-bench");
        Fixtures.copyTestCerts(tmp);
        signer = Signer.load(tmp, "shell-app01.phx2.fedoraproject.org");
        store = TrustStore.create(TrustOptions.builder().ca(tmp.resolve("ca.crt")).crl(tmp.resolve("crl.pem"))
            .backgroundRefresh(false).build());
        byte[] body = Fedmsg1.signToWire(unsigned, signer);
        frames = List.of(topic.getBytes(StandardCharsets.UTF_8), body);
        ObjectNode signed = Fedmsg1.sign(unsigned, signer);
        signedBytes = CanonicalJson.encodeWithout(signed, java.util.Set.of("signature", "certificate"));
        signature = Pem.base64DecodeLenient(signed.get("signature").textValue());
        jca = "SHA1withRSA";
        pub = signer.certificate().getPublicKey();
        rawSigner = Signature.getInstance(jca);
        rawSigner.initSign(Pem.readPrivateKey(tmp.resolve("shell-app01.phx2.fedoraproject.org.key"), null));
      } else {
        KeyType kt = format == Case.FEDMSG2_RSA2048 ? KeyType.RSA_2048
            : format == Case.FEDMSG2_P256 ? KeyType.EC_P256 : KeyType.ED25519;
        TestPki.Issued ca = TestPki.rootCa("bench-ca").build();
        TestPki.Issued leaf = ca.issue("bench-svc").keyType(kt).build();
        signer = Signer.of(leaf.privateKey(), leaf.chain());
        store = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
            .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
        Fedmsg2.Stamper.start().stamp(unsigned);
        byte[][] f = Fedmsg2.encode(topic, unsigned, signer);
        frames = List.of(f);
        byte[] name = signer.algorithm().wireName().getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(9 + 1 + name.length + 4 + f[0].length + 4 + f[1].length);
        b.put("fedmsg/2\0".getBytes(StandardCharsets.US_ASCII)).put((byte) name.length).put(name)
            .putInt(f[0].length).put(f[0]).putInt(f[1].length).put(f[1]);
        signedBytes = b.array();
        signature = signer.sign(signedBytes);
        jca = kt == KeyType.RSA_2048 ? "SHA256withRSA" : kt == KeyType.EC_P256 ? "SHA256withPLAIN-ECDSA" : "Ed25519";
        PrivateKey priv = leaf.privateKey();
        pub = leaf.certificate().getPublicKey();
        if (kt != KeyType.RSA_2048) {
          // the crypto module computes ECDSA and Ed25519 with Bouncy Castle: so does the raw primitive
          provider = new BouncyCastleProvider();
          String keyAlg = kt == KeyType.ED25519 ? "Ed25519" : "EC";
          KeyFactory kf = KeyFactory.getInstance(keyAlg, provider);
          priv = kf.generatePrivate(new PKCS8EncodedKeySpec(priv.getEncoded()));
          pub = kf.generatePublic(new X509EncodedKeySpec(pub.getEncoded()));
        }
        rawSigner = provider == null ? Signature.getInstance(jca) : Signature.getInstance(jca, provider);
        rawSigner.initSign(priv);
      }
      rawVerifier = provider == null ? Signature.getInstance(jca) : Signature.getInstance(jca, provider);
      rawVerifier.initVerify(pub);
      verifier = MessageVerifier.builder().trust(store).asOf(Instant.now()).build();
      parsedBody = CanonicalJson.parse(frames.get(1));
      MessageVerifier.Verdict warm = verifier.check(frames);
      if (!warm.result().isValid()) {
        throw new IllegalStateException("benchmark message does not verify: " + warm.result());
      }
      rawVerifier.update(signedBytes);
      if (!rawVerifier.verify(signature)) {
        throw new IllegalStateException("raw signature does not verify");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      store.close();
    }
  }

  /** Sign one message in its wire format. */
  @Benchmark
  public Object sign(Setting s) {
    if (s.format == Case.FEDMSG1_RSA1024) {
      return Fedmsg1.signToWire(s.unsigned, s.signer);
    }
    return Fedmsg2.encode(s.topic, s.unsigned, s.signer);
  }

  /** Verify one received message (frames) with a warm certificate cache. */
  @Benchmark
  public Object verify(Setting s) {
    return s.verifier.check(s.frames);
  }

  /**
   * fedmsg/1: verify a body the receiver has already parsed (it parses every body to deliver it,
   * verified or not): re-canonicalisation, certificate cache hit, signature, topic check. fedmsg/2
   * verifies the received bytes, so there it is the same as {@link #verify}.
   */
  @Benchmark
  public Object verifyParsed(Setting s) {
    if (s.format == Case.FEDMSG1_RSA1024) {
      return s.verifier.verify(s.topic, s.parsedBody);
    }
    return s.verifier.check(s.frames);
  }

  /** The raw signature primitive on the same signed bytes. */
  @Benchmark
  public byte[] rawSign(Setting s) throws Exception {
    s.rawSigner.update(s.signedBytes);
    return s.rawSigner.sign();
  }

  /** The raw verification primitive on the same signed bytes and signature. */
  @Benchmark
  public boolean rawVerify(Setting s) throws Exception {
    s.rawVerifier.update(s.signedBytes);
    return s.rawVerifier.verify(s.signature);
  }
}
