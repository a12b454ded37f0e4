package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.directory.DirectoryClient;
import org.fedmsg.discovery.directory.DirectoryRegistrar;
import org.fedmsg.discovery.directory.DirectoryServer;
import org.fedmsg.discovery.directory.RegistrationPolicy;
import org.fedmsg.discovery.directory.RegistrationVerifier;
import org.fedmsg.testing.Dnsmasq;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bus follows discovery: the same signed publisher is found through the {@code file},
 * {@code dns-srv} and {@code directory} backends, chosen by configuration alone.
 */
@Timeout(90)
class DiscoveryBusTest {
  private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
  private static final String SERVICE_CN = "bodhi-app01.example.test";
  private static final String REGISTRATION_POLICY = """
      default: deny
      rules:
        - topics: ["bodhi"]
          signers: ["bodhi-app0?.example.test"]
          effect: allow
      """;

  @TempDir Path dir;
  private Signer signer;
  private Path caFile;
  private Path crlFile;
  private Path policyFile;
  private TrustStore directoryTrust;

  @BeforeEach
  void pki() throws Exception {
    TestPki.Issued ca = TestPki.rootCa("discovery test ca").build();
    TestPki.Issued leaf = ca.issue(SERVICE_CN).keyType(TestPki.KeyType.RSA_2048).build();
    signer = Signer.of(leaf.privateKey(), leaf.chain());
    caFile = TestPki.writePem(dir.resolve("ca.crt"), ca.certificate());
    crlFile = TestPki.writePem(dir.resolve("crl.pem"), ca.crl().build());
    policyFile = Files.writeString(dir.resolve("registration-policy.yaml"), REGISTRATION_POLICY);
    directoryTrust = TrustStore.create(TrustOptions.builder().ca(caFile).crl(crlFile).build());
  }

  @AfterEach
  void close() {
    directoryTrust.close();
  }

  private FedmsgConfig config(String yaml) throws Exception {
    String common = "ca_cert_location: \"" + caFile + "\"\ncrl_location: \"" + crlFile + "\"\ndiscovery_refresh: 200ms\n";
    JsonNode tree = YAML.readTree(common + yaml);
    return FedmsgConfig.of(tree);
  }

  private Bus publisher(String extraYaml) throws Exception {
    return Bus.create(BusOptions.builder()
        .apply(config("endpoints:\n  bodhi: [\"tcp://127.0.0.1:*\"]\n" + extraYaml))
        .name("bodhi").signer(signer).validateSignatures(false).build());
  }

  /** Publishes until the subscriber has one message: the subscriber finds the publisher by itself. */
  private static Message firstArrival(Bus publisher, BlockingQueue<Message> got) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      publisher.publish("bodhi", "update.request", Map.of("update", "FEDORA-1"));
      Message m = got.poll(100, TimeUnit.MILLISECONDS);
      if (m != null) {
        return m;
      }
    }
    throw new AssertionError("no message arrived through discovery");
  }

  @Test
  void fileBackend_findsThePublisher() throws Exception {
    try (Bus pub = publisher("")) {
      try (Bus sub = Bus.create(BusOptions.builder().apply(config(
          "discovery: [{type: file}]\nendpoints:\n  bodhi: [\"" + pub.publisherEndpoint() + "\"]\n")).build())) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        sub.subscribe("", got::add);
        assertThat(firstArrival(pub, got).signer()).hasValue(SERVICE_CN);
      }
    }
  }

  @Test
  void dnsSrvBackend_findsThePublisherThroughARealDnsServer() throws Exception {
    try (Bus pub = publisher("")) {
      String port = pub.publisherEndpoint().substring(pub.publisherEndpoint().lastIndexOf(':') + 1);
      try (Dnsmasq dns = Dnsmasq.start(Files.createDirectories(dir.resolve("dns")), "srv-host=_fedmsg._tcp.example.test,127.0.0.1," + port + ",0,0");
          Bus sub = Bus.create(BusOptions.builder().apply(config(
              "discovery:\n  - type: dns-srv\n    domains: [example.test]\n    nameservers: [\"" + dns.address() + "\"]\n"))
              .build())) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        sub.subscribe("", got::add);
        assertThat(firstArrival(pub, got).signer()).hasValue(SERVICE_CN);
        assertThat(sub.connectedEndpoints()).containsExactly("tcp://127.0.0.1:" + port);
      }
    }
  }

  /**
   * The documented configuration, CURVE everywhere: the directory replica is a CURVE server
   * ({@code servers: [{url, curve_server_key}]}), the publisher registers from configuration with
   * its CURVE key, and a CURVE subscriber finds it and receives. Before, the {@code servers}
   * mapping was read as text ("Invalid URI") and registrations carried no key.
   */
  @Test
  void directoryBackend_curveFromConfig_registrationCarriesTheKey_subscriberReceives() throws Exception {
    RegistrationVerifier verifier = new RegistrationVerifier(directoryTrust,
        RegistrationPolicy.load(policyFile), java.time.Clock.systemUTC());
    org.fedmsg.crypto.CurveKeyPair directoryKeys = org.fedmsg.crypto.CurveKeyPair.generate("directory");
    org.fedmsg.crypto.CurveKeyPair publisherKeys = org.fedmsg.crypto.CurveKeyPair.generate("bodhi");
    try (DirectoryServer directory = DirectoryServer.start("tcp://127.0.0.1:*", verifier, null, directoryKeys, null)) {
      String discovery = "discovery:\n  - type: directory\n    servers: [{url: \"" + directory.endpoint()
          + "\", curve_server_key: \"" + directoryKeys.publicKeyZ85() + "\"}]\n"
          + "    policy: \"" + policyFile + "\"\ncurve: {enabled: true}\n";
      try (Bus pub = Bus.create(BusOptions.builder()
              .apply(config("endpoints:\n  bodhi: [\"tcp://127.0.0.1:*\"]\n" + discovery))
              .curve(CurveOptions.builder().keyPair(publisherKeys).build())
              .name("bodhi").signer(signer).validateSignatures(false).build());
          Bus sub = Bus.create(BusOptions.builder().apply(config(discovery)).build())) {
        Eventually.assertThat(() -> directory.registrations().stream().anyMatch(r ->
            r.registration().curveServerKey().equals(java.util.Optional.of(publisherKeys.publicKeyZ85()))),
            "registration with the publisher's CURVE key");
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        sub.subscribe("", got::add);
        assertThat(firstArrival(pub, got).signer()).hasValue(SERVICE_CN);
      }
    }
  }

  /** {@code fedmsg relay} registers what it binds: relay_outbound, with its CURVE key. */
  @Test
  void relay_registersRelayOutboundWithItsCurveKey() throws Exception {
    Path relayPolicy = Files.writeString(dir.resolve("relay-registration-policy.yaml"),
        "default: deny\nrules:\n  - topics: [relay_outbound]\n    signers: [\"" + SERVICE_CN + "\"]\n    effect: allow\n");
    RegistrationVerifier verifier = new RegistrationVerifier(directoryTrust,
        RegistrationPolicy.load(relayPolicy), java.time.Clock.systemUTC());
    org.fedmsg.crypto.CurveKeyPair relayKeys = org.fedmsg.crypto.CurveKeyPair.generate("relay");
    try (DirectoryServer directory = DirectoryServer.start("tcp://127.0.0.1:*", verifier, null)) {
      String yaml = "relay_inbound: \"tcp://127.0.0.1:*\"\nendpoints:\n  relay_outbound: [\"tcp://127.0.0.1:*\"]\n"
          + "discovery:\n  - type: directory\n    servers: [\"" + directory.endpoint() + "\"]\n"
          + "    policy: \"" + relayPolicy + "\"\nvalidate_signatures: false\n";
      try (Relay relay = Relay.start(BusOptions.builder().apply(config(yaml)).name(null)
          .curve(CurveOptions.builder().keyPair(relayKeys).build()).signer(signer).build())) {
        Eventually.assertThat(() -> directory.registrations().stream().anyMatch(r ->
            r.registration().service().equals("relay_outbound")
                && r.registration().endpoints().equals(List.of(relay.outboundEndpoint()))
                && r.registration().curveServerKey().equals(java.util.Optional.of(relayKeys.publicKeyZ85()))),
            "relay_outbound registered with the relay's key");
      }
    }
  }

  @Test
  void directoryBackend_subscriberStartedFirst_findsPublisherAndDropsItWhenItGoes() throws Exception {
    RegistrationVerifier verifier = new RegistrationVerifier(directoryTrust,
        RegistrationPolicy.load(policyFile), java.time.Clock.systemUTC());
    try (DirectoryServer directory = DirectoryServer.start("tcp://127.0.0.1:*", verifier, null)) {
      String discovery = "discovery:\n  - type: directory\n    servers: [\"" + directory.endpoint() + "\"]\n"
          + "    policy: \"" + policyFile + "\"\n";
      try (Bus sub = Bus.create(BusOptions.builder().apply(config(discovery)).build())) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        sub.subscribe("", got::add);
        assertThat(sub.connectedEndpoints()).isEmpty();

        String published;
        try (Bus pub = publisher(discovery)) {
          published = pub.publisherEndpoint();
          Message m = firstArrival(pub, got);
          assertThat(m.signer()).hasValue(SERVICE_CN);
          assertThat(sub.connectedEndpoints()).contains(published);
        }
        // Closing the publisher withdraws its registration: the subscriber drops it.
        Eventually.assertThat(() -> !sub.connectedEndpoints().contains(published), "withdrawn publisher dropped");
      }
    }
  }

  @Test
  void directoryBackend_expiredRegistration_isNoLongerTried() throws Exception {
    RegistrationVerifier verifier = new RegistrationVerifier(directoryTrust,
        RegistrationPolicy.load(policyFile), java.time.Clock.systemUTC());
    try (DirectoryServer directory = DirectoryServer.start("tcp://127.0.0.1:*", verifier, null)) {
      String discovery = "discovery:\n  - type: directory\n    servers: [\"" + directory.endpoint() + "\"]\n"
          + "    policy: \"" + policyFile + "\"\n";
      // Registered once for two seconds and never renewed, as a publisher that died would be.
      DirectoryRegistrar once = new DirectoryRegistrar(
          new DirectoryClient(List.of(directory.endpoint()), Optional.empty(), Duration.ofSeconds(2), "test"),
          signer, "bodhi", List.of("tcp://127.0.0.1:9"), Optional.empty(), Duration.ofSeconds(2),
          java.time.Clock.systemUTC());
      assertThat(once.registerNow()).allMatch(DirectoryClient.RegisterOutcome::accepted);
      try (Bus sub = Bus.create(BusOptions.builder().apply(config(discovery)).build())) {
        sub.subscribe("", m -> {});
        Eventually.assertThat(() -> sub.connectedEndpoints().contains("tcp://127.0.0.1:9"), "registered endpoint tried");
        Eventually.assertThat(() -> sub.connectedEndpoints().isEmpty(), "expired endpoint dropped");
      }
    }
  }
}
