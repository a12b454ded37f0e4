package org.fedmsg.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real RabbitMQ broker (Debian's {@code rabbitmq-server}) for tests: its own node name, Erlang cookie,
 * epmd port, data, log and configuration directories under the directory the test gives, a plain AMQP
 * listener and a TLS listener with client-certificate (EXTERNAL) login, both on loopback. Never the
 * system service. Start-up takes a few seconds: start one per test class.
 *
 * <p>Without the broker installed the calling test is skipped, or fails under
 * {@value ExternalTools#SWITCH} (see {@link ExternalTools}).
 */
public final class RabbitMq implements AutoCloseable {
  /** The plain listener's user (password {@value #PASSWORD}); loopback only. */
  public static final String USER = "fedmsg-test";
  /** The password of {@link #USER}. */
  public static final String PASSWORD = "fedmsg-test-secret";

  private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");

  private final Path dir;
  private final int amqpPort;
  private final int amqpsPort;
  private final int epmdPort;
  private final int distPort;
  private final String nodeName;
  private Process epmd;
  private Process broker;
  private int generation;

  private RabbitMq(Path dir) throws IOException {
    this.dir = dir.toAbsolutePath();
    this.amqpPort = freePort();
    this.amqpsPort = freePort();
    this.epmdPort = freePort();
    this.distPort = freePort();
    this.nodeName = "fedmsgtest" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)) + "@localhost";
  }

  /** The broker program; skips (or fails under {@value ExternalTools#SWITCH}) when RabbitMQ is missing. */
  public static Path server() {
    return ExternalTools.require("rabbitmq-server",
        java.util.Optional.of(SERVER).filter(Files::isExecutable),
        "apt-get install -y rabbitmq-server", ExternalTools.required());
  }

  /**
   * Starts a broker.
   *
   * @param dir its own directory (created), e.g. under {@code target/}
   * @param caPem the CA bundle that client certificates must chain to
   * @param serverCertPem the TLS listener's certificate (PEM)
   * @param serverKeyPem its private key (PKCS#8 PEM)
   * @param externalUsers common names allowed to log in with a client certificate (EXTERNAL), with
   *     full permissions on the default virtual host
   */
  public static RabbitMq start(Path dir, Path caPem, Path serverCertPem, Path serverKeyPem, List<String> externalUsers)
      throws Exception {
    server();
    Files.createDirectories(dir);
    for (int attempt = 1; ; attempt++) {
      RabbitMq r = new RabbitMq(dir);
      r.configure(caPem, serverCertPem, serverKeyPem, externalUsers);
      try {
        r.launch();
        return r;
      } catch (IllegalStateException e) {
        r.close();
        // a port found free was taken before the broker bound it (a shared machine): new ports
        if (attempt >= 3 || !Files.readString(dir.resolve("server.out")).contains("eaddrinuse")) {
          throw e;
        }
      }
    }
  }

  public int amqpPort() {
    return amqpPort;
  }

  public int amqpsPort() {
    return amqpsPort;
  }

  /** {@code amqp://user:password@127.0.0.1:port/%2F}. */
  public String amqpUri() {
    return "amqp://" + USER + ":" + PASSWORD + "@127.0.0.1:" + amqpPort + "/%2F";
  }

  private void configure(Path caPem, Path cert, Path key, List<String> externalUsers) throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path cookie = home.resolve(".erlang.cookie");
    Files.deleteIfExists(cookie);
    Files.writeString(cookie, HexFormat.of().formatHex(new SecureRandom().generateSeed(16)));
    Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
    StringBuilder users = new StringBuilder();
    StringBuilder perms = new StringBuilder();
    List<String> names = new ArrayList<>(externalUsers);
    names.add(USER);
    for (String name : names) {
      // EXTERNAL users get a password hash of random bytes: no password logs them in.
      String password = name.equals(USER) ? PASSWORD : HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
      users.append(users.length() == 0 ? "" : ",").append("{\"name\":").append(json(name))
          .append(",\"password_hash\":").append(json(passwordHash(password)))
          .append(",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":\"\"}");
      perms.append(perms.length() == 0 ? "" : ",").append("{\"user\":").append(json(name))
          .append(",\"vhost\":\"/\",\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
    }
    Path definitions = dir.resolve("definitions.json");
    Files.writeString(definitions, "{\"vhosts\":[{\"name\":\"/\"}],\"users\":[" + users + "],\"permissions\":["
        + perms + "]}");
    Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n",
        "listeners.tcp.1 = 127.0.0.1:" + amqpPort,
        "listeners.ssl.1 = 127.0.0.1:" + amqpsPort,
        "ssl_options.cacertfile = " + caPem.toAbsolutePath(),
        "ssl_options.certfile = " + cert.toAbsolutePath(),
        "ssl_options.keyfile = " + key.toAbsolutePath(),
        "ssl_options.verify = verify_peer",
        "ssl_options.fail_if_no_peer_cert = true",
        "auth_mechanisms.1 = PLAIN",
        "auth_mechanisms.2 = EXTERNAL",
        "ssl_cert_login_from = common_name",
        "load_definitions = " + definitions,
        "log.file.level = info",
        "log.console = false",
        // a test machine's disk may be nearly full; the broker must not block publishers for it
        "disk_free_limit.absolute = 1MB",
        "") );
    Files.writeString(dir.resolve("advanced.config"), "[].\n");
    Files.writeString(dir.resolve("enabled_plugins"), "[rabbitmq_auth_mechanism_ssl].\n");
  }

  private void launch() throws Exception {
    generation++;
    if (epmd == null || !epmd.isAlive()) {
      // our own epmd in the foreground, so that closing the test leaves no daemon behind
      epmd = new ProcessBuilder("epmd", "-port", String.valueOf(epmdPort), "-address", "127.0.0.1")
          .redirectErrorStream(true).redirectOutput(dir.resolve("epmd.log").toFile()).start();
    }
    ProcessBuilder pb = new ProcessBuilder(SERVER.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.out").toFile()));
    Map<String, String> env = pb.environment();
    env.put("HOME", dir.resolve("home").toString());
    env.put("ERL_EPMD_PORT", String.valueOf(epmdPort));
    env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
    env.put("RABBITMQ_NODENAME", nodeName);
    env.put("RABBITMQ_USE_LONGNAME", "false");
    env.put("RABBITMQ_DIST_PORT", String.valueOf(distPort));
    env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
    env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
    env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
    env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
    env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
    env.put("RABBITMQ_PLUGINS_EXPAND_DIR", dir.resolve("plugins-expand").toString());
    env.put("RABBITMQ_PID_FILE", dir.resolve("rabbitmq.pid").toString());
    env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-start_epmd false");
    env.remove("RABBITMQ_ALLOW_INPUT");
    broker = pb.start();
    awaitReady();
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!broker.isAlive()) {
        throw new IllegalStateException("rabbitmq-server exited with " + broker.exitValue() + ": " + tail());
      }
      if (speaksAmqp()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("rabbitmq-server did not start within 90 s: " + tail());
  }

  /** Whether the plain listener answers the AMQP 0-9-1 protocol header with a method frame. */
  private boolean speaksAmqp() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), amqpPort), 500);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
      out.flush();
      InputStream in = s.getInputStream();
      return in.read() == 1;
    } catch (IOException e) {
      return false;
    }
  }

  private String tail() {
    try {
      String out = Files.readString(dir.resolve("server.out"));
      return out.length() > 4000 ? out.substring(out.length() - 4000) : out;
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /**
   * Kills the broker at once (SIGKILL to the Erlang VM: no orderly shutdown), as an outage. Its data
   * stays; {@link #restart()} brings it back on the same ports.
   */
  public void kill() throws InterruptedException {
    if (broker == null) {
      return;
    }
    List<ProcessHandle> all = new ArrayList<>(broker.descendants().toList());
    all.forEach(ProcessHandle::destroyForcibly);
    broker.destroyForcibly();
    broker.waitFor(10, TimeUnit.SECONDS);
    for (ProcessHandle h : all) {
      h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> h).join();
    }
    broker = null;
  }

  /** Starts the broker again with the same node, ports and data after {@link #kill()}. */
  public void restart() throws Exception {
    if (broker != null) {
      throw new IllegalStateException("the broker is running");
    }
    launch();
  }

  @Override
  public void close() throws InterruptedException {
    if (broker != null) {
      List<ProcessHandle> all = new ArrayList<>(broker.descendants().toList());
      broker.destroy();
      if (!broker.waitFor(30, TimeUnit.SECONDS)) {
        all.forEach(ProcessHandle::destroyForcibly);
        broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
      broker = null;
    }
    if (epmd != null) {
      epmd.destroy();
      if (!epmd.waitFor(5, TimeUnit.SECONDS)) {
        epmd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      epmd = null;
    }
  }

  /** RabbitMQ's {@code rabbit_password_hashing_sha256}: base64(salt ‖ SHA-256(salt ‖ password)). */
  static String passwordHash(String password) throws Exception {
    byte[] salt = new SecureRandom().generateSeed(4);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(salt);
    md.update(password.getBytes(StandardCharsets.UTF_8));
    byte[] digest = md.digest();
    byte[] all = new byte[salt.length + digest.length];
    System.arraycopy(salt, 0, all, 0, salt.length);
    System.arraycopy(digest, 0, all, salt.length, digest.length);
    return Base64.getEncoder().encodeToString(all);
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /**
   * A free loopback port below Linux's ephemeral range (32768 and up), so that the kernel does not hand it
   * to an outgoing connection between this check and the broker's bind.
   */
  private static int freePort() throws IOException {
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < 50; i++) {
      int port = 20_000 + random.nextInt(12_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException e) {
        // taken: try another
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
