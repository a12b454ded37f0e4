package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fedmsg.testing.ProjectRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Loading policies from YAML files and from the merged fedmsg.d config; every error kind. */
class PolicyLoadingTest {
  static final TopicNamespace PROD = new TopicNamespace("org.fedoraproject", "prod");

  static final String ISSUE_EXAMPLE = String.join("\n",
      "default: deny                    # or allow",
      "rules:",
      "  - topics: [\"pkgdb.*\"]",
      "    signers: [\"pkgdb-app0*.phx2.fedoraproject.org\"]",
      "    effect: allow                # or deny",
      "  - topics: [\"org.fedoraproject.*.pkgdb.package.retire\"]",
      "    signers: [\"*\"]",
      "    effect: deny",
      "");

  @Test
  void parse_issueExample_decidesAsWritten() {
    CompiledPolicy p = TopicPolicy.parse(ISSUE_EXAMPLE, "policy.yaml", PROD);
    assertThat(p.rules()).containsExactly(
        TopicRule.allow(List.of("pkgdb.*"), List.of("pkgdb-app0*.phx2.fedoraproject.org")),
        TopicRule.deny(List.of("org.fedoraproject.*.pkgdb.package.retire"), List.of("*")));
    assertThat(p.defaultLabel()).isEqualTo("default: deny");
    assertThat(p.source()).isEqualTo("policy.yaml");
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.package.create", "pkgdb-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.package.retire", "pkgdb-app01.phx2.fedoraproject.org").allowed()).isFalse();
  }

  @Test
  void load_confPolicyYaml_restrictsServicesToTheirCertificates() {
    // The example shipped in conf/ (the tests run in the module directory).
    CompiledPolicy p = TopicPolicy.load(ProjectRoot.resolve("conf/policy.yaml"), PROD);
    assertThat(p.defaultEffect()).isEqualTo(Effect.DENY);
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.package.create", "pkgdb-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.package.create", "bodhi-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.bodhi.update.request", "bodhi-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(p.decide("org.fedoraproject.prod.bodhi.update.request", "pkgdb-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.logger.log", "shell-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(p.decide("org.fedoraproject.prod.logger.log", "bodhi-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.package.retire", "pkgdb-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.koji.build.state.change", "shell-app01.phx2.fedoraproject.org").allowed()).isFalse();
  }

  @Test
  void parse_routingKeysInFile_combineWithRules() {
    CompiledPolicy p = TopicPolicy.parse(String.join("\n",
        "routing_nitpicky: false",
        "routing_policy:",
        "  org.fedoraproject.prod.announce.announcement: [announce-lockbox.phx2.fedoraproject.org]",
        "rules:",
        "  - {topics: [bodhi.*], signers: [bodhi-*], effect: allow}"), "p.yaml", PROD);
    assertThat(p.rules()).hasSize(2);
    assertThat(p.decide("org.fedoraproject.prod.announce.announcement", "announce-lockbox.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(p.decide("org.fedoraproject.prod.announce.announcement", "bodhi-app01").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.koji.x", "bodhi-app01").allowed()).isTrue();
  }

  @Test
  void parse_missingEffect_loadsAsDeny() {
    CompiledPolicy p = TopicPolicy.parse("default: allow\nrules:\n  - {topics: [a.*], signers: ['*']}\n", "p.yaml", PROD);
    assertThat(p.rules().get(0).effect()).isEqualTo(Effect.UNKNOWN);
    assertThat(p.decide("org.fedoraproject.prod.a.b", "x").basis()).isEqualTo(Decision.Basis.DENY_RULE);
  }

  @Test
  void parse_misspeltEffectOrDefault_failsClosed() {
    CompiledPolicy p = TopicPolicy.parse("default: alow\nrules:\n  - {topics: [a.*], signers: ['*'], effect: alow}\n",
        "p.yaml", PROD);
    assertThat(p.rules().get(0).effect()).isEqualTo(Effect.UNKNOWN);
    assertThat(p.defaultEffect()).isEqualTo(Effect.DENY);
    assertThat(p.decide("org.fedoraproject.prod.a.b", "x").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.prod.b.b", "x").allowed()).isFalse();
    CompiledPolicy q = TopicPolicy.parse("default: true\nrules: []\n", "p.yaml", PROD);
    assertThat(q.defaultEffect()).isEqualTo(Effect.DENY);
  }

  @Test
  void parse_noDefault_deniesUnmentioned() {
    CompiledPolicy p = TopicPolicy.parse("rules:\n  - {topics: [a.*], signers: ['*'], effect: allow}\n", "p.yaml", PROD);
    assertThat(p.decide("org.fedoraproject.prod.b.c", "x").allowed()).isFalse();
  }

  /* --------------- malformed files: every error names file, line and cause --------------- */

  record Broken(String name, String yaml, int line, String cause) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Broken> brokenFiles() {
    return Stream.of(
        new Broken("YAML syntax error", "default: deny\nrules:\n  - topics: [pkgdb.*\n    signers: [x]\n", 4, "YAML syntax error"),
        new Broken("tab indentation", "default: deny\nrules:\n\t- topics: [a]\n", 3, "YAML syntax error"),
        new Broken("empty file", "", 0, "the policy is empty"),
        new Broken("comment only", "# nothing\n", 0, "the policy is empty"),
        new Broken("top level is a list", "- default: deny\n", 1, "a policy is a mapping"),
        new Broken("top level is a scalar", "deny\n", 1, "a policy is a mapping"),
        new Broken("unknown top-level key", "default: deny\nrule: []\n", 2, "unknown key 'rule'"),
        new Broken("duplicate key", "default: deny\ndefault: allow\n", 2, "duplicate key 'default'"),
        new Broken("rules is a mapping", "rules:\n  topics: [a]\n", 2, "'rules' must be a list"),
        new Broken("rule is a string", "rules:\n  - pkgdb.*\n", 2, "a rule is a mapping"),
        new Broken("rule without topics", "rules:\n  - signers: [x]\n    effect: allow\n", 2, "no 'topics'"),
        new Broken("rule without signers", "rules:\n  - topics: [x]\n    effect: allow\n", 2, "no 'signers'"),
        new Broken("topics is a string", "rules:\n  - topics: pkgdb.*\n    signers: [x]\n    effect: allow\n", 2, "expected a list of strings"),
        new Broken("topics is empty", "rules:\n  - topics: []\n    signers: [x]\n    effect: allow\n", 2, "must not be empty"),
        new Broken("signers is empty", "rules:\n  - topics: [a]\n    signers: []\n    effect: allow\n", 3, "must not be empty"),
        new Broken("topic is a number", "rules:\n  - topics: [a, 42]\n    signers: [x]\n    effect: allow\n", 2, "expected a string"),
        new Broken("empty pattern", "rules:\n  - topics: ['']\n    signers: [x]\n    effect: allow\n", 2, "empty pattern"),
        new Broken("whitespace in pattern", "rules:\n  - topics: ['pkgdb. *']\n    signers: [x]\n    effect: allow\n", 2, "whitespace"),
        new Broken("unknown key in a rule", "rules:\n  - topics: [a]\n    signer: [x]\n    effect: allow\n", 3, "unknown key 'signer'"),
        new Broken("effect is a list", "rules:\n  - topics: [a]\n    signers: [x]\n    effect: [allow]\n", 4, "'effect' must be allow or deny"),
        new Broken("default is a mapping", "default:\n  effect: deny\n", 2, "'default' must be allow or deny"),
        new Broken("routing_policy is a list", "routing_policy: [a]\n", 1, "'routing_policy' must map topics"),
        new Broken("routing_policy value is a string", "routing_policy:\n  a.b: x\n", 2, "expected a list of strings"),
        new Broken("routing_nitpicky is a string", "routing_nitpicky: 'yes please'\n", 1, "must be true or false"),
        new Broken("two documents", "default: deny\n---\ndefault: allow\n", 3, "more than one YAML document"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void load_brokenFile_throwsWithFileLineAndCause(Broken b, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, b.yaml());
    assertThatThrownBy(() -> TopicPolicy.load(file, PROD))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.source()).isEqualTo(file.toString());
          assertThat(e.line()).as("line").isEqualTo(b.line());
          assertThat(e.reason()).contains(b.cause());
          assertThat(e.getMessage()).startsWith(file + (b.line() > 0 ? ":" + b.line() : ":"));
        });
  }

  @Test
  void load_brokenRule_messageNamesThePath() {
    assertThatThrownBy(() -> TopicPolicy.parse("rules:\n  - topics: [a]\n    signers: [x]\n  - topics: [b]\n    signers: []\n",
        "p.yaml", PROD))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.path()).isEqualTo("rules[1].signers");
          assertThat(e.getMessage()).startsWith("p.yaml:5:").contains("rules[1].signers: the list must not be empty");
        });
  }

  @Test
  void load_missingFile_throwsNamingTheFile(@TempDir Path dir) {
    Path file = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> TopicPolicy.load(file, PROD))
        .isInstanceOf(PolicyException.class)
        .hasMessageStartingWith(file.toString())
        .hasMessageContaining("cannot read");
  }

  /* --------------- the fedmsg.d config --------------- */

  static final String CONFIG_YAML = String.join("\n",
      "topic_prefix: org.fedoraproject",
      "environment: stg",
      "endpoints: {relay_outbound: ['tcp://127.0.0.1:4001']}",
      "policy:",
      "  rules:",
      "    - topics: [pkgdb.*]",
      "      signers: [pkgdb-*]",
      "      effect: allow",
      "routing_policy:",
      "  org.fedoraproject.stg.announce.announcement: [announce-lockbox.stg.phx2.fedoraproject.org]",
      "");

  @Test
  void fromConfig_policySection_relativeToConfiguredEnvironment() throws Exception {
    JsonNode config = new YAMLMapper().readTree(CONFIG_YAML);
    CompiledPolicy p = TopicPolicy.fromConfig(config);
    assertThat(p.namespace()).isEqualTo(new TopicNamespace("org.fedoraproject", "stg"));
    assertThat(p.decide("org.fedoraproject.stg.pkgdb.package.create", "pkgdb-app01").allowed()).isTrue();
    assertThat(p.decide("org.fedoraproject.prod.pkgdb.package.create", "pkgdb-app01").allowed()).isFalse();
    assertThat(p.decide("org.fedoraproject.stg.announce.announcement", "announce-lockbox.stg.phx2.fedoraproject.org").allowed()).isTrue();
    // a policy: section without a default is a new config: unmentioned topics are denied
    assertThat(p.decide("org.fedoraproject.stg.koji.x", "pkgdb-app01").allowed()).isFalse();
    assertThat(p.defaultLabel()).isEqualTo("default: deny (not set)");
  }

  @Test
  void fromConfig_map_sameAsJsonNode() throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = new YAMLMapper().readValue(CONFIG_YAML, Map.class);
    CompiledPolicy p = TopicPolicy.fromConfig(map);
    assertThat(p.rules()).isEqualTo(TopicPolicy.fromConfig(new YAMLMapper().readTree(CONFIG_YAML)).rules());
  }

  @Test
  void fromConfig_routingKeysTwice_throws() throws Exception {
    JsonNode config = new ObjectMapper().readTree(
        "{\"policy\": {\"routing_nitpicky\": true}, \"routing_nitpicky\": false}");
    assertThatThrownBy(() -> TopicPolicy.fromConfig(config))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("routing_nitpicky")
        .hasMessageContaining("both");
  }

  @Test
  void fromConfig_badPolicySection_namesThePath() throws Exception {
    JsonNode config = new ObjectMapper().readTree("{\"policy\": {\"rules\": [{\"topics\": \"a\", \"signers\": [\"x\"]}]}}");
    assertThatThrownBy(() -> TopicPolicy.fromConfig(config))
        .isInstanceOf(PolicyException.class)
        .hasMessage("fedmsg.d config: policy.rules[0].topics: expected a list of strings, not string 'a'");
  }

  @Test
  void fromConfig_badTopicPrefix_throws() throws Exception {
    assertThatThrownBy(() -> TopicPolicy.fromConfig(new ObjectMapper().readTree("{\"topic_prefix\": 42}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("topic_prefix");
    assertThatThrownBy(() -> TopicPolicy.fromConfig(new ObjectMapper().readTree("{\"environment\": \"a.b\"}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("environment");
    assertThatThrownBy(() -> TopicPolicy.fromConfig(new ObjectMapper().readTree("[1]")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("not a mapping");
  }

  @Test
  void fromConfig_nitpickyOnly_referenceDefault() throws Exception {
    CompiledPolicy p = TopicPolicy.fromConfig(new ObjectMapper().readTree("{\"routing_nitpicky\": true}"));
    assertThat(p.defaultEffect()).isEqualTo(Effect.DENY);
    assertThat(p.defaultLabel()).isEqualTo("routing_nitpicky: true");
  }
}
