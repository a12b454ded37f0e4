package org.fedmsg.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResolversTest {

  private static JsonNode json(String s) throws Exception {
    return new ObjectMapper().readTree(s.replace('\'', '"'));
  }

  @Test
  void create_noDiscoveryKey_defaultsToFile() throws Exception {
    ResolverContext ctx = ResolverContext.builder().config(json("{'endpoints': {'a': 'tcp://h:1'}}")).build();
    List<EndpointResolver> rs = Resolvers.create(ctx);
    assertThat(rs).extracting(EndpointResolver::label).containsExactly("file");
    assertThat(rs.get(0).resolve().endpoints()).extracting(Endpoint::url).containsExactly("tcp://h:1");
  }

  @Test
  void create_serviceLoader_findsBuiltInProviders() {
    assertThat(Resolvers.installedProviders(getClass().getClassLoader()))
        .extracting(EndpointResolverProvider::type).contains("file", "dns-srv", "directory");
  }

  @Test
  void create_sameTypeTwice_labelsAreUnique() throws Exception {
    ResolverContext ctx = ResolverContext.builder().config(json("{'discovery': ['file', {'type': 'file'}]}")).build();
    assertThat(Resolvers.create(ctx)).extracting(EndpointResolver::label).containsExactly("file", "file#2");
  }

  @Test
  void create_explicitProviders_bypassServiceLoader() throws Exception {
    EndpointResolverProvider custom = new EndpointResolverProvider() {
      @Override
      public String type() {
        return "custom";
      }

      @Override
      public EndpointResolver create(String label, JsonNode cfg, ResolverContext c) {
        return new TestResolver(label, c.clock());
      }
    };
    JsonNode cfg = json("{'discovery': [{'type': 'custom'}]}");
    ResolverContext ctx = ResolverContext.builder().config(cfg).build();
    assertThat(Resolvers.create(cfg, ctx, List.of(custom))).extracting(EndpointResolver::label)
        .containsExactly("custom");
    assertThatThrownBy(() -> Resolvers.create(ctx)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown type 'custom'");
  }

  @Test
  void create_malformedList_namesTheProblem() throws Exception {
    assertThatThrownBy(() -> Resolvers.create(ResolverContext.builder().config(json("{'discovery': 'file'}")).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a list");
    assertThatThrownBy(() -> Resolvers.create(ResolverContext.builder().config(json("{'discovery': [{'x': 1}]}")).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a 'type'");
  }

  @Test
  void fromConfig_discoveryRefresh_parsed() throws Exception {
    ResolverContext ctx = ResolverContext.builder().config(json("{'discovery_refresh': '5m', 'endpoints': {}}")).build();
    try (Discovery d = Discovery.fromConfig(ctx, null)) {
      assertThat(d.refreshInterval()).isEqualTo(Duration.ofMinutes(5));
    }
  }
}
