package org.fedmsg.bench;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
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
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Raw signature primitives per algorithm on the JDK and Bouncy Castle providers (to choose the
 * provider), beside the crypto module's {@link Signer#sign} and {@link TrustStore#verify} with a
 * warm certificate cache, on a 512-byte message.
 *
 * <p>Run: {@code mvn -B -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * CryptoPrimitives -f 1 -wi 2 -i 3} (or this class's {@code main}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CryptoPrimitivesBenchmark {
  static final int MESSAGE_BYTES = 512;

  /** The algorithms measured, with their key type and JCA names on each provider. */
  public enum Alg {
    RSA1024_SHA1(KeyType.RSA_1024, SignatureAlgorithm.RSA_SHA1, "SHA1withRSA", "SHA1withRSA"),
    RSA2048_SHA256(KeyType.RSA_2048, SignatureAlgorithm.RSA_SHA256, "SHA256withRSA", "SHA256withRSA"),
    P256(KeyType.EC_P256, SignatureAlgorithm.ECDSA_P256_SHA256, "SHA256withECDSAinP1363Format", "SHA256withPLAIN-ECDSA"),
    ED25519(KeyType.ED25519, SignatureAlgorithm.ED25519, "Ed25519", "Ed25519");

    final KeyType keyType;
    final SignatureAlgorithm algorithm;
    final String jdkName;
    final String bcName;

    Alg(KeyType keyType, SignatureAlgorithm algorithm, String jdkName, String bcName) {
      this.keyType = keyType;
      this.algorithm = algorithm;
      this.jdkName = jdkName;
      this.bcName = bcName;
    }
  }

  static byte[] message() {
    byte[] data = new byte[MESSAGE_BYTES];
    new Random(42).nextBytes(data);
    return data;
  }

  /** A raw JCA signature object per provider. */
  @State(Scope.Thread)
  public static class Raw {
    @Param({"RSA1024_SHA1", "RSA2048_SHA256", "P256", "ED25519"})
    public Alg alg;

    @Param({"JDK", "BC"})
    public String provider;

    Signature signing;
    Signature verifying;
    PublicKey publicKey;
    byte[] data;
    byte[] signature;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      TestPki.Issued leaf = TestPki.rootCa("bench-ca").build().issue("bench").keyType(alg.keyType).build();
      PrivateKey priv = leaf.privateKey();
      PublicKey pub = leaf.certificate().getPublicKey();
      if (provider.equals("BC")) {
        Provider bc = new BouncyCastleProvider();
        String keyAlg = alg.keyType == KeyType.ED25519 ? "Ed25519" : alg.keyType == KeyType.EC_P256 ? "EC" : "RSA";
        KeyFactory kf = KeyFactory.getInstance(keyAlg, bc);
        priv = kf.generatePrivate(new PKCS8EncodedKeySpec(priv.getEncoded()));
        pub = kf.generatePublic(new X509EncodedKeySpec(pub.getEncoded()));
        signing = Signature.getInstance(alg.bcName, bc);
        verifying = Signature.getInstance(alg.bcName, bc);
      } else {
        signing = Signature.getInstance(alg.jdkName);
        verifying = Signature.getInstance(alg.jdkName);
      }
      signing.initSign(priv);
      publicKey = pub;
      data = message();
      signing.update(data);
      signature = signing.sign();
    }
  }

  /** The crypto module's signer and trust store, cache warmed. */
  @State(Scope.Thread)
  public static class Module {
    @Param({"RSA1024_SHA1", "RSA2048_SHA256", "P256", "ED25519"})
    public Alg alg;

    Signer signer;
    TrustStore store;
    List<X509Certificate> chain;
    Profile profile;
    byte[] data;
    byte[] signature;
    Instant at;

    @Setup(Level.Trial)
    public void setUp() {
      TestPki.Issued ca = TestPki.rootCa("bench-ca").build();
      TestPki.Issued leaf = ca.issue("bench").keyType(alg.keyType).build();
      signer = Signer.of(leaf.privateKey(), leaf.chain());
      chain = leaf.chain();
      store = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate()))
          .crls(List.of(ca.crl().build())).backgroundRefresh(false).build());
      profile = alg == Alg.RSA1024_SHA1 ? Profile.LEGACY : Profile.STRONG;
      data = message();
      signature = sign(this);
      at = Instant.now();
      VerificationResult warm = store.verify(chain, alg.algorithm, data, signature, at, profile);
      if (!warm.isValid()) {
        throw new IllegalStateException("benchmark setup does not verify: " + warm);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      store.close();
    }
  }

  static byte[] sign(Module m) {
    return m.alg == Alg.RSA1024_SHA1 ? m.signer.signRsaSha1(m.data) : m.signer.sign(m.data);
  }

  @Benchmark
  public byte[] rawSign(Raw s) throws Exception {
    s.signing.update(s.data);
    return s.signing.sign();
  }

  @Benchmark
  public boolean rawVerify(Raw s) throws Exception {
    s.verifying.initVerify(s.publicKey);
    s.verifying.update(s.data);
    return s.verifying.verify(s.signature);
  }

  @Benchmark
  public byte[] signerSign(Module m) {
    return sign(m);
  }

  @Benchmark
  public VerificationResult trustStoreVerify(Module m) {
    return m.store.verify(m.chain, m.alg.algorithm, m.data, m.signature, m.at, m.profile);
  }

  /** Runs this benchmark class with the annotations' settings. */
  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(CryptoPrimitivesBenchmark.class.getSimpleName()).build()).run();
  }
}
