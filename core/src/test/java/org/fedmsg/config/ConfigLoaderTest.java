package org.fedmsg.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedmsg.ConfigException;
import org.fedmsg.discovery.Discovery;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.testing.ProjectRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  @TempDir Path tmp;

  private Path write(String relative, String yaml) throws IOException {
    Path p = tmp.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
    return p;
  }

  /** A builder that sees only directories under the temp dir, never /etc or the real home. */
  private ConfigLoader.Builder isolated(Map<String, String> env) {
    return ConfigLoader.builder()
        .environment(env)
        .systemDirectory(tmp.resolve("etc/fedmsg.d"))
        .homeDirectory(tmp.resolve("home"))
        .workingDirectory(tmp.resolve("cwd"));
  }

  /* --------------- sources --------------- */

  @Test
  void build_standardLocations_inDocumentedOrder() {
    ConfigLoader loader = isolated(Map.of("FEDMSG_CONFIG", tmp.resolve("env.yaml").toString())).build();
    assertThat(loader.sources()).containsExactly(
        tmp.resolve("etc/fedmsg.d"),
        tmp.resolve("home/.config/fedmsg.d"),
        tmp.resolve("cwd/fedmsg.d"),
        tmp.resolve("env.yaml"));
  }

  @Test
  void build_xdgConfigHome_replacesDotConfig() {
    ConfigLoader loader = isolated(Map.of("XDG_CONFIG_HOME", tmp.resolve("xdg").toString())).build();
    assertThat(loader.sources()).contains(tmp.resolve("xdg/fedmsg.d")).doesNotContain(tmp.resolve("home/.config/fedmsg.d"));
  }

  @Test
  void build_relativeXdgConfigHome_ignoredAsTheSpecSays() {
    ConfigLoader loader = isolated(Map.of("XDG_CONFIG_HOME", "relative/dir")).build();
    assertThat(loader.sources()).contains(tmp.resolve("home/.config/fedmsg.d"));
  }

  @Test
  void build_homeFromEnvironment_usedForUserDirectory() {
    ConfigLoader loader = isolated(Map.of("HOME", tmp.resolve("envhome").toString())).build();
    assertThat(loader.sources()).contains(tmp.resolve("envhome/.config/fedmsg.d"));
  }

  @Test
  void build_explicitPath_overridesFedmsgConfigVariable() {
    Path explicit = tmp.resolve("explicit.yaml");
    ConfigLoader loader = isolated(Map.of("FEDMSG_CONFIG", tmp.resolve("env.yaml").toString())).explicit(explicit).build();
    assertThat(loader.sources()).endsWith(explicit).doesNotContain(tmp.resolve("env.yaml"));
  }

  /* --------------- merging --------------- */

  @Test
  void load_allLocations_laterWinsAndMappingsMerge() throws IOException {
    write("etc/fedmsg.d/base.yaml", "environment: prod\nhigh_water_mark: 1\nendpoints:\n  a: tcp://h:1\n"
        + "certnames:\n  a.h: a-cert\n  b.h: b-cert\n");
    write("home/.config/fedmsg.d/user.yaml", "high_water_mark: 2\nendpoints:\n  b: [tcp://h:2]\n");
    write("cwd/fedmsg.d/local.yml", "high_water_mark: 3\ncertnames:\n  b.h: b-local\n");
    Path explicit = write("explicit.yaml", "environment: stg\nsrv_endpoints: [x.org]\n");

    FedmsgConfig c = isolated(Map.of()).explicit(explicit).build().load();

    assertThat(c.environment()).isEqualTo("stg");
    assertThat(c.highWaterMark()).isEqualTo(3);
    assertThat(c.endpointUrls()).containsExactly(Map.entry("a", List.of("tcp://h:1")), Map.entry("b", List.of("tcp://h:2")));
    assertThat(c.certnames()).containsExactly(Map.entry("a.h", "a-cert"), Map.entry("b.h", "b-local"));
    assertThat(c.srvEndpoints()).containsExactly("x.org");
    assertThat(c.files()).containsExactly(tmp.resolve("etc/fedmsg.d/base.yaml"),
        tmp.resolve("home/.config/fedmsg.d/user.yaml"), tmp.resolve("cwd/fedmsg.d/local.yml"), explicit);
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void load_directory_filesInNameOrderOthersAndHiddenSkipped() throws IOException {
    write("d/20-b.yaml", "environment: second\n");
    write("d/10-a.yml", "environment: first\ntopic_prefix: com.example\n");
    write("d/30-c.txt", "environment: not-yaml-extension\n");
    write("d/.99-hidden.yaml", "environment: hidden\n");
    write("d/sub/40.yaml", "environment: subdir\n");

    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();

    assertThat(c.environment()).isEqualTo("second");
    assertThat(c.topicPrefix()).isEqualTo("com.example");
    assertThat(c.files()).containsExactly(tmp.resolve("d/10-a.yml"), tmp.resolve("d/20-b.yaml"));
  }

  @Test
  void load_listValue_replacedNotConcatenated() throws IOException {
    write("d/1.yaml", "relay_inbound: [tcp://a:1, tcp://a:2]\ndiscovery: [{type: file}, {type: dns-srv, domain: x}]\n");
    write("d/2.yaml", "relay_inbound: [tcp://b:1]\ndiscovery: [{type: directory}]\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.relayInbound()).containsExactly("tcp://b:1");
    assertThat(c.discovery()).extracting(DiscoverySource::type).containsExactly("directory");
  }

  @Test
  void load_nestedMappings_mergedRecursively() throws IOException {
    write("d/1.yaml", "curve:\n  enabled: true\n  public_key_file: /a.pub\npolicy:\n  rules:\n    x: 1\n  default: deny\n");
    write("d/2.yaml", "curve:\n  secret_key_file: /a.key\npolicy:\n  rules:\n    y: 2\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.curve()).isEqualTo(new CurveConfig(true, Optional.of(Path.of("/a.pub")), Optional.of(Path.of("/a.key")), List.of()));
    assertThat(c.policy().orElseThrow().toString()).isEqualTo("{\"rules\":{\"x\":1,\"y\":2},\"default\":\"deny\"}");
  }

  @Test
  void load_noFilesAnywhere_givesDefaults() {
    FedmsgConfig c = isolated(Map.of()).build().load();
    assertThat(c.files()).isEmpty();
    assertThat(c.topicPrefix()).isEqualTo("org.fedoraproject");
    assertThat(c.environment()).isEqualTo("dev");
    assertThat(c.validateSignatures()).isTrue();
    assertThat(c.signMessages()).isFalse();
    assertThat(c.active()).isFalse();
    assertThat(c.zmqLingerMillis()).isEqualTo(1000);
    assertThat(c.zmqTcpKeepalive()).isEmpty();
    assertThat(c.relayInbound()).containsExactly("tcp://127.0.0.1:2003");
    assertThat(c.wireFormat()).isEqualTo("fedmsg1");
    assertThat(c.discovery()).extracting(DiscoverySource::type).containsExactly("file");
    assertThat(c.discoveryRefresh()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.replayWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.crlGracePeriod()).isEqualTo(Duration.ofHours(1));
    assertThat(c.crlFailureMode()).isEqualTo("fail_closed");
    assertThat(c.crlLocation()).contains("https://fedoraproject.org/fedmsg/crl.pem");
    assertThat(c.curve()).isEqualTo(CurveConfig.disabled());
    assertThat(c.name()).isEmpty();
    assertThat(c.modnameRule()).isEqualTo("auto");
  }

  @Test
  void load_emptyFile_contributesNothing() throws IOException {
    write("d/empty.yaml", "# only a comment\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.raw().isEmpty()).isTrue();
    assertThat(c.files()).hasSize(1);
  }

  /* --------------- warnings --------------- */

  @Test
  void load_unknownKey_warnsNamingFileAndKeyWithSuggestion() throws IOException {
    Path f = write("d/app.yaml", "topic_prefx: org.example\nfedmsg.consumers.mine.enabled: true\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.warnings()).singleElement().asString()
        .startsWith(f + ": ").contains("unknown key 'topic_prefx'").contains("did you mean 'topic_prefix'");
    assertThat(c.raw().get("topic_prefx").textValue()).isEqualTo("org.example");
  }

  @Test
  void load_referenceKeyWithoutEffect_warns() throws IOException {
    write("d/app.yaml", "post_init_sleep: 0.5\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.warnings()).singleElement().asString().contains("post_init_sleep").contains("no effect");
  }

  @Test
  void load_unknownCurveKey_warnsNamingPath() throws IOException {
    write("d/app.yaml", "curve:\n  enable: true\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.warnings()).singleElement().asString().contains("'enable'").contains("curve");
  }

  @Test
  void load_amqpSection_knownKeysSilent_unknownWarned_wrongTypeRefused() throws IOException {
    write("d/app.yaml", "amqp:\n  url: amqps://broker:5671/%2F\n  topics: [org.fedoraproject.prod.]\n"
        + "  buffer_size: 100\n  dedupe_window: 10m\n  exchnage: amq.topic\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.warnings()).singleElement().asString().contains("'exchnage'").contains("amqp");
    write("d/app.yaml", "amqp:\n  buffer_size: lots\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("buffer_size");
  }

  @Test
  void load_amqpCriticalTopics_deprecatedAlias_warnedOnceNamingFileAndTheBusWideKey() throws IOException {
    write("d/app.yaml", "critical_topics: [\"pkgdb.*\"]\namqp:\n  url: amqps://broker:5671/%2F\n"
        + "  critical_topics: [org.fedoraproject.prod.bodhi.update.]\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.warnings()).singleElement().asString().contains("app.yaml").contains("'amqp.critical_topics'")
        .contains("deprecated").contains("'critical_topics'");
    write("d/app.yaml", "critical_topics: [\"pkgdb.*\"]\namqp:\n  url: amqps://broker:5671/%2F\n");
    assertThat(ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load().warnings()).isEmpty();
  }

  /**
   * Validation and the discovery that acts on {@code discovery_refresh} read it with the same parser: what
   * loads is what runs, and what runs was accepted by the loader.
   */
  @ParameterizedTest
  @CsvSource({"1.5s, 1500", "PT30S, 30000", "'0.25', 250", "2, 2000", "250ms, 250", "PT1M, 60000"})
  void load_discoveryRefresh_validatedAndRunWithTheSameRules(String value, long millis) throws Exception {
    write("d/1.yaml", "discovery_refresh: " + value + "\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.discoveryRefresh()).isEqualTo(Duration.ofMillis(millis));
    try (Discovery d = Discovery.fromConfig(ResolverContext.builder().config(c.effective()).build(), null)) {
      assertThat(d.refreshInterval()).isEqualTo(Duration.ofMillis(millis));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0s", "PT0S", "-5s", "PT-5S", "soon"})
  void load_discoveryRefreshNotPositive_rejectedByTheLoaderNamingFileAndKey(String value) throws Exception {
    Path bad = write("d/1.yaml", "discovery_refresh: " + value + "\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("'discovery_refresh'");
  }

  /** {@code trust_reload_interval}: one parser (Durations) for the loader's check and the value used. */
  @ParameterizedTest
  @CsvSource({"1.5s, 1500", "PT2S, 2000", "250ms, 250", "'3', 3000"})
  void load_trustReloadInterval_parsedWithTheDurationRules(String value, long millis) throws Exception {
    write("d/1.yaml", "trust_reload_interval: " + value + "\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.trustReloadInterval()).isEqualTo(Duration.ofMillis(millis));
    assertThat(c.warnings()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0s", "-5s", "soon"})
  void load_trustReloadIntervalNotPositive_rejectedNamingFileAndKey(String value) throws Exception {
    Path bad = write("d/1.yaml", "trust_reload_interval: " + value + "\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("'trust_reload_interval'");
  }

  @ParameterizedTest
  @CsvSource({"dns-srv, timeout, soon", "directory, registration_lifetime, 0", "directory, timeout, -1s"})
  void load_discoverySourceDuration_badValue_rejectedAtLoadNamingFileAndKey(String type, String key, String value)
      throws Exception {
    Path bad = write("d/1.yaml", "discovery:\n  - type: file\n  - type: " + type + "\n    " + key + ": " + value + "\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(bad + ": key 'discovery.1." + key + "'");
  }

  /** Mistakes the runtime used to find later, with an IllegalArgumentException and no file: now found at load. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "hub.queue_size: 0|hub.queue_size|positive integer",
      "endpoints:\\n  relay: [{url: 'tcp://h:1', curve_server_key: 'not-a-key'}]|endpoints.relay.curve_server_key|Z85"})
  void load_runtimeOnlyMistakes_nowConfigExceptionNamingFileAndKey(String yaml, String key, String expected)
      throws Exception {
    Path bad = write("d/1.yaml", yaml.replace("\\n", "\n") + "\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(bad + ": key '" + key + "'")
        .hasMessageContaining(expected);
  }

  @Test
  void of_notAMapping_configException() {
    assertThatThrownBy(() -> FedmsgConfig.of(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mapping");
  }

  @Test
  void load_zeroWhereMeaningful_accepted() throws Exception {
    write("d/1.yaml", "heartbeat_interval: 0\ncrl_grace_period: PT0S\nreplay_window: 1.5m\n");
    FedmsgConfig c = ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
    assertThat(c.crlGracePeriod()).isZero();
    assertThat(c.replayWindow()).isEqualTo(Duration.ofSeconds(90));
  }

  /* --------------- errors --------------- */

  @Test
  void load_wrongType_failsNamingFileKeyAndExpectedType() throws IOException {
    write("d/1.yaml", "high_water_mark: 5\n");
    Path bad = write("d/2.yaml", "high_water_mark: lots\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("'high_water_mark'")
        .hasMessageContaining("non-negative integer")
        .hasMessageContaining("lots");
  }

  @Test
  void load_wrongTypeInNestedMapping_namesFileThatSetIt() throws IOException {
    write("d/1.yaml", "endpoints:\n  a: tcp://h:1\n");
    Path bad = write("d/2.yaml", "endpoints:\n  b: 42\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(bad + ": key 'endpoints.b'");
  }

  @Test
  void load_badValues_eachRejectedWithItsKey() throws IOException {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("validate_signatures: 'yes please'", "validate_signatures"),
        Map.entry("topic_prefix: [a]", "topic_prefix"),
        Map.entry("zmq_linger: -1", "zmq_linger"),
        Map.entry("discovery_refresh: soon", "discovery_refresh"),
        Map.entry("replay_window: -5", "replay_window"),
        Map.entry("wire_format: fedmsg3", "wire_format"),
        Map.entry("crl_failure_mode: maybe", "crl_failure_mode"),
        Map.entry("modname_rule: package:0", "modname_rule"),
        Map.entry("discovery: [{domain: x}]", "discovery"),
        Map.entry("curve: {enabled: 1}", "curve.enabled"),
        Map.entry("endpoints: {a: [{curve_server_key: k}]}", "endpoints.a"),
        Map.entry("certnames: {a: [b]}", "certnames.a"),
        Map.entry("routing_policy: {t: {x: 1}}", "routing_policy.t"),
        Map.entry("policy: [1]", "policy"));
    for (Map.Entry<String, String> e : cases.entrySet()) {
      Path f = write("bad/" + e.getValue() + ".yaml", e.getKey() + "\n");
      assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(f)).build().load())
          .as(e.getKey())
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(f + ": key '" + e.getValue() + "' must be ");
    }
  }

  @Test
  void load_invalidYaml_failsNamingFileAndLine() throws IOException {
    Path f = write("d/broken.yaml", "a: 1\nb: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(f)).build().load())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith(f + ": not valid YAML at line");
  }

  @Test
  void load_duplicateKeyInFile_fails() throws IOException {
    Path f = write("d/dup.yaml", "environment: a\nenvironment: b\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(f)).build().load())
        .isInstanceOf(ConfigException.class).hasMessageContaining(f.toString()).hasMessageContaining("environment");
  }

  @Test
  void load_topLevelNotMapping_fails() throws IOException {
    Path f = write("d/list.yaml", "- a\n- b\n");
    assertThatThrownBy(() -> ConfigLoader.builder().sources(List.of(f)).build().load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("top level must be a mapping");
  }

  @Test
  void load_missingExplicitPath_fails() {
    Path missing = tmp.resolve("nope.yaml");
    assertThatThrownBy(() -> isolated(Map.of()).explicit(missing).build().load())
        .isInstanceOf(ConfigException.class).hasMessage(missing + ": config file or directory does not exist");
    assertThatThrownBy(() -> isolated(Map.of("FEDMSG_CONFIG", missing.toString())).build().load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
  }

  /* --------------- the example configuration --------------- */

  @Test
  void load_exampleConfiguration_loadsWithoutWarnings() {
    Path conf = ProjectRoot.resolve("conf/fedmsg.d");
    assertThat(conf).isDirectory();

    FedmsgConfig c = ConfigLoader.builder().sources(List.of(conf)).build().load();

    assertThat(c.warnings()).isEmpty();
    assertThat(c.files()).extracting(p -> p.getFileName().toString())
        .containsExactly("base.yaml", "endpoints.yaml", "relay.yaml", "ssl.yaml");
    assertThat(c.topicPrefix()).isEqualTo("org.fedoraproject");
    assertThat(c.endpoints().get("bodhi.app02")).singleElement()
        .satisfies(e -> assertThat(e.curveServerKey()).isPresent());
    assertThat(c.endpointUrls().get("relay_outbound")).containsExactly("tcp://127.0.0.1:4001");
    assertThat(c.relayInbound()).containsExactly("tcp://127.0.0.1:2003");
    assertThat(c.zmqTcpKeepalive()).hasValue(1);
    assertThat(c.zmqReconnectIvlMaxMillis()).hasValue(1000);
    assertThat(c.certnames()).containsKey("shell.app01");
    assertThat(c.crlLocation()).contains("/etc/pki/fedmsg/crl.pem");
    assertThat(c.policyFile()).contains(Path.of("/etc/fedmsg/policy.yaml"));
    assertThat(c.routingPolicy()).hasSize(1);
    assertThat(c.replayEndpoints()).containsKey("pkgdb.app01");
    assertThat(c.curve().enabled()).isFalse();
    assertThat(c.stateDir()).contains(Path.of("/var/lib/fedmsg"));
  }
}
