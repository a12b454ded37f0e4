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
import java.time.Clock;
import java.util.Optional;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.directory.DirectoryClient;
import org.fedmsg.discovery.directory.DirectoryRegistrar;
import org.fedmsg.discovery.directory.DirectoryServer;
import org.fedmsg.discovery.directory.RegistrationPolicy;
import org.fedmsg.discovery.directory.RegistrationVerifier;
import org.fedmsg.policy.PolicyViolationException;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.Fedmsg1;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.fedmsg.config.FedmsgConfig;

/**
 * The traffic of {@code fedmsg quickstart}: a throw-away PKI and configuration under a state
 * directory, a relay, a directory service, a publisher and a tail on loopback, messages flowing
 * through them, and a forged, an unsigned and an unauthorized message being refused.
 */
final class QuickstartDemo {
  /**
   * The certificates are issued for this machine's short host name, so that `fedmsg logger`
   * (which signs as {@code shell.<host>}, as the reference's does) works with the written config.
   */
  private static final String HOST = hostForCertificates();

  private final PrintWriter out;
  private final Path dir;
  private final int count;
  private final boolean follow;

  /**
   * @param count messages to publish
   * @param follow keep publishing every 2 seconds until stopped
   */
  QuickstartDemo(PrintWriter out, Path dir, int count, boolean follow) {
    this.out = out;
    this.dir = dir;
    this.count = count;
    this.follow = follow;
  }

  /** Runs the demo; returns the exit code (0: everything arrived and every bad message was refused). */
  int run() throws Exception {
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
    // 2. The directory service: the relay registers its outbound endpoint there, signed with
    //    its own certificate, and the tail finds it there (discovery type: directory).
    Path registrationPolicy = Files.writeString(dir.resolve("registration-policy.yaml"),
        "# Which certificate may register which service name in the directory.\n"
        + "default: deny\nrules:\n  - topics: [relay_outbound]\n    signers: [\""
        + pki.certnames().get("relay." + HOST) + "\"]\n    effect: allow\n");
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().ca(pki.caCertificate()).crl(pki.crl()).build());
        DirectoryServer directory = DirectoryServer.start("tcp://127.0.0.1:*",
            new RegistrationVerifier(trust, RegistrationPolicy.load(registrationPolicy), Clock.systemUTC()), null,
            relayCurve, null);
        Relay relay = Relay.start(relayOptions);
        DirectoryRegistrar registrar = new DirectoryRegistrar(
            new DirectoryClient(List.of(directory.endpoint()), Map.of(directory.endpoint(), relayCurve.publicKeyZ85()),
                relayCurve, Optional.empty(), Duration.ofSeconds(2), "quickstart"),
            Signer.load(pki.ssldir(), relayCertname), "relay_outbound",
            List.of(relay.outboundEndpoint()), Optional.of(relayCurve.publicKeyZ85()), DirectoryRegistrar.DEFAULT_LIFETIME,
            Clock.systemUTC())) {
      registrar.start();
      out.println("quickstart: directory service " + directory.endpoint() + "; relay_outbound registered there");
      Path configFile = writeConfig(dir, relay, pki, relayCertname, directory.endpoint(), registrationPolicy);
      FedmsgConfig config = ConfigLoader.builder().sources(List.of(configFile)).build().load();
      out.println("quickstart: configuration " + configFile);
      out.println("quickstart: relay inbound " + relay.inboundEndpoint() + ", outbound " + relay.outboundEndpoint()
          + " (CURVE, server key " + relayCurve.publicKeyZ85() + ")");

      // 3. The tail: finds the relay's outbound endpoint through the directory.
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
        out.println("quickstart: done. With --follow it keeps running; meanwhile try: bin/fedmsg tail --config " + configFile);
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
      context.setLinger(2000);  // sockets are closed with the context's linger: let the message leave
      ZMQ.Socket socket = context.createSocket(SocketType.XPUB);
      socket.setHandshakeIvl(1000);
      if (relayKey != null) {
        org.fedmsg.discovery.curve.CurveSockets.client(socket, org.fedmsg.crypto.CurveKeyPair.generate("forger"),
            org.fedmsg.crypto.Z85.decodeKey(relayKey).orElseThrow());
      }
      socket.connect(relayInbound);
      socket.setReceiveTimeOut(10_000);
      if (socket.recv() == null) {  // the relay's subscription: now it is listening
        throw new IllegalStateException("the relay at " + relayInbound + " did not subscribe");
      }
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

  private static Path writeConfig(Path dir, Relay relay, ThrowawayPki pki, String relayCertname, String directory,
      Path registrationPolicy) throws IOException {
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
        + "# Active publishers (fedmsg logger) connect to the relay's inbound side.\n"
        + "endpoints:\n"
        + "  relay_inbound:\n"
        + "    - {url: \"" + relay.inboundEndpoint() + "\", curve_server_key: \"" + relayKey + "\"}\n"
        + "# Subscribers find publishers in the directory service (registrations signed by the services).\n"
        + "discovery:\n"
        + "  - type: directory\n"
        + "    servers: [{url: \"" + directory + "\", curve_server_key: \"" + relayKey + "\"}]\n"
        + "    policy: \"" + registrationPolicy + "\"\n"
        + "discovery_refresh: 1s\n"
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

  private static String hostForCertificates() {
    String host = org.fedmsg.Certnames.shortHostname().toLowerCase(java.util.Locale.ROOT);
    return host.matches("[a-z0-9][a-z0-9-]{0,62}") ? host : "quickstart";
  }
}
