package org.fedmsg.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.fedmsg.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds, reads and merges the {@code fedmsg.d/*.yaml} configuration files.
 *
 * <p>Sources, in order (later ones win): {@code /etc/fedmsg.d}, the user's directory
 * ({@code $XDG_CONFIG_HOME/fedmsg.d}, default {@code ~/.config/fedmsg.d}), {@code ./fedmsg.d},
 * then the explicit path: {@code --config FILE|DIR} if given, else {@code $FEDMSG_CONFIG}. In a
 * directory, the files ending in {@code .yaml} or {@code .yml} (not hidden) are read in file-name
 * order. A standard directory that does not exist is skipped; an explicit path that does not exist
 * is an error. Files are merged recursively: mappings are merged key by key, any other value
 * (lists included) replaces the earlier one.
 *
 * <pre>{@code
 * FedmsgConfig config = ConfigLoader.builder().explicit(Path.of("/srv/app/fedmsg.d")).build().load();
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@link #load()} reads the files again on each call.
 */
public final class ConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

  /** The system directory. */
  public static final Path SYSTEM_DIR = Path.of("/etc/fedmsg.d");

  /** The environment variable naming an explicit config file or directory. */
  public static final String ENV_CONFIG = "FEDMSG_CONFIG";

  private static final ObjectReader YAML = new YAMLMapper(YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build())
      .readerFor(JsonNode.class);

  private final List<Path> sources;
  private final List<Path> required;

  private ConfigLoader(List<Path> sources, List<Path> required) {
    this.sources = List.copyOf(sources);
    this.required = List.copyOf(required);
  }

  /** A builder for the standard sources of this process (its environment, home, working dir). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the standard sources plus {@code explicit} (or {@code $FEDMSG_CONFIG} when null).
   *
   * @throws ConfigException as {@link #load()}
   */
  public static FedmsgConfig loadDefault(Path explicit) {
    return builder().explicit(explicit).build().load();
  }

  /** The files and directories this loader reads, lowest priority first. */
  public List<Path> sources() {
    return sources;
  }

  /**
   * Reads and merges every source, checks the result and returns it. Unknown keys are logged as
   * warnings (and kept in {@link FedmsgConfig#warnings()}).
   *
   * @throws ConfigException naming the file (and key) when a file cannot be read or parsed, a
   *     value has the wrong type, or an explicit path does not exist
   */
  public FedmsgConfig load() {
    ObjectNode merged = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    Map<List<String>, Path> origins = new HashMap<>();
    List<Path> read = new ArrayList<>();
    for (Path source : sources) {
      for (Path file : filesOf(source, required.contains(source))) {
        ObjectNode doc = readFile(file);
        merge(merged, doc, List.of(), file, origins);
        read.add(file);
      }
    }
    List<String> warnings = new ArrayList<>();
    ConfigSchema.Checker checker = new ConfigSchema.Checker() {
      @Override
      public RuntimeException wrongType(List<String> path, String expected, JsonNode actual) {
        return new ConfigException(where(origins, path) + "key '" + String.join(".", path) + "' must be "
            + expected + ", not " + describe(actual));
      }

      @Override
      public void warn(List<String> path, String message) {
        String w = where(origins, path) + message;
        warnings.add(w);
        LOG.warn("{}", w);
      }
    };
    merged.properties().forEach(e -> ConfigSchema.check(e.getKey(), e.getValue(), checker));
    return new FedmsgConfig(merged, read, warnings);
  }

  private static String where(Map<List<String>, Path> origins, List<String> path) {
    for (int n = path.size(); n > 0; n--) {
      Path file = origins.get(path.subList(0, n));
      if (file != null) {
        return file + ": ";
      }
    }
    return "";
  }

  private static String describe(JsonNode v) {
    if (v == null || v.isNull()) {
      return "null";
    }
    String text = v.toString();
    if (text.length() > 60) {
      text = text.substring(0, 57) + "...";
    }
    String type = v.isTextual() ? "string" : v.isNumber() ? "number" : v.isBoolean() ? "boolean"
        : v.isArray() ? "list" : v.isObject() ? "mapping" : v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    return type + " " + text;
  }

  private static List<Path> filesOf(Path source, boolean mustExist) {
    if (Files.isDirectory(source)) {
      try (Stream<Path> s = Files.list(source)) {
        return s.filter(p -> {
          String n = p.getFileName().toString();
          return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml")) && Files.isRegularFile(p);
        }).sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
      } catch (IOException e) {
        throw new ConfigException(source + ": cannot list config directory: " + e.getMessage(), e);
      }
    }
    if (Files.isRegularFile(source)) {
      return List.of(source);
    }
    if (mustExist) {
      throw new ConfigException(source + ": config file or directory does not exist");
    }
    return List.of();
  }

  private static ObjectNode readFile(Path file) {
    JsonNode doc;
    try {
      doc = YAML.readTree(Files.readAllBytes(file));
    } catch (JacksonException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new ConfigException(file + ": not valid YAML" + where + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e, e);
    }
    if (doc == null || doc.isMissingNode() || doc.isNull()) {
      return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(); // empty file
    }
    if (!doc.isObject()) {
      throw new ConfigException(file + ": the top level must be a mapping of keys to values, not a "
          + doc.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
    }
    return (ObjectNode) doc;
  }

  /** Merges {@code src} into {@code target}: mappings key by key, anything else replaced. */
  static void merge(ObjectNode target, ObjectNode src, List<String> prefix, Path file,
      Map<List<String>, Path> origins) {
    src.properties().forEach(e -> {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      path = List.copyOf(path);
      JsonNode existing = target.get(e.getKey());
      JsonNode value = e.getValue();
      if (existing != null && existing.isObject() && value.isObject()) {
        origins.putIfAbsent(path, file);
        merge((ObjectNode) existing, (ObjectNode) value, path, file, origins);
      } else {
        List<String> p = path;
        origins.keySet().removeIf(k -> k.size() > p.size() && k.subList(0, p.size()).equals(p));
        origins.put(path, file);
        target.set(e.getKey(), value.deepCopy());
      }
    });
  }

  /**
   * Chooses the sources. By default: the standard locations computed from the environment, home
   * and working directory of this process. Not thread-safe.
   */
  public static final class Builder {
    private Map<String, String> env = System.getenv();
    private Path home = Path.of(System.getProperty("user.home"));
    private Path workingDir = Path.of("").toAbsolutePath();
    private Path systemDir = SYSTEM_DIR;
    private Path explicit;
    private List<Path> sources;

    private Builder() {}

    /**
     * The environment to read {@code XDG_CONFIG_HOME}, {@code HOME} and {@code FEDMSG_CONFIG}
     * from (default: this process's). Copied.
     */
    public Builder environment(Map<String, String> env) {
      this.env = Map.copyOf(env);
      return this;
    }

    /** The home directory used when neither {@code XDG_CONFIG_HOME} nor {@code HOME} is set. */
    public Builder homeDirectory(Path home) {
      this.home = Objects.requireNonNull(home, "home");
      return this;
    }

    /** The directory whose {@code fedmsg.d} is read third (default: the working directory). */
    public Builder workingDirectory(Path dir) {
      this.workingDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** The system directory (default {@code /etc/fedmsg.d}). */
    public Builder systemDirectory(Path dir) {
      this.systemDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * The {@code --config} file or directory, read last; overrides {@code FEDMSG_CONFIG}. Null
     * clears it. It must exist when loading.
     */
    public Builder explicit(Path fileOrDir) {
      this.explicit = fileOrDir;
      return this;
    }

    /**
     * Replaces the standard locations with exactly these files and directories, lowest priority
     * first; the environment is then not consulted, the explicit path still comes last. Every one
     * of them must exist when loading.
     */
    public Builder sources(List<Path> sources) {
      this.sources = List.copyOf(sources);
      return this;
    }

    /** The loader. */
    public ConfigLoader build() {
      List<Path> list = new ArrayList<>();
      List<Path> required = new ArrayList<>();
      if (sources != null) {
        list.addAll(sources);
        required.addAll(sources);
      } else {
        list.add(systemDir);
        list.add(userDir());
        list.add(workingDir.resolve("fedmsg.d"));
      }
      Path last = explicit;
      if (last == null && sources == null) {
        String fromEnv = env.get(ENV_CONFIG);
        if (fromEnv != null && !fromEnv.isBlank()) {
          last = Path.of(fromEnv);
        }
      }
      if (last != null) {
        list.add(last);
        required.add(last);
      }
      return new ConfigLoader(list, required);
    }

    private Path userDir() {
      String xdg = env.get("XDG_CONFIG_HOME");
      // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
      if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
        return Path.of(xdg, "fedmsg.d");
      }
      String h = env.get("HOME");
      Path base = h != null && !h.isBlank() ? Path.of(h) : home;
      return base.resolve(".config").resolve("fedmsg.d");
    }
  }
}
