package zmq;

import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** What the tests of fedmsg-jeromq's replaced JeroMQ classes compare with the untouched JeroMQ jar. */
public final class ReplacementChecks {
  private ReplacementChecks() {}

  /** The untouched JeroMQ jar Maven resolved ({@code stock.jeromq.jar}, set by the pom). */
  public static Path stockJar() {
    return Path.of(System.getProperty("stock.jeromq.jar", "stock.jeromq.jar not set: run through Maven"));
  }

  /** The SHA-256 of one entry of a jar, in hex. */
  public static String sha256(JarFile jar, String entry) throws Exception {
    try (InputStream in = jar.getInputStream(jar.getEntry(entry))) {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    }
  }

  /**
   * Modifiers, return type, name and parameters of every declared, non-synthetic constructor and
   * method of {@code c}; without the private ones unless {@code withPrivate}.
   */
  public static Set<String> signatures(Class<?> c, boolean withPrivate) {
    Set<String> out = new TreeSet<>();
    Stream.concat(Arrays.stream(c.getDeclaredMethods()), Arrays.stream(c.getDeclaredConstructors()))
        .filter(x -> !x.isSynthetic() && (withPrivate || !Modifier.isPrivate(x.getModifiers())))
        .forEach(x -> out.add(signature(x)));
    return out;
  }

  private static String signature(Executable x) {
    String ret = x instanceof Method m ? m.getReturnType().getTypeName() : "<init>";
    String params = Arrays.stream(x.getParameterTypes()).map(Class::getTypeName).toList().toString();
    String name = x instanceof Constructor<?> ? "<init>" : x.getName();
    return Modifier.toString(x.getModifiers()) + " " + ret + " " + name + params;
  }
}
