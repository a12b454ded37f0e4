package zmq.io.mechanism.curve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.zeromq.ZMQ;
import zmq.ReplacementChecks;

/**
 * Guards the replacement of JeroMQ's {@code Curve}: it is written against one JeroMQ release,
 * and these tests fail when the JeroMQ under it changes, so that a new JeroMQ is reviewed (does
 * the mechanism call {@code Curve} the same way? then record the new hash) before it runs on top
 * of this class. The untouched JeroMQ jar is the one Maven resolved ({@code stock.jeromq.jar}).
 */
class CurveReplacementTest {
  /** The JeroMQ release the replacement was written against, and its Curve.class. */
  private static final String REVIEWED_VERSION = "0.5.4";
  private static final String REVIEWED_CURVE_SHA256 = "6f4fb863aff289dc8f2834fa6644f3e6b7bf272f505825b457cdc2e87e37457b";

  private static JarFile stockJar;
  private static URLClassLoader stockLoader;

  @BeforeAll
  static void openStockJar() throws IOException {
    Path jar = ReplacementChecks.stockJar();
    assertThat(jar).isRegularFile();
    stockJar = new JarFile(jar.toFile());
    // only the JDK as parent: these classes are JeroMQ's own, not ours
    stockLoader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
  }

  @AfterAll
  static void close() throws IOException {
    stockLoader.close();
    stockJar.close();
  }

  @Test
  void jeromq_isTheReviewedRelease() throws Exception {
    assertThat(System.getProperty("stock.jeromq.version"))
        .as("jeromq.version changed: review zmq.io.mechanism.curve.Curve against the new JeroMQ")
        .isEqualTo(REVIEWED_VERSION);
    assertThat(ReplacementChecks.sha256(stockJar, "zmq/io/mechanism/curve/Curve.class"))
        .as("JeroMQ's Curve.class changed: review the replacement against it")
        .isEqualTo(REVIEWED_CURVE_SHA256);
  }

  @Test
  void replacement_declaresEveryMethodAndConstructorOfJeroMqsCurve() throws Exception {
    Class<?> stock = stockLoader.loadClass("zmq.io.mechanism.curve.Curve");
    assertThat(stock.getClassLoader()).isSameAs(stockLoader);
    assertThat(ReplacementChecks.signatures(Curve.class, true)).isEqualTo(ReplacementChecks.signatures(stock, true));
    assertThat(Modifier.toString(Curve.class.getModifiers())).isEqualTo(Modifier.toString(stock.getModifiers()));
  }

  @Test
  void replacement_sizesAreJeroMqsSizes() throws Exception {
    Class<?> stockSize = stockLoader.loadClass("zmq.io.mechanism.curve.Curve$Size");
    Method bytes = stockSize.getMethod("bytes");
    bytes.setAccessible(true);
    Object[] stockConstants = stockSize.getEnumConstants();
    assertThat(Curve.Size.values()).hasSameSizeAs(stockConstants);
    for (Object c : stockConstants) {
      Curve.Size ours = Curve.Size.valueOf(((Enum<?>) c).name());
      assertThat(ours.bytes()).as(ours.name()).isEqualTo(bytes.invoke(c));
    }
  }

  @Test
  void everyOtherJeroMqClass_isUnchanged() throws Exception {
    // read from where our Curve is (target/classes, or the fedmsg-jeromq jar), not through the
    // class path, on which the untouched JeroMQ jar also lies
    Path ours = Path.of(Curve.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(ours).isDirectory();
    int compared = 0;
    for (JarEntry e : stockJar.stream().toList()) {
      String name = e.getName();
      if (!name.endsWith(".class") || name.endsWith("module-info.class") // left out: see the pom
          || name.startsWith("zmq/io/mechanism/curve/Curve.")
          || name.startsWith("zmq/io/mechanism/curve/Curve$")
          || name.startsWith("zmq/Signaler.") || name.startsWith("zmq/Signaler$")) {  // SignalerReplacementTest
        continue;
      }
      Path copy = ours.resolve(name);
      assertThat(copy).as(name).isRegularFile();
      try (InputStream theirs = stockJar.getInputStream(e)) {
        assertThat(Arrays.equals(Files.readAllBytes(copy), theirs.readAllBytes())).as(name).isTrue();
      }
      compared++;
    }
    assertThat(compared).isGreaterThan(300);
  }

  @Test
  void jeromqsKeyPairApi_runsOnTheReplacement() {
    ZMQ.Curve.KeyPair pair = ZMQ.Curve.generateKeyPair();
    byte[] secret = ZMQ.Curve.z85Decode(pair.secretKey);
    byte[] expected = new byte[32];
    X25519.scalarMultBase(secret, 0, expected, 0);
    assertThat(ZMQ.Curve.z85Decode(pair.publicKey)).isEqualTo(expected);
    assertThat(Curve.class.getProtectionDomain().getCodeSource().getLocation().toString())
        .doesNotContain("jeromq-" + REVIEWED_VERSION + ".jar");
  }
}
