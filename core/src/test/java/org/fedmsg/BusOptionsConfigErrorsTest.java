package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration mistakes noticed when the bus options are built are {@link ConfigException}s that name
 * the key and the file, like the ones the loader finds (they used to be IllegalStateException).
 */
class BusOptionsConfigErrorsTest {
  @TempDir Path tmp;

  private FedmsgConfig load(String yaml) throws Exception {
    Files.createDirectories(tmp.resolve("d"));
    Files.writeString(tmp.resolve("d/1.yaml"), yaml);
    return ConfigLoader.builder().sources(List.of(tmp.resolve("d"))).build().load();
  }

  @Test
  void nameWithoutEndpoints_configExceptionNamingKeyAndFile() throws Exception {
    FedmsgConfig config = load("name: bodhi\nendpoints:\n  other: tcp://127.0.0.1:9\n");
    assertThatThrownBy(() -> BusOptions.builder().apply(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key 'name'").hasMessageContaining("bodhi").hasMessageContaining("'endpoints'")
        .hasMessageContaining(tmp.resolve("d/1.yaml").toString());
  }

  @Test
  void fedmsg2WithoutSigning_configExceptionNamingKeyAndFile() throws Exception {
    FedmsgConfig config = load("name: bodhi\nendpoints:\n  bodhi: tcp://127.0.0.1:9\nwire_format: fedmsg2\n");
    assertThatThrownBy(() -> BusOptions.builder().apply(config).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key 'wire_format'").hasMessageContaining("sign_messages")
        .hasMessageContaining(tmp.resolve("d/1.yaml").toString());
  }

  @Test
  void sameMistakeWithoutConfiguration_stillConfigException() {
    assertThatThrownBy(() -> BusOptions.builder().name("bodhi").build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("key 'name'");
  }
}
