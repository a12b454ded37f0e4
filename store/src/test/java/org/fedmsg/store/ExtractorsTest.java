package org.fedmsg.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The extractor SPI: ServiceLoader registration, replacement of a built-in, failures contained, limits. */
class ExtractorsTest {
  /** Registered in this module's test META-INF/services. */
  public static final class Widgets implements ServiceExtractor {
    @Override
    public String service() {
      return "widgets";
    }

    @Override
    public Set<String> users(String topic, JsonNode msg) {
      return Set.of(msg.path("maker").asText());
    }
  }

  private static ObjectNode body(ObjectNode msg) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.set("msg", msg);
    return b;
  }

  @Test
  void loaded_findsProvidersOnTheClassPath() {
    Extractors.Derived d = Extractors.loaded().derive("org.example.prod.widgets.made",
        body(JsonNodeFactory.instance.objectNode().put("maker", "zoe")));
    assertThat(d.category()).isEqualTo("widgets");
    assertThat(d.users()).containsExactly("zoe");
    assertThat(d.packages()).isEmpty();
  }

  @Test
  void derive_unknownServiceOrShortTopic_noNames() {
    Extractors e = new Extractors(BuiltinExtractors.ALL);
    ObjectNode msg = JsonNodeFactory.instance.objectNode().put("owner", "alice").put("name", "kernel");
    assertThat(e.derive("org.fedoraproject.prod.nobody.knows", body(msg)))
        .isEqualTo(new Extractors.Derived("nobody", Set.of(), Set.of()));
    assertThat(e.derive("a.b.c", body(msg))).isEqualTo(new Extractors.Derived(null, Set.of(), Set.of()));
  }

  @Test
  void derive_laterExtractorReplacesBuiltIn_throwingOneContained_oversizedNamesDropped() {
    ServiceExtractor throwing = new ServiceExtractor() {
      @Override
      public String service() {
        return "buildsys";
      }

      @Override
      public Set<String> users(String topic, JsonNode msg) {
        throw new IllegalStateException("boom");
      }
    };
    Extractors e = new Extractors(List.of(BuiltinExtractors.ALL.get(0), throwing));
    ObjectNode msg = JsonNodeFactory.instance.objectNode().put("owner", "alice");
    assertThat(e.derive("org.fedoraproject.prod.buildsys.tag", body(msg)).users()).isEmpty();
    ObjectNode big = JsonNodeFactory.instance.objectNode().put("owner", "x".repeat(257)).put("name", "ok");
    Extractors.Derived d = new Extractors(BuiltinExtractors.ALL).derive("org.fedoraproject.prod.buildsys.tag", body(big));
    assertThat(d.users()).isEmpty();
    assertThat(d.packages()).containsExactly("ok");
  }

  @Test
  void github_fasUsernames() {
    ObjectNode msg = JsonNodeFactory.instance.objectNode();
    msg.putObject("fas_usernames").put("octocat", "ralph").put("other", "threebean");
    assertThat(new Extractors(BuiltinExtractors.ALL).derive("org.fedoraproject.prod.github.status", body(msg)).users())
        .containsExactlyInAnyOrder("ralph", "threebean");
  }
}
