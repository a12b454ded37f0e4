package org.fedmsg.discovery;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Service-provider interface: creates an {@link EndpointResolver} for one {@code type} of the
 * {@code discovery} configuration list.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/org.fedmsg.discovery.EndpointResolverProvider}) or passed explicitly to
 * {@link Resolvers#create(JsonNode, ResolverContext, java.util.List)}. Implementations must be stateless and
 * have a public no-argument constructor. The SPI evolves with {@code default} methods only.
 */
public interface EndpointResolverProvider {

  /**
   * The {@code type} this provider handles, e.g. {@code file}, {@code dns-srv}, {@code directory}.
   *
   * @return the type name, never null
   */
  String type();

  /**
   * Creates a resolver.
   *
   * @param label the label the resolver must report as its source
   * @param sourceConfig this entry of the {@code discovery} list (an object with at least {@code type})
   * @param context the whole configuration and shared services
   * @return a new resolver
   * @throws IllegalArgumentException if the entry is malformed (the message names the key and value)
   */
  EndpointResolver create(String label, JsonNode sourceConfig, ResolverContext context);
}
