package org.fedmsg.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fedmsg.ConfigException;
import org.junit.jupiter.api.Test;

class FedmsgConfigTest {
  private static final ObjectMapper M = new ObjectMapper();

  /** A well-formed CURVE public key (Z85 of 32 zero bytes). */
  private static final String KEY = "0".repeat(40);

  private static FedmsgConfig config(String json) throws Exception {
    return FedmsgConfig.of(M.readTree(json));
  }

  @Test
  void endpoints_stringListAndCurveEntries_normalised() throws Exception {
    FedmsgConfig c = config("{\"endpoints\":{\"a\":\"tcp://h:1\",\"b\":[\"tcp://h:2\",{\"url\":\"tcp://h:3\","
        + "\"curve_server_key\":\"" + KEY + "\"}]}}");
    assertThat(c.endpoints().get("a")).containsExactly(ConfiguredEndpoint.of("tcp://h:1"));
    assertThat(c.endpoints().get("b")).containsExactly(ConfiguredEndpoint.of("tcp://h:2"),
        new ConfiguredEndpoint("tcp://h:3", Optional.of(KEY)));
    assertThat(c.endpointUrls().get("b")).containsExactly("tcp://h:2", "tcp://h:3");
  }

  @Test
  void endpoints_curveFalseEntry_markedPlain() throws Exception {
    FedmsgConfig c = config("{\"endpoints\":{\"b\":[{\"url\":\"tcp://h:3\",\"curve\":false},"
        + "{\"url\":\"tcp://h:4\",\"curve\":true}]}}");
    assertThat(c.endpoints().get("b")).containsExactly(new ConfiguredEndpoint("tcp://h:3", Optional.empty(), true),
        new ConfiguredEndpoint("tcp://h:4", Optional.empty(), false));
  }

  @Test
  void endpoints_curveFalseWithKeyOrNotBoolean_rejected() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> config("{\"endpoints\":{\"b\":[{\"url\":\"tcp://h:3\","
        + "\"curve\":false,\"curve_server_key\":\"K\"}]}}")).isInstanceOf(org.fedmsg.ConfigException.class)
        .hasMessageContaining("endpoints.b.curve");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> config("{\"endpoints\":{\"b\":[{\"url\":\"tcp://h:3\","
        + "\"curve\":\"no\"}]}}")).isInstanceOf(org.fedmsg.ConfigException.class).hasMessageContaining("a boolean");
  }

  @Test
  void crlLocation_nullOrEmpty_meansNoCrl() throws Exception {
    assertThat(config("{\"crl_location\":null}").crlLocation()).isEmpty();
    assertThat(config("{\"crl_location\":\"\"}").crlLocation()).isEmpty();
    assertThat(config("{\"crl_location\":\"/x.pem\"}").crlLocation()).contains("/x.pem");
  }

  @Test
  void nullValue_meansDefault() throws Exception {
    FedmsgConfig c = config("{\"environment\":null,\"high_water_mark\":null}");
    assertThat(c.environment()).isEqualTo("dev");
    assertThat(c.highWaterMark()).isZero();
  }

  @Test
  void durations_numberIsSecondsTextHasUnit() throws Exception {
    FedmsgConfig c = config("{\"replay_window\":90,\"discovery_refresh\":\"250ms\",\"crl_grace_period\":\"2d\"}");
    assertThat(c.replayWindow()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.discoveryRefresh()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.crlGracePeriod()).isEqualTo(Duration.ofDays(2));
  }

  /* --------------- gap_fill.reference_timeout --------------- */

  @Test
  void gapFillReferenceTimeout_default5s_parsedWithTheDurationsRules() throws Exception {
    assertThat(config("{}").gapFillReferenceTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config("{\"gap_fill.reference_timeout\":null}").gapFillReferenceTimeout())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(config("{\"gap_fill.reference_timeout\":\"250ms\"}").gapFillReferenceTimeout())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(config("{\"gap_fill.reference_timeout\":\"PT2S\"}").gapFillReferenceTimeout())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(config("{\"gap_fill.reference_timeout\":12}").gapFillReferenceTimeout())
        .isEqualTo(Duration.ofSeconds(12));
  }

  @Test
  void gapFillReferenceTimeout_notPositiveOrNotADuration_refusedNamingTheKey() {
    for (String bad : List.of("0", "\"0s\"", "\"-5s\"", "\"soon\"", "[1]", "true")) {
      assertThatThrownBy(() -> config("{\"gap_fill.reference_timeout\":" + bad + "}"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("'gap_fill.reference_timeout'");
    }
  }

  @Test
  void enumLikeValues_normalised() throws Exception {
    FedmsgConfig c = config("{\"wire_format\":\"FEDMSG2\",\"crl_failure_mode\":\"Fail-Open\",\"modname_rule\":\"fixed:app\"}");
    assertThat(c.wireFormat()).isEqualTo("fedmsg2");
    assertThat(c.crlFailureMode()).isEqualTo("fail_open");
    assertThat(c.modnameRule()).isEqualTo("fixed:app");
  }

  @Test
  void routingPolicy_stringOrList_givesLists() throws Exception {
    FedmsgConfig c = config("{\"routing_policy\":{\"t1\":\"a\",\"t2\":[\"b\",\"c\"]},\"routing_nitpicky\":true}");
    assertThat(c.routingPolicy()).containsEntry("t1", List.of("a")).containsEntry("t2", List.of("b", "c"));
    assertThat(c.routingNitpicky()).isTrue();
  }

  @Test
  void discovery_settingsCopiedInAndOut() throws Exception {
    ObjectNode tree = (ObjectNode) M.readTree("{\"discovery\":[{\"type\":\"dns-srv\",\"domain\":\"example.org\"}]}");
    FedmsgConfig c = FedmsgConfig.of(tree);
    ((ObjectNode) tree.get("discovery").get(0)).put("domain", "changed");
    DiscoverySource d = c.discovery().get(0);
    d.settings().put("domain", "changed too");
    assertThat(c.discovery().get(0).string("domain")).contains("example.org");
    assertThat(d.type()).isEqualTo("dns-srv");
  }

  @Test
  void raw_isACopy() throws Exception {
    FedmsgConfig c = config("{\"environment\":\"prod\"}");
    c.raw().put("environment", "mutated");
    assertThat(c.environment()).isEqualTo("prod");
    assertThat(c.get("environment").map(JsonNode::textValue)).contains("prod");
    assertThat(c.get("absent")).isEmpty();
  }

  @Test
  void effective_fillsDefaultsKeepsSetValues() throws Exception {
    ObjectNode e = config("{\"environment\":\"prod\",\"x.y\":1}").effective();
    assertThat(e.get("environment").textValue()).isEqualTo("prod");
    assertThat(e.get("topic_prefix").textValue()).isEqualTo("org.fedoraproject");
    assertThat(e.get("validate_signatures").booleanValue()).isTrue();
    assertThat(e.get("x.y").intValue()).isEqualTo(1);
    assertThat(e.has("name")).isFalse();
  }

  @Test
  void paths_typed() throws Exception {
    FedmsgConfig c = config("{\"ssldir\":\"/srv/pki\",\"state_dir\":\"/var/lib/x\",\"policy_file\":\"p.yaml\"}");
    assertThat(c.ssldir()).isEqualTo(Path.of("/srv/pki"));
    assertThat(c.stateDir()).contains(Path.of("/var/lib/x"));
    assertThat(c.policyFile()).contains(Path.of("p.yaml"));
  }

  @Test
  void of_wrongType_throwsConfigExceptionNamingKey() {
    assertThatThrownBy(() -> config("{\"active\":\"true\"}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'active'").hasMessageContaining("boolean");
  }

  @Test
  void of_notAnObject_throwsConfigException() {
    assertThatThrownBy(() -> config("[1]")).isInstanceOf(ConfigException.class).hasMessageContaining("mapping");
  }
}
