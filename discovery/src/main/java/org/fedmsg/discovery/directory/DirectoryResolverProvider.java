package org.fedmsg.discovery.directory;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.Durations;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.EndpointResolverProvider;
import org.fedmsg.discovery.ResolverContext;

/**
 * Provider of the {@code directory} resolver.
 *
 * <p>Options of the {@code discovery} entry: {@code servers} (list of replica endpoints, required),
 * each may be {@code {url, curve_server_key}} for a replica that is a CURVE server), {@code timeout} (per request, default {@code 2s}), {@code policy} (registration policy file), {@code ca}
 * and {@code crl} (files or https URLs). The trust store and the registration policy are taken from the
 * {@link ResolverContext} services ({@link TrustStore}, {@link RegistrationPolicy}) when the application
 * supplies them; otherwise {@code ca}/{@code crl} (or the top-level {@code ca_cert_location} and
 * {@code crl_location}) and {@code policy} are read. There is no default policy: without one the resolver
 * cannot be created (registrations must not be believed blindly).
 *
 * <p>Stateless and thread-safe.
 */
public final class DirectoryResolverProvider implements EndpointResolverProvider {

  /** The {@code type} handled. */
  public static final String TYPE = "directory";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public DirectoryResolverProvider() {}

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public EndpointResolver create(String label, JsonNode cfg, ResolverContext context) {
    List<String> servers = new ArrayList<>();
    JsonNode list = cfg.path("servers");
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("discovery[type=directory].servers: expected a non-empty list, got " + list);
    }
    java.util.Map<String, String> curveKeys = new java.util.LinkedHashMap<>();
    for (JsonNode s : list) {
      JsonNode url = s.isObject() ? s.path("url") : s;
      if (!url.isTextual() || !url.asText().matches("tcp://\\S+:\\d+")) {
        throw new IllegalArgumentException("discovery[type=directory].servers: expected tcp://host:port or "
            + "{url: tcp://host:port, curve_server_key: KEY}, got " + s);
      }
      servers.add(url.asText());
      if (s.path("curve_server_key").isTextual()) {
        curveKeys.put(url.asText(), s.path("curve_server_key").asText());
      }
    }
    Duration timeout = Durations.parse("discovery[type=directory].timeout", cfg.path("timeout"), Duration.ofSeconds(2));
    RegistrationPolicy policy = context.service(RegistrationPolicy.class).orElseGet(() -> {
      if (!cfg.path("policy").isTextual()) {
        throw new IllegalArgumentException("discovery[type=directory].policy: a registration policy file is required");
      }
      return RegistrationPolicy.load(Path.of(cfg.path("policy").asText()));
    });
    TrustStore trust = context.service(TrustStore.class).orElseGet(() -> trustFromConfig(cfg, context));
    RegistrationVerifier verifier = new RegistrationVerifier(trust, policy, context.clock());
    return new DirectoryResolver(label, new DirectoryClient(servers, curveKeys,
        context.service(org.fedmsg.crypto.CurveKeyPair.class).orElse(null), Optional.of(verifier), timeout, label),
        context.clock());
  }

  private static TrustStore trustFromConfig(JsonNode cfg, ResolverContext context) {
    String ca = cfg.path("ca").asText(context.config().path("ca_cert_location").asText(null));
    String crl = cfg.path("crl").asText(context.config().path("crl_location").asText(null));
    if (ca == null) {
      throw new IllegalArgumentException("discovery[type=directory].ca: a CA bundle is required");
    }
    TrustOptions.Builder b = TrustOptions.builder().ca(ca).clock(context.clock());
    if (crl != null) {
      b.crl(crl);
    }
    return TrustStore.create(b.build());
  }
}
