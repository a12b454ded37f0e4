package org.fedmsg.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.testing.ProjectRoot;
import org.junit.jupiter.api.Test;

class ConfigSchemaTest {

  @Test
  void keys_everyKeyDocumentedInConfigurationReference() throws IOException {
    String doc = Files.readString(ProjectRoot.resolve("docs/configuration.md"));
    List<String> missing = new ArrayList<>();
    for (String key : ConfigSchema.KEYS.keySet()) {
      if (!doc.contains("`" + key + "`")) {
        missing.add(key);
      }
    }
    for (String key : ConfigSchema.CURVE_KEYS) {
      if (!doc.contains("`curve." + key + "`")) {
        missing.add("curve." + key);
      }
    }
    for (String key : ConfigSchema.AMQP_KEYS.keySet()) {
      if (!doc.contains("`amqp." + key + "`")) {
        missing.add("amqp." + key);
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void suggestion_closeMisspelling_found_farName_none() {
    assertThat(ConfigSchema.suggestion("enviroment")).isEqualTo("environment");
    assertThat(ConfigSchema.suggestion("validate_signature")).isEqualTo("validate_signatures");
    assertThat(ConfigSchema.suggestion("completely_different")).isNull();
  }
}
