package org.fedmsg.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.discovery.Resolvers;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shipped example under conf/ loads through the real loader without a warning, and so does
 * every commented-out variant in it once uncommented: a block of comment lines that starts with a
 * list item ({@code # - ...}) or a bare mapping key ({@code # key:}) and continues with indented
 * comment lines. Discovery entries are also handed to the real resolver providers.
 */
class ShippedExamplesTest {
  static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
  private static final Pattern COMMENT = Pattern.compile("^(\\s*)# ?(.*)$");

  static List<Path> exampleFiles() throws IOException {
    try (Stream<Path> s = Files.list(CONF.resolve("fedmsg.d"))) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  /** One text per commented-out block of {@code text}, with that block uncommented. */
  static List<String> uncommentedVariants(String text) {
    List<String> lines = text.lines().toList();
    List<String> variants = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher start = COMMENT.matcher(lines.get(i));
      if (!start.matches() || !start.group(2).matches("- \\S.*|[a-z_]+:\\s*")) {
        continue;
      }
      List<String> out = new ArrayList<>(lines);
      String indent = start.group(1);
      out.set(i, indent + start.group(2));
      int j = i + 1;
      for (; j < lines.size(); j++) {
        Matcher more = COMMENT.matcher(lines.get(j));
        if (!more.matches() || !more.group(1).equals(indent) || !more.group(2).startsWith(" ")) {
          break;
        }
        out.set(j, indent + more.group(2));
      }
      variants.add(String.join("\n", out) + "\n");
      i = j - 1;
    }
    return variants;
  }

  private static FedmsgConfig load(Path file) {
    FedmsgConfig config = ConfigLoader.builder().sources(List.of(file)).build().load();
    assertThat(config.warnings()).as(file.toString()).isEmpty();
    // Every typed accessor, as the components read them.
    config.endpoints();
    config.discovery().forEach(DiscoverySource::servers);
    config.curve();
    config.crlLocation();
    config.crlFailureMode();
    config.replayWindow();
    config.discoveryRefresh();
    config.routingPolicy();
    config.certnames();
    return config;
  }

  @Test
  void everyShippedFile_andAllTogether_loadWithoutWarnings() throws IOException {
    assertThat(exampleFiles()).isNotEmpty();
    for (Path file : exampleFiles()) {
      load(file);
    }
    FedmsgConfig all = ConfigLoader.builder().sources(List.of(CONF.resolve("fedmsg.d"))).build().load();
    assertThat(all.warnings()).isEmpty();
    assertThat(all.files()).hasSize(exampleFiles().size());
  }

  @Test
  void everyCommentedOutVariant_loadsAndItsDiscoveryEntriesAreAcceptedByTheResolvers(@TempDir Path dir)
      throws IOException {
    TestPki.Issued ca = TestPki.rootCa("examples CA").build();
    Path registrationPolicy = Files.writeString(dir.resolve("registration-policy.yaml"),
        "default: deny\nrules: []\n");
    int variants = 0;
    try (TrustStore trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca.certificate())).build())) {
      for (Path file : exampleFiles()) {
        for (String variant : uncommentedVariants(Files.readString(file))) {
          variants++;
          Path copy = dir.resolve(variants + "-" + file.getFileName());
          Files.writeString(copy, variant.replace("/etc/fedmsg/registration-policy.yaml", registrationPolicy.toString()));
          FedmsgConfig config = load(copy);
          ResolverContext context = ResolverContext.builder().config(config.effective())
              .service(TrustStore.class, trust).build();
          List<EndpointResolver> resolvers = Resolvers.create(context);
          assertThat(resolvers).hasSize(config.discovery().size());
          resolvers.forEach(EndpointResolver::close);
        }
      }
    }
    // endpoints.yaml ships two commented-out discovery sources (dns-srv, directory).
    assertThat(variants).isGreaterThanOrEqualTo(2);
  }

  @Test
  void shippedPolicy_andItsCommentedOutVariant_load() throws IOException {
    Path policy = CONF.resolve("policy.yaml");
    TopicNamespace ns = new TopicNamespace("org.fedoraproject", "prod");
    assertThat(TopicPolicy.load(policy, ns)).isNotNull();
    List<String> variants = uncommentedVariants(Files.readString(policy));
    assertThat(variants).isNotEmpty();
    for (String v : variants) {
      Path copy = Files.createTempFile("policy", ".yaml");
      try {
        Files.writeString(copy, v);
        assertThat(TopicPolicy.load(copy, ns)).isNotNull();
      } finally {
        Files.delete(copy);
      }
    }
  }

  @Test
  void variantsAreFound() {
    String text = "a: 1\n# prose: not config\nlist:\n  - x\n  # - y\n  #   z: 1\n# key:\n#   sub: 2\n";
    assertThat(uncommentedVariants(text)).containsExactly(
        "a: 1\n# prose: not config\nlist:\n  - x\n  - y\n    z: 1\n# key:\n#   sub: 2\n",
        "a: 1\n# prose: not config\nlist:\n  - x\n  # - y\n  #   z: 1\nkey:\n  sub: 2\n");
  }
}
