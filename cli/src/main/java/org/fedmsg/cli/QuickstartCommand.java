package org.fedmsg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import org.fedmsg.Bus;
import org.fedmsg.BusListener;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.Rejection;
import org.fedmsg.Relay;
import org.fedmsg.Subscription;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.fedmsg.certs.ThrowawayPki;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.crypto.Signer;
import org.fedmsg.policy.PolicyViolationException;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.Fedmsg1;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.fedmsg.config.FedmsgConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg quickstart}: a complete local bus with no set-up. Writes a throw-away
 * configuration under a state directory, starts a relay, a publisher and a tail on loopback,
 * shows messages flowing and exits (or keeps running with {@code --follow}).
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = {"Run a complete local bus on loopback: a relay, a publisher sending through it, and a",
        "tail printing what arrives. Writes its throw-away configuration under --state-dir."})
public final class QuickstartCommand implements Callable<Integer> {
  private static final String HOST = "quickstart";

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where the throw-away configuration goes (default: $XDG_STATE_HOME/fedmsg/quickstart, "
          + "i.e. ~/.local/state/fedmsg/quickstart).")
  Path stateDir;

  @Option(names = "--count", defaultValue = "5", description = "Messages to publish (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--follow", description = "Keep the relay running and keep publishing every 2 seconds until stopped.")
  boolean follow;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = stateDir != null ? stateDir : defaultStateDir();
    Files.createDirectories(dir.resolve("fedmsg.d"));
    // A fresh throw-away PKI each run, made by the fedmsg-certs code path.
    Path pkiDir = dir.resolve("pki");
    deleteTree(pkiDir);
    ThrowawayPki pki = ThrowawayPki.create(pkiDir, HOST, List.of("shell", "pkgdb", "bodhi", "relay"),
        org.fedmsg.certs.KeyType.RSA_2048, true);
    // CURVE on every hop: the relay's two sides are CURVE servers with the relay's key pair.
    String relayCertname = pki.certnames().get("relay." + HOST);
    org.fedmsg.crypto.CurveKeyPair relayCurve = org.fedmsg.crypto.CurveKeyPair.load(
        pki.ssldir().resolve(relayCertname + ".curve"), pki.ssldir().resolve(relayCertname + ".curve_secret"));
    out.println("quickstart: throw-away CA and service certificates in " + pki.ssldir());

    // 1. The relay binds ephemeral loopback ports; the config is written with the real ones.
    BusOptions relayOptions = BusOptions.builder()
        .endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
        .relayInbound("tcp://127.0.0.1:*")
        .validateSignatures(false)
        .curve(org.fedmsg.CurveOptions.builder().keyPair(relayCurve).build())
        .build();
    try (Relay relay = Relay.start(relayOptions)) {
      Path configFile = writeConfig(dir, relay, pki, relayCertname);
      FedmsgConfig config = ConfigLoader.builder().sources(List.of(configFile)).build().load();
      out.println("quickstart: configuration " + configFile);
      out.println("quickstart: relay inbound " + relay.inboundEndpoint() + ", outbound " + relay.outboundEndpoint()
          + " (CURVE, server key " + relayCurve.publicKeyZ85() + ")");

      // 2. The tail: subscribes to every endpoint of the config (the relay's outbound).
      BlockingQueue<Message> received = new LinkedBlockingQueue<>();
      BusListener report = new BusListener() {
        @Override
        public void messageRejected(Rejection r) {
          out.println("  tail REJECTED " + r.topic() + ": " + r.reason() + " (" + r.detail() + ")");
          out.flush();
        }
      };
      Signer shell = Signer.load(pki.ssldir(), pki.certnames().get("shell." + HOST));
      try (Bus tail = Bus.create(BusOptions.builder().apply(config).listener(report).build());
          Bus publisher = Bus.create(BusOptions.builder().apply(config).active(true).signer(shell).build())) {
        Subscription subscription = tail.subscribe("", received::add);
        if (!subscription.awaitReady(Duration.ofSeconds(10))) {
          out.println("quickstart: the relay did not confirm the tail's subscription");
          return 1;
        }
        out.println("quickstart: tail subscribed; publishing " + count + " message(s) through the relay");
        int sent = 0;
        for (int n = 1; follow || n <= count; n++) {
          Message m = publisher.publish("logger", "demo.hello", Map.of("n", n, "text", "hello from quickstart"));
          sent++;
          out.println("  sent     " + m.topic() + " " + m.msgId().orElse(""));
          Message got = received.poll(10, TimeUnit.SECONDS);
          if (got == null) {
            out.println("quickstart: message " + n + " did not arrive");
            return 1;
          }
          out.println("  received " + got.topic() + " " + got.msg() + " signer=" + got.signer().orElse("-"));
          out.flush();
          if (follow) {
            Thread.sleep(2000);
          }
        }
        demonstrateRejections(out, config, pki, relay);
        long expectRejected = 3;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tail.stats().rejected() < expectRejected && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        out.println("quickstart: " + sent + " sent, " + tail.stats().delivered() + " delivered, "
            + tail.stats().rejected() + " rejected " + tail.stats().rejectedByReason()
            + "; relay forwarded " + relay.forwarded());
        if (tail.stats().rejected() != expectRejected || received.poll(200, TimeUnit.MILLISECONDS) != null) {
          out.println("quickstart: the forged, unsigned and unauthorized messages were not all rejected");
          return 1;
        }
        out.println("quickstart: done. Try: bin/fedmsg tail --config " + configFile);
        return 0;
      }
    }
  }

  /**
   * Sends three messages the tail must refuse: a signed message altered after signing, an
   * unsigned one, and bodhi's certificate emitting a pkgdb topic (refused by the policy). Also
   * shows a publisher that holds the policy failing fast on the same topic.
   */
  private static void demonstrateRejections(PrintWriter out, FedmsgConfig config, ThrowawayPki pki, Relay relay)
      throws Exception {
    Signer shell = Signer.load(pki.ssldir(), pki.certnames().get("shell." + HOST));
    Signer bodhi = Signer.load(pki.ssldir(), pki.certnames().get("bodhi." + HOST));
    out.println("quickstart: now a forged, an unsigned and an unauthorized message:");
    // 1. Forged: signed by shell, then the payload is changed on the way.
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    String topic = "org.fedoraproject.dev.logger.demo.hello";
    body.put("topic", topic);
    body.set("msg", JsonNodeFactory.instance.objectNode().put("text", "genuine"));
    body.put("timestamp", System.currentTimeMillis() / 1000);
    body.put("msg_id", java.time.Year.now() + "-" + java.util.UUID.randomUUID());
    body.put("i", 1);
    body.put("username", "quickstart");
    ObjectNode forged = Fedmsg1.sign(body, shell);
    ((ObjectNode) forged.get("msg")).put("text", "forged");
    sendRaw(relay.inboundEndpoint(), config.curve().enabled() ? config.endpoints().get("relay_inbound").get(0)
        .curveServerKey().orElseThrow() : null, topic, Fedmsg1.wireBody(forged));
    // 2. Unsigned, through the relay.
    try (Bus unsigned = Bus.create(BusOptions.builder().apply(config).active(true).signMessages(false).build())) {
      unsigned.publish("logger", "demo.hello", Map.of("text", "unsigned"));
    }
    // 3. bodhi's certificate on a pkgdb topic: the policy gives pkgdb.* to pkgdb only.
    try (Bus bodhiPublisher = Bus.create(BusOptions.builder().apply(config).active(true).signer(bodhi)
        .publishPolicy(TopicPolicy.fromConfig(Map.of("default", "allow"))).build())) {
      bodhiPublisher.publish("pkgdb", "package.create", Map.of("package", "not-bodhis"));
    }
    try (Bus careful = Bus.create(BusOptions.builder().apply(config).active(true).signer(bodhi).build())) {
      careful.publish("pkgdb", "package.create", Map.of("package", "not-bodhis"));
    } catch (PolicyViolationException e) {
      out.println("  publisher holding the policy refused to send: " + e.getMessage());
    }
    out.flush();
  }

  /**
   * Sends two frames from a raw socket, as a forger would, once the relay has subscribed. CURVE
   * does not stop it (the relay admits any client key): signatures do.
   */
  private static void sendRaw(String relayInbound, String relayKey, String topic, byte[] body) {
    try (ZContext context = new ZContext()) {
      ZMQ.Socket socket = context.createSocket(SocketType.XPUB);
      socket.setLinger(2000);
      if (relayKey != null) {
        org.fedmsg.discovery.curve.CurveSockets.client(socket, org.fedmsg.crypto.CurveKeyPair.generate("forger"),
            org.fedmsg.crypto.Z85.decodeKey(relayKey).orElseThrow());
      }
      socket.connect(relayInbound);
      socket.setReceiveTimeOut(5000);
      socket.recv();  // the relay's subscription: now it is listening
      socket.sendMore(topic);
      socket.send(body);
    }
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Path writeConfig(Path dir, Relay relay, ThrowawayPki pki, String relayCertname) throws IOException {
    String relayKey = pki.curvePublicKeys().get(relayCertname).replace("\\", "\\\\").replace("\"", "\\\"");
    Path file = dir.resolve("fedmsg.d").resolve("quickstart.yaml");
    String yaml = "# Written by `fedmsg quickstart`: a throw-away local bus on loopback.\n"
        + "topic_prefix: org.fedoraproject\n"
        + "environment: dev\n"
        + "relay_inbound: \"" + relay.inboundEndpoint() + "\"\n"
        + "# CURVE on every hop; the relay's public key pins both of its sides (docs/curve.md).\n"
        + "curve:\n"
        + "  enabled: true\n"
        + "  public_key_file: \"" + pki.ssldir().resolve(relayCertname + ".curve") + "\"\n"
        + "  secret_key_file: \"" + pki.ssldir().resolve(relayCertname + ".curve_secret") + "\"\n"
        + "endpoints:\n"
        + "  relay_outbound:\n"
        + "    - {url: \"" + relay.outboundEndpoint() + "\", curve_server_key: \"" + relayKey + "\"}\n"
        + "  relay_inbound:\n"
        + "    - {url: \"" + relay.inboundEndpoint() + "\", curve_server_key: \"" + relayKey + "\"}\n"
        + "sign_messages: true\n"
        + "validate_signatures: true\n"
        + "ssldir: \"" + pki.ssldir() + "\"\n"
        + "ca_cert_location: \"" + pki.caCertificate() + "\"\n"
        + "crl_location: \"" + pki.crl() + "\"\n"
        + "certnames:\n"
        + pki.certnames().entrySet().stream()
            .map(e -> "  " + e.getKey() + ": " + e.getValue() + "\n").reduce("", String::concat)
        + "# Who may emit what: pkgdb's topics only from pkgdb's certificate; the rest is open.\n"
        + "policy:\n"
        + "  default: allow\n"
        + "  rules:\n"
        + "    - topics: [\"pkgdb.*\"]\n"
        + "      signers: [\"" + pki.certnames().get("pkgdb." + HOST) + "\"]\n"
        + "      effect: allow\n";
    Files.writeString(file, yaml);
    return file;
  }

  static Path defaultStateDir() {
    String xdg = System.getenv("XDG_STATE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("fedmsg").resolve("quickstart");
  }
}
