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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provider of the {@code directory} resolver.
 *
 * <p>Options of the {@code discovery} entry: {@code servers} (list of replica endpoints, required),
 * each may be {@code {url, curve_server_key}} for a replica that is a CURVE server), {@code timeout} (per request, default {@code 2s}), {@code policy} (registration policy file), {@code ca}
 * and {@code crl} (files or https URLs; {@code crl: none} verifies registrations without revocation
 * checking, logged at WARN; without a {@code crl} nor a top-level {@code crl_location} the resolver
 * cannot be created). The trust store and the registration policy are taken from the
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
  /** The {@code crl} value that turns revocation checking off for this source, explicitly. */
  public static final String NO_CRL = "none";
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryResolverProvider.class);

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

  /**
   * The trust store of a directory source configured by file. Revocation is never skipped silently: the
   * source's {@code crl}, else the top-level {@code crl_location}, names the CRL; {@code crl: none} is the
   * explicit choice to verify registrations without one (logged at WARN); anything else is an error.
   */
  private static TrustStore trustFromConfig(JsonNode cfg, ResolverContext context) {
    String ca = cfg.path("ca").asText(context.config().path("ca_cert_location").asText(null));
    if (ca == null) {
      throw new IllegalArgumentException("discovery[type=directory].ca: a CA bundle is required");
    }
    TrustOptions.Builder b = TrustOptions.builder().ca(ca).clock(context.clock());
    Optional<String> crl = crlLocation(cfg, context.config());
    if (crl.isPresent()) {
      b.crl(crl.get());
    } else {
      LOG.warn("discovery[type=directory]: crl: none; directory registrations are verified WITHOUT revocation "
          + "checking (a revoked service certificate can still register)");
    }
    return TrustStore.create(b.build());
  }

  /** The CRL to use, or empty for an explicit {@code crl: none}. */
  static Optional<String> crlLocation(JsonNode cfg, JsonNode config) {
    JsonNode own = cfg.path("crl");
    if (own.isTextual() && own.asText().equals(NO_CRL)) {
      return Optional.empty();
    }
    if (own.isTextual() && !own.asText().isBlank()) {
      return Optional.of(own.asText());
    }
    if (!own.isMissingNode()) {
      throw new IllegalArgumentException("discovery[type=directory].crl: expected a CRL file or https URL, or "
          + "none, got " + own);
    }
    JsonNode top = config.path("crl_location");
    if (top.isTextual() && !top.asText().isBlank()) {
      return Optional.of(top.asText());
    }
    throw new IllegalArgumentException("discovery[type=directory].crl: no CRL to check registrations against "
        + (top.isMissingNode() ? "(no crl_location either)" : "(crl_location is " + top + ")")
        + "; set crl: FILE|URL, or crl: none to verify them without revocation checking");
  }
}
