package org.fedmsg.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Creates the resolvers named by the {@code discovery} list of a configuration.
 *
 * <p>Stateless and thread-safe.
 */
public final class Resolvers {

  private Resolvers() {}

  /**
   * Creates one resolver per entry of {@code discovery} in {@code context.config()} (default
   * {@code [{type: file}]}), with providers found by {@link ServiceLoader} on the thread's context class
   * loader.
   *
   * @param context the configuration and shared services
   * @return the resolvers in configuration order
   * @throws IllegalArgumentException if the list is malformed or names a type no provider handles (the
   *     message names it)
   */
  public static List<EndpointResolver> create(ResolverContext context) {
    return create(context.config(), context, installedProviders(Thread.currentThread().getContextClassLoader()));
  }

  /**
   * Creates one resolver per entry of the {@code discovery} list of {@code config} with the given providers
   * only (tests and plug-in hosts use this to bypass {@link ServiceLoader}).
   *
   * @param config the merged configuration tree
   * @param context the context passed to every provider
   * @param providers the providers to choose from, by {@link EndpointResolverProvider#type()}
   * @return the resolvers in configuration order
   * @throws IllegalArgumentException if the list is malformed or names an unknown type
   */
  public static List<EndpointResolver> create(
      JsonNode config, ResolverContext context, List<EndpointResolverProvider> providers) {
    Map<String, EndpointResolverProvider> byType = new HashMap<>();
    for (EndpointResolverProvider p : providers) {
      byType.putIfAbsent(p.type(), p);
    }
    List<JsonNode> entries = entries(config);
    Map<String, Integer> seen = new LinkedHashMap<>();
    List<EndpointResolver> out = new ArrayList<>();
    try {
      for (JsonNode entry : entries) {
        String type = entry.path("type").asText("");
        EndpointResolverProvider provider = byType.get(type);
        if (provider == null) {
          throw new IllegalArgumentException("discovery: unknown type '" + type + "' (known: "
              + byType.keySet().stream().sorted().collect(Collectors.joining(", ")) + ")");
        }
        int n = seen.merge(type, 1, Integer::sum);
        String label = n == 1 ? type : type + "#" + n;
        out.add(provider.create(label, entry, context));
      }
    } catch (RuntimeException e) {
      out.forEach(EndpointResolver::close);
      throw e;
    }
    return List.copyOf(out);
  }

  /**
   * The providers registered with {@link ServiceLoader}.
   *
   * @param loader the class loader to search (plug-in jars), or null for the system class loader
   * @return the providers, in discovery order
   */
  public static List<EndpointResolverProvider> installedProviders(ClassLoader loader) {
    return ServiceLoader.load(EndpointResolverProvider.class, loader).stream()
        .map(ServiceLoader.Provider::get)
        .collect(Collectors.toList());
  }

  /**
   * For each resolver label {@link #create} gives, a key naming its source configuration: the label
   * and a digest of its {@code discovery} entry and of the top-level keys resolvers read
   * ({@code endpoints}, {@code srv_endpoints}). Processes sharing a state directory with different
   * configurations get different keys, so their last known good answers do not overwrite each other.
   */
  static Map<String, String> sourceKeys(JsonNode config) {
    Map<String, Integer> seen = new HashMap<>();
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode entry : entries(config)) {
      String type = entry.path("type").asText("");
      int n = seen.merge(type, 1, Integer::sum);
      String label = n == 1 ? type : type + "#" + n;
      ObjectNode described = JsonNodeFactory.instance.objectNode();
      described.set("entry", entry);
      described.set("endpoints", config.path("endpoints"));
      described.set("srv_endpoints", config.path("srv_endpoints"));
      try {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
            .digest(described.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.put(label, label + "@" + java.util.HexFormat.of().formatHex(digest, 0, 8));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is always available", e);
      }
    }
    return out;
  }

  private static List<JsonNode> entries(JsonNode config) {
    JsonNode list = config.path("discovery");
    if (list.isMissingNode() || list.isNull()) {
      ObjectNode file = JsonNodeFactory.instance.objectNode().put("type", "file");
      return List.of(file);
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException("discovery: expected a list of {type: ...} entries, got " + list);
    }
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode entry : list) {
      if (entry.isTextual()) {
        // Shorthand "- file" for "- type: file".
        out.add(JsonNodeFactory.instance.objectNode().put("type", entry.asText()));
      } else if (entry.isObject() && entry.path("type").isTextual()) {
        out.add(entry);
      } else {
        throw new IllegalArgumentException("discovery: entry without a 'type': " + entry);
      }
    }
    return out;
  }
}
