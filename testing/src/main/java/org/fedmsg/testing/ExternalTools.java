package org.fedmsg.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place where tests find the external programs they drive (dnsmasq, openssl, python3 with zmq).
 *
 * <p>A developer who lacks a tool sees the tests that need it skipped (a JUnit assumption), so the rest of
 * the build still runs. CI sets the environment variable {@value #SWITCH}{@code =1} (see {@code .ci/run}):
 * there a missing tool fails the test instead, so a broken CI image cannot make interoperability tests
 * silently disappear.
 */
public final class ExternalTools {

  /** Environment variable; {@code 1} or {@code true} makes a missing tool a test failure. */
  public static final String SWITCH = "FEDMSG_REQUIRE_TOOLS";

  private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin");

  private ExternalTools() {}

  /** Whether this run demands every external tool ({@value #SWITCH} set). */
  public static boolean required() {
    String v = System.getenv(SWITCH);
    return v != null && (v.equals("1") || v.toLowerCase(Locale.ROOT).equals("true"));
  }

  /** The dnsmasq binary (Debian package dnsmasq-base). */
  public static Path dnsmasq() {
    return require("dnsmasq", "apt-get install -y dnsmasq-base");
  }

  /** The openssl binary. */
  public static Path openssl() {
    return require("openssl", "apt-get install -y openssl");
  }

  /**
   * The systemd-analyze binary (Debian package systemd). Its {@code verify} works without a
   * running systemd, so it checks unit files in containers too.
   */
  public static Path systemdAnalyze() {
    return require("systemd-analyze", "apt-get install -y systemd");
  }

  /** A python3 whose zmq module has CURVE (Debian package python3-zmq). */
  public static Path python3WithZmqCurve() {
    // the system python first: Debian's python3-zmq is installed for it, while a python3 earlier on
    // the PATH (pyenv, a virtualenv) may lack the module
    Optional<Path> found = java.util.stream.Stream.concat(
            java.util.stream.Stream.of(Path.of("/usr/bin/python3")).filter(Files::isExecutable),
            find("python3").stream())
        .filter(p -> probe(p, "-c", "import zmq, sys; sys.exit(0 if zmq.has('curve') else 1)")).findFirst();
    return require("python3 with zmq and CURVE", found, "apt-get install -y python3-zmq", required());
  }

  /**
   * A python3 with zmq and the cryptography package (Debian packages python3-zmq and
   * python3-cryptography): a fedmsg/1 peer that signs and verifies as the reference does.
   */
  public static Path python3WithZmqAndCryptography() {
    Optional<Path> found = java.util.stream.Stream.concat(
            java.util.stream.Stream.of(Path.of("/usr/bin/python3")).filter(Files::isExecutable),
            find("python3").stream())
        .filter(p -> probe(p, "-c", "import zmq, cryptography.x509")).findFirst();
    return require("python3 with zmq and cryptography", found, "apt-get install -y python3-zmq python3-cryptography",
        required());
  }

  /** A python3 with the pika AMQP client (Debian package python3-pika): an AMQP client independent of ours. */
  public static Path python3WithPika() {
    Optional<Path> found = java.util.stream.Stream.concat(
            java.util.stream.Stream.of(Path.of("/usr/bin/python3")).filter(Files::isExecutable),
            find("python3").stream())
        .filter(p -> probe(p, "-c", "import pika")).findFirst();
    return require("python3 with pika", found, "apt-get install -y python3-pika", required());
  }

  /**
   * An executable named {@code tool} on the {@code PATH} or in the system directories; without one the
   * calling test is skipped, or fails under {@value #SWITCH}.
   */
  public static Path require(String tool, String installHint) {
    return require(tool, find(tool), installHint, required());
  }

  static Path require(String tool, Optional<Path> found, String installHint, boolean strict) {
    if (found.isPresent()) {
      return found.get();
    }
    String message = tool + " is not installed (" + installHint + ")";
    if (strict) {
      throw new AssertionError(message + "; " + SWITCH + " is set, so a missing tool fails the build");
    }
    Assumptions.assumeTrue(false, message + "; tests that need it are skipped");
    throw new AssertionError("unreachable");
  }

  /** The first executable file named {@code tool} on the {@code PATH} or in the system directories. */
  static Optional<Path> find(String tool) {
    if (tool.contains("/") || tool.contains(File.separator)) {
      return Optional.empty();
    }
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(SYSTEM_DIRS);
    return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool))
        .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
  }

  private static boolean probe(Path program, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(program.toString());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
