package org.fedmsg.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, from the Debian {@code postgresql} package's binaries
 * ({@code /usr/lib/postgresql/<version>/bin}): its own data directory (under the test's directory),
 * a free loopback TCP port, the unix socket inside the data directory, trust authentication for
 * user {@code postgres}. No system service is used. Without the binaries the test is skipped, or
 * fails under {@value ExternalTools#SWITCH} (see {@link ExternalTools}).
 *
 * <p>initdb refuses to run as root; as root the server runs as the {@code postgres} account
 * (created by the Debian package) through {@code runuser}, and the data directory is given to it.
 */
public final class PostgresServer implements AutoCloseable {
  private final Path bin;
  private final Path data;
  private final int port;
  private final boolean asPostgres;

  private PostgresServer(Path bin, Path data, int port, boolean asPostgres) {
    this.bin = bin;
    this.data = data;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  /** The directory holding initdb, pg_ctl and psql of the newest installed PostgreSQL. */
  static Optional<Path> binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(p -> versionOf(p.getParent().getFileName().toString())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int versionOf(String name) {
    try {
      return Integer.parseInt(name.replaceAll("\\..*", ""));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Creates a cluster in {@code dir}/data and starts it on a free loopback port.
   *
   * @param dir a directory of the test's own (e.g. under {@code target/})
   */
  public static PostgresServer start(Path dir) throws IOException, InterruptedException {
    Path bin = ExternalTools.require("PostgreSQL (initdb, pg_ctl)", binaries(), "apt-get install -y postgresql",
        ExternalTools.required());
    boolean root = "root".equals(System.getProperty("user.name"));
    Files.createDirectories(dir);
    if (root) {
      // the postgres account must reach and own its data directory
      run(List.of("chown", "-R", "postgres:postgres", dir.toAbsolutePath().toString()), null);
      if (!reachableByPostgres(dir)) {
        // a checkout under a private home (/root is 0700): use a directory of its own in /tmp
        dir = Files.createTempDirectory("fedmsg-pg-");
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), null);
      }
    }
    Path data = dir.toAbsolutePath().resolve("pgdata");
    PostgresServer server = new PostgresServer(bin, data, freePort(), root);
    server.pg(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
        "-E", "UTF8", "--no-sync", "--locale=C"));
    server.startAgain();
    return server;
  }

  private static boolean reachableByPostgres(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("runuser", "-u", "postgres", "--", "test", "-w",
        dir.toAbsolutePath().toString()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  /** Starts the (stopped) server again on the same port and data directory. */
  public void startAgain() throws IOException, InterruptedException {
    pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolveSibling("postgres.log").toString(),
        "-w", "-t", "60", "-o", "-p " + port + " -h 127.0.0.1 -k " + data + " -c fsync=off -c full_page_writes=off", "start"));
  }

  /** Stops the server (fast shutdown: connections are cut), e.g. to test an outage. */
  public void stop() throws IOException, InterruptedException {
    pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"));
  }

  /** Creates an empty database and returns its JDBC URL (user {@code postgres}, no password). */
  public String createDatabase(String name) throws IOException, InterruptedException {
    if (!name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("database name: lower-case letters, digits, _: " + name);
    }
    pg(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", "-d",
        "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE " + name));
    return jdbcUrl(name);
  }

  /** The JDBC URL of a database of this server. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (IOException | InterruptedException | RuntimeException e) {
      // already stopped, or the test is ending anyway
    }
  }

  private void pg(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    run(full, data.getParent());
  }

  private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): "
          + new String(out, StandardCharsets.UTF_8).strip());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
