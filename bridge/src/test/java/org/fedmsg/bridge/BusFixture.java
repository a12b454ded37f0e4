package org.fedmsg.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.config.FedmsgConfig;

/**
 * Signed buses for the bridge tests, built from a {@code fedmsg.d}-style configuration as the command
 * builds them: pkgdb publishes {@code pkgdb.*}, the bridge's certificate may publish {@code bodhi.*}
 * and {@code copr.*}, everything else is denied.
 */
final class BusFixture {
  static final String PKGDB_CN = "pkgdb.example.org";
  static final String ROGUE_CN = "rogue.example.org";

  final Path ssldir;
  final Path caFile;

  BusFixture(BrokerFixture rabbit) {
    this.ssldir = rabbit.dir.resolve("pki");
    this.caFile = rabbit.caFile;
    rabbit.ca.issue(PKGDB_CN).build().writeTo(ssldir);
    rabbit.ca.issue(ROGUE_CN).build().writeTo(ssldir);
  }

  /** The configuration tree every bus of the test shares. */
  ObjectNode config() {
    ObjectNode c = new ObjectMapper().createObjectNode();
    c.put("topic_prefix", "org.fedoraproject").put("environment", "dev");
    c.put("ssldir", ssldir.toString());
    ObjectNode certnames = c.putObject("certnames");
    certnames.put("pkgdb", PKGDB_CN).put("rogue", ROGUE_CN).put("bridge", BrokerFixture.BRIDGE_CN)
        .put("bridge2", BrokerFixture.BRIDGE_CN);
    c.put("sign_messages", true).put("validate_signatures", true).put("wire_format", "fedmsg2");
    c.put("ca_cert_location", caFile.toString());
    c.putNull("crl_location");
    ObjectNode policy = c.putObject("policy");
    policy.put("default", "deny");
    var rules = policy.putArray("rules");
    rules.addObject().put("effect", "allow").set("topics", new ObjectMapper().valueToTree(List.of("pkgdb.*")));
    ((ObjectNode) rules.get(0)).set("signers", new ObjectMapper().valueToTree(List.of(PKGDB_CN)));
    rules.addObject().put("effect", "allow").set("topics",
        new ObjectMapper().valueToTree(List.of("bodhi.*", "copr.*")));
    ((ObjectNode) rules.get(1)).set("signers", new ObjectMapper().valueToTree(List.of(BrokerFixture.BRIDGE_CN)));
    return c;
  }

  FedmsgConfig fedmsgConfig() {
    return FedmsgConfig.of(config());
  }

  /** A publishing bus named {@code name} (its certificate from certnames) on a free loopback port. */
  Bus publisher(String name) {
    ObjectNode c = config();
    c.put("name", name);
    return Bus.create(BusOptions.builder().apply(FedmsgConfig.of(c))
        .endpoint(name, List.of("tcp://127.0.0.1:*")).build());
  }

  /** A validating subscriber of {@code endpoints}, with no publisher. */
  Bus subscriber(String... endpoints) {
    BusOptions.Builder b = BusOptions.builder().apply(fedmsgConfig());
    for (int i = 0; i < endpoints.length; i++) {
      b.endpoint("source" + i, List.of(endpoints[i]));
    }
    return Bus.create(b.build());
  }

}
