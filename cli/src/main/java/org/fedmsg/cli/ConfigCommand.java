package org.fedmsg.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.fedmsg.ConfigException;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg config}: prints the effective configuration (the merged {@code fedmsg.d} files
 * plus defaults) as JSON, or one value with {@code --query}, like the reference's
 * {@code fedmsg-config}.
 *
 * <p>Exit codes: 0 printed; 1 the queried key is not set; 2 the configuration cannot be loaded.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Print the effective configuration as JSON: the fedmsg.d/*.yaml files from /etc/fedmsg.d,",
        "$XDG_CONFIG_HOME/fedmsg.d (~/.config/fedmsg.d), ./fedmsg.d and --config/$FEDMSG_CONFIG, merged,",
        "with the defaults of unset keys."})
public final class ConfigCommand implements Callable<Integer> {
  private static final ObjectWriter PRETTY = new ObjectMapper().writerWithDefaultPrettyPrinter();
  private static final ObjectWriter COMPACT = new ObjectMapper().writer();

  @Option(names = "--config", paramLabel = "FILE|DIR",
      description = "Read this file or directory last (overrides $FEDMSG_CONFIG).")
  Path config;

  @Option(names = "--query", paramLabel = "KEY[.KEY...]",
      description = {"Print one value: strings as is, lists one item per line, mappings as JSON.",
          "Exits 1 if the key is not set. Keys that contain dots are matched whole."})
  String query;

  @Option(names = "--no-defaults", description = "Show only what the files set, without defaults.")
  boolean noDefaults;

  @Spec CommandSpec spec;

  private final Supplier<ConfigLoader.Builder> loaders;

  /** The command over the standard configuration locations of this process. */
  public ConfigCommand() {
    this(ConfigLoader::builder);
  }

  /** The command over the locations a given builder chooses (tests isolate them). */
  ConfigCommand(Supplier<ConfigLoader.Builder> loaders) {
    this.loaders = Objects.requireNonNull(loaders, "loaders");
  }

  @Override
  public Integer call() throws JsonProcessingException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    FedmsgConfig loaded;
    try {
      loaded = loaders.get().explicit(config).build().load();
    } catch (ConfigException e) {
      err.println("fedmsg config: " + e.getMessage());
      err.flush();
      return 2;
    }
    JsonNode tree = noDefaults ? loaded.raw() : loaded.effective();
    if (query == null) {
      out.println(PRETTY.writeValueAsString(tree));
      out.flush();
      return 0;
    }
    JsonNode value = lookup(tree, query);
    if (value == null) {
      err.println("fedmsg config: no value for '" + query + "'");
      err.flush();
      return 1;
    }
    if (value.isArray()) {
      for (JsonNode item : value) {
        out.println(item.isTextual() ? item.textValue() : COMPACT.writeValueAsString(item));
      }
    } else if (value.isTextual()) {
      out.println(value.textValue());
    } else if (value.isObject()) {
      out.println(PRETTY.writeValueAsString(value));
    } else {
      out.println(COMPACT.writeValueAsString(value));
    }
    out.flush();
    return 0;
  }

  /**
   * Walks {@code a.b.c}; at each level the longest run of dot-separated parts that names an
   * existing key wins, so keys such as {@code fedmsg.consumers.gateway.port} can be queried.
   * A part that is a number indexes a list. Null when absent.
   */
  static JsonNode lookup(JsonNode root, String dotted) {
    String[] parts = dotted.split("\\.", -1);
    JsonNode node = root;
    int i = 0;
    while (i < parts.length) {
      if (node == null) {
        return null;
      }
      JsonNode next = null;
      int used = 0;
      if (node.isObject()) {
        for (int j = parts.length; j > i; j--) {
          String key = String.join(".", java.util.Arrays.copyOfRange(parts, i, j));
          if (node.has(key)) {
            next = node.get(key);
            used = j - i;
            break;
          }
        }
      } else if (node.isArray() && parts[i].matches("[0-9]+")) {
        next = node.get(Integer.parseInt(parts[i]));
        used = 1;
      }
      if (next == null || next.isNull()) {
        return null;
      }
      node = next;
      i += used;
    }
    return node;
  }
}
