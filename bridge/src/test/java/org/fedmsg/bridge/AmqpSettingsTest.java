package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.fedmsg.ConfigException;
import org.fedmsg.config.FedmsgConfig;
import org.junit.jupiter.api.Test;

/** The bridge's critical topics: the bus-wide {@code critical_topics}, and the deprecated {@code amqp.critical_topics}. */
class AmqpSettingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode config() {
    ObjectNode tree = JSON.createObjectNode();
    tree.putObject("amqp").put("url", "amqp://127.0.0.1:5672/%2F");
    return tree;
  }

  @Test
  void busWideCriticalTopics_areTheBridgesInThePolicyGrammar() {
    ObjectNode tree = config();
    tree.putArray("critical_topics").add("pkgdb.package.*").add("org.fedoraproject.prod.koji.repo.done");
    AmqpSettings s = AmqpSettings.from(FedmsgConfig.of(tree));
    assertThat(s.critical("org.fedoraproject.dev.pkgdb.package.new")).isTrue();
    assertThat(s.critical("org.fedoraproject.prod.koji.repo.done")).isTrue();
    assertThat(s.critical("org.fedoraproject.prod.koji.repo.done.more")).isFalse();
    assertThat(s.critical("org.fedoraproject.dev.pkgdb.acl.update")).isFalse();
    assertThat(s.criticalTopics().patterns())
        .containsExactly("org.fedoraproject.dev.pkgdb.package.*", "org.fedoraproject.prod.koji.repo.done");
  }

  @Test
  void busWidePatterns_resolvedInTheConfiguredNamespace() {
    ObjectNode tree = config();
    tree.put("topic_prefix", "org.example").put("environment", "prod");
    tree.put("critical_topics", "pkgdb.*");
    AmqpSettings s = AmqpSettings.from(FedmsgConfig.of(tree));
    assertThat(s.critical("org.example.prod.pkgdb.x")).isTrue();
    assertThat(s.critical("org.fedoraproject.dev.pkgdb.x")).isFalse();
  }

  @Test
  void deprecatedAmqpCriticalTopics_prefixesConvertedAndAddedToTheBusWideOnes() {
    ObjectNode tree = config();
    tree.putArray("critical_topics").add("pkgdb.*");
    ((ObjectNode) tree.get("amqp")).putArray("critical_topics").add("org.fedoraproject.prod.bodhi.update.");
    FedmsgConfig config = FedmsgConfig.of(tree);
    assertThat(config.warnings()).singleElement().asString().contains("'amqp.critical_topics' is deprecated");
    AmqpSettings s = AmqpSettings.from(config);
    // The prefix matches what it matched as a prefix ...
    assertThat(s.critical("org.fedoraproject.prod.bodhi.update.request.testing")).isTrue();
    assertThat(s.critical("org.fedoraproject.prod.bodhi.update.")).isTrue();
    assertThat(s.critical("org.fedoraproject.prod.bodhi.buildroot_override.tag")).isFalse();
    // ... and the bus-wide patterns still count.
    assertThat(s.critical("org.fedoraproject.dev.pkgdb.package.new")).isTrue();
    assertThat(s.criticalTopics().patterns())
        .containsExactly("org.fedoraproject.dev.pkgdb.*", "org.fedoraproject.prod.bodhi.update.*");
  }

  @Test
  void noCriticalTopics_nothingIsCritical() {
    AmqpSettings s = AmqpSettings.from(FedmsgConfig.of(config()));
    assertThat(s.criticalTopics().isEmpty()).isTrue();
    assertThat(s.critical("org.fedoraproject.dev.pkgdb.package.new")).isFalse();
  }

  @Test
  void emptyBusWidePattern_isAConfigErrorNamingTheKey() {
    ObjectNode tree = config();
    tree.putArray("critical_topics").add(" ");
    assertThatThrownBy(() -> AmqpSettings.from(FedmsgConfig.of(tree))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("critical_topics").hasMessageContaining("empty");
  }
}
