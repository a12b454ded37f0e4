package org.fedmsg.discovery.dns;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fedmsg.discovery.Durations;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.EndpointResolverProvider;
import org.fedmsg.discovery.ResolverContext;

/**
 * Provider of the {@code dns-srv} resolver.
 *
 * <p>Options of the {@code discovery} entry:
 * <ul>
 *   <li>{@code domains}: list of domains; {@code _fedmsg._tcp.<domain>} is queried for each and the
 *       endpoints are reported under the service name {@code <domain>}, as the reference
 *       {@code srv_endpoints} did. When absent, the top-level {@code srv_endpoints} list is used.</li>
 *   <li>{@code nameservers} (optional): {@code host} or {@code host:port} ({@code [v6]:port}); the system
 *       resolver configuration otherwise.</li>
 *   <li>{@code timeout} (optional, default {@code 5s}): per query.</li>
 *   <li>{@code ordering} (optional): {@code weighted} (RFC 2782, default) or {@code deterministic}.</li>
 *   <li>{@code curve_txt} (optional, default {@code true}): look up CURVE keys in TXT records at
 *       {@code _<port>._fedmsg-curve.<target>}; only ever done when the top-level {@code curve.enabled}
 *       is true.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class DnsSrvResolverProvider implements EndpointResolverProvider {

  /** The {@code type} handled. */
  public static final String TYPE = "dns-srv";

  /** Creates the provider (for {@link java.util.ServiceLoader}). */
  public DnsSrvResolverProvider() {}

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public EndpointResolver create(String label, JsonNode cfg, ResolverContext context) {
    JsonNode domainsNode = cfg.has("domains") ? cfg.path("domains") : context.config().path("srv_endpoints");
    List<String> domains = strings("domains", domainsNode);
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("discovery[type=dns-srv].domains: at least one domain is required");
    }
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String ns : strings("nameservers", cfg.path("nameservers"))) {
      servers.add(parseServer(ns));
    }
    Duration timeout = Durations.parse("discovery[type=dns-srv].timeout", cfg.path("timeout"), Duration.ofSeconds(5));
    SrvOrdering.Mode mode;
    String ordering = cfg.path("ordering").asText("weighted").toUpperCase(Locale.ROOT);
    try {
      mode = SrvOrdering.Mode.valueOf(ordering);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "discovery[type=dns-srv].ordering: expected weighted or deterministic, got " + cfg.path("ordering"), e);
    }
    // CURVE keys are looked up only when CURVE is on: with it off they are never used, and a
    // server refusing the TXT query would otherwise earn a warning on every refresh.
    boolean curveOn = context.config().path("curve").path("enabled").asBoolean(false);
    boolean curveTxt = curveOn && cfg.path("curve_txt").asBoolean(true);
    return new DnsSrvResolver(label, domains, servers, timeout, mode, curveTxt, context.clock(), new SecureRandom());
  }

  private static List<String> strings(String key, JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException("discovery[type=dns-srv]." + key + ": expected a list, got " + node);
    }
    for (JsonNode n : node) {
      if (!n.isTextual() || n.asText().isBlank()) {
        throw new IllegalArgumentException("discovery[type=dns-srv]." + key + ": expected names, got " + n);
      }
      out.add(n.asText().trim());
    }
    return out;
  }

  /**
   * Parses {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port} (port 53 by default).
   *
   * @throws IllegalArgumentException if malformed
   */
  static InetSocketAddress parseServer(String text) {
    String host = text;
    int port = 53;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("nameserver '" + text + "': missing ']'");
      }
      host = text.substring(1, close);
      if (close + 1 < text.length()) {
        port = port(text, text.substring(close + 1));
      }
    } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
      host = text.substring(0, text.indexOf(':'));
      port = port(text, text.substring(text.indexOf(':')));
    }
    // Unresolved on purpose: a name is looked up when the resolver is built, not at config parse time.
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static int port(String text, String colonPort) {
    try {
      int p = Integer.parseInt(colonPort.substring(1));
      if (colonPort.charAt(0) == ':' && p > 0 && p < 65536) {
        return p;
      }
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException("nameserver '" + text + "': bad port");
  }
}
