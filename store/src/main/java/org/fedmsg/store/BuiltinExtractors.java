package org.fedmsg.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Extractors for the services whose messages the project's fixtures hold (Fedora's koji
 * "buildsys", copr, github2fedmsg, bodhi). Field choices follow what fedmsg.meta's processors
 * reported for these services.
 */
final class BuiltinExtractors {
  private BuiltinExtractors() {}

  static final List<ServiceExtractor> ALL = List.of(
      new Fields("buildsys", List.of("owner", "user"), List.of("name")),
      new Fields("copr", List.of("user", "owner"), List.of("pkg")),
      new Fields("bodhi", List.of("agent"), List.of()),
      new Github());

  /** Users and packages are string fields of {@code msg} (missing or non-string fields are skipped). */
  record Fields(String service, List<String> userFields, List<String> packageFields) implements ServiceExtractor {
    @Override
    public Set<String> users(String topic, JsonNode msg) {
      return strings(msg, userFields);
    }

    @Override
    public Set<String> packages(String topic, JsonNode msg) {
      return strings(msg, packageFields);
    }
  }

  /** github2fedmsg maps GitHub accounts to Fedora accounts in {@code fas_usernames}: {github: fas}. */
  static final class Github implements ServiceExtractor {
    @Override
    public String service() {
      return "github";
    }

    @Override
    public Set<String> users(String topic, JsonNode msg) {
      Set<String> out = new LinkedHashSet<>();
      msg.path("fas_usernames").forEach(v -> {
        if (v.isTextual()) {
          out.add(v.textValue());
        }
      });
      return out;
    }
  }

  private static Set<String> strings(JsonNode msg, List<String> fields) {
    Set<String> out = new LinkedHashSet<>();
    for (String f : fields) {
      JsonNode v = msg.get(f);
      if (v != null && v.isTextual()) {
        out.add(v.textValue());
      }
    }
    return out;
  }
}
