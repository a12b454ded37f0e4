package org.fedmsg.discovery.file;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.EndpointResolverProvider;
import org.fedmsg.discovery.ResolverContext;

/**
 * Provider of the {@code file} resolver: the reference {@code endpoints} map of the configuration.
 *
 * <p>Options of the {@code discovery} entry:
 * <ul>
 *   <li>{@code path} (optional): read the {@code endpoints} map from this YAML or JSON file at every
 *       resolution instead of from the configuration tree, so edits are picked up without a restart;</li>
 *   <li>{@code exclude} (optional, default {@code [relay_inbound]}): service names that are not publishers
 *       (the reference subscriber skips {@code relay_inbound}, where the relay <em>listens</em>).</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class FileResolverProvider implements EndpointResolverProvider {

  /** The {@code type} handled. */
  public static final String TYPE = "file";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public FileResolverProvider() {}

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public EndpointResolver create(String label, JsonNode sourceConfig, ResolverContext context) {
    JsonNode path = sourceConfig.path("path");
    if (!path.isMissingNode() && !path.isTextual()) {
      throw new IllegalArgumentException("discovery[type=file].path: expected a file name, got " + path);
    }
    Set<String> exclude = new HashSet<>();
    JsonNode ex = sourceConfig.path("exclude");
    if (ex.isMissingNode()) {
      exclude.add("relay_inbound");
    } else if (ex.isArray()) {
      ex.forEach(n -> exclude.add(n.asText()));
    } else {
      throw new IllegalArgumentException("discovery[type=file].exclude: expected a list, got " + ex);
    }
    return new FileResolver(label, context.config(),
        path.isTextual() ? Optional.of(Path.of(path.asText())) : Optional.empty(), exclude, context.clock());
  }
}
