package org.fedmsg;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fedmsg.config.ConfiguredEndpoint;
import org.fedmsg.config.DiscoverySource;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.Discovery;
import org.fedmsg.discovery.Durations;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointChange;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.discovery.directory.DirectoryClient;
import org.fedmsg.discovery.directory.DirectoryRegistrar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a bus to discovery: which publishers a subscriber connects to (and, as they come and
 * go, connects to or drops), and the registration a publisher keeps with the directory service.
 */
final class BusDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(BusDiscovery.class);

  private BusDiscovery() {}

  /**
   * The discovery a subscriber of this bus follows: the one given, else one built from the
   * configuration's {@code discovery} list (default: the {@code endpoints} map); null for a bus
   * built without configuration, or whose endpoints the program set after the configuration,
   * which connects to its static endpoints.
   *
   * @throws ConfigException for a malformed {@code discovery} section
   */
  static Discovery open(BusOptions options, TrustStore trust) {
    if (options.discovery != null) {
      return options.discovery;
    }
    FedmsgConfig config = options.config;
    if (config == null || options.endpointsOverridden) {
      return null;
    }
    ResolverContext.Builder context = ResolverContext.builder().config(config.effective()).clock(options.clock);
    if (trust != null) {
      context.service(TrustStore.class, trust);
    }
    try {
      Path state = config.stateDir().map(dir -> dir.resolve("discovery")).orElse(null);
      return Discovery.fromConfig(context.build(), state);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("discovery: " + e.getMessage(), e);
    }
  }

  /** Connects to what is new and drops what vanished (unless another source still lists its URL). */
  static void apply(ZmqSubscriber subscriber, EndpointChange change) {
    for (Endpoint gone : change.removed()) {
      boolean stillListed = change.current().endpoints().stream().anyMatch(e -> e.url().equals(gone.url()));
      if (!stillListed) {
        LOG.info("discovery: {} ({}) is gone; disconnecting", gone.url(), gone.source());
        subscriber.disconnect(gone.url());
      }
    }
    for (Endpoint added : change.added()) {
      LOG.info("discovery: connecting to {} of {} ({})", added.url(), added.service(), added.source());
      subscriber.connect(added.url(), added.curveServerKey().orElse(null));
    }
  }

  /**
   * A registrar that keeps this publisher registered with every directory replica of the
   * configuration, or null when there is no directory source (or nothing to sign with).
   */
  static DirectoryRegistrar publisherRegistrar(BusOptions options, Signer signer, String boundEndpoint,
      String replayBound) {
    if (options.config == null || signer == null || options.name == null || options.active) {
      return null;
    }
    return registrar(options, signer, options.name, boundEndpoint, replayBound);
  }

  /**
   * A registrar that keeps {@code service} (bound at {@code boundEndpoint}) registered with the
   * directory replicas of the first {@code directory} source of the configuration, announcing
   * this process's CURVE public key when CURVE is on; null when there is no such source.
   *
   * @throws ConfigException when the directory source is malformed
   */
  static DirectoryRegistrar registrar(BusOptions options, Signer signer, String service, String boundEndpoint) {
    return registrar(options, signer, service, boundEndpoint, null);
  }

  /**
   * As {@link #registrar(BusOptions, Signer, String, String)}, also announcing the replay endpoint
   * bound at {@code replayBound} (null: none) under the host name of {@code replay_endpoints[service]}.
   */
  static DirectoryRegistrar registrar(BusOptions options, Signer signer, String service, String boundEndpoint,
      String replayBound) {
    FedmsgConfig config = options.config;
    for (DiscoverySource source : config.discovery()) {
      if (!source.type().equals("directory")) {
        continue;
      }
      List<ConfiguredEndpoint> servers = source.servers();
      if (servers.isEmpty()) {
        continue;
      }
      Map<String, String> serverKeys = new LinkedHashMap<>();
      servers.forEach(s -> s.curveServerKey().ifPresent(k -> serverKeys.put(s.url(), k)));
      String advertised = advertised(boundEndpoint, options.endpoints.getOrDefault(service, List.of()));
      // A CURVE publisher announces its public key, so that subscribers can connect to it.
      Optional<String> curveKey = options.curve.enabled() && !options.curve.plainEndpoints().contains(boundEndpoint)
          ? options.curve.keyPair().map(CurveKeyPair::publicKeyZ85) : Optional.empty();
      DirectoryClient client = null;
      try {
        Duration lifetime = Durations.parse("discovery[type=directory].registration_lifetime",
            source.settings().path("registration_lifetime"), DirectoryRegistrar.DEFAULT_LIFETIME);
        client = new DirectoryClient(servers.stream().map(ConfiguredEndpoint::url).toList(),
            serverKeys, options.curve.keyPair().orElse(null), Optional.empty(), Duration.ofSeconds(2), "registrar");
        Optional<String> replay = replayBound == null ? Optional.empty() : Optional.of(advertised(replayBound,
            List.of(config.replayEndpoints().getOrDefault(service, replayBound))));
        return new DirectoryRegistrar(client, signer, service, List.of(advertised), curveKey, replay, lifetime,
            options.clock);
      } catch (RuntimeException e) {
        if (client != null) {
          client.close();
        }
        throw e instanceof IllegalArgumentException ? new ConfigException("discovery[type=directory]: "
            + e.getMessage(), e) : e;
      }
    }
    return null;
  }

  /**
   * The replay endpoints of the publishers among {@code connected}: from discovery when the bus
   * follows one (its {@link org.fedmsg.discovery.Snapshot#replayEndpoints()}), else from the
   * configuration's {@code replay_endpoints} for the services of the static {@code endpoints}.
   */
  static List<Endpoint> replayEndpoints(BusOptions options, Discovery discovery, java.util.Set<String> connected) {
    java.util.Set<String> services = new java.util.HashSet<>();
    List<Endpoint> out = new java.util.ArrayList<>();
    if (discovery != null) {
      org.fedmsg.discovery.Snapshot snap = discovery.current();
      for (Endpoint e : snap.endpoints()) {
        if (connected.contains(e.url())) {
          services.add(e.service());
        }
      }
      for (Endpoint r : snap.replayEndpoints()) {
        if (services.contains(r.publisherService())) {
          out.add(r);
        }
      }
      return List.copyOf(out);
    }
    if (options.config == null) {
      return List.of();
    }
    Map<String, String> replay = options.config.replayEndpoints();
    options.endpoints.forEach((service, urls) -> {
      String url = replay.get(service);
      if (url == null || urls.stream().noneMatch(connected::contains)) {
        return;
      }
      // The replay socket has its publisher's CURVE key.
      java.util.Set<String> keys = new java.util.HashSet<>();
      urls.forEach(u -> keys.add(options.curve.serverKeys().get(u)));
      Optional<String> key = keys.size() == 1 ? Optional.ofNullable(keys.iterator().next()) : Optional.empty();
      out.add(Endpoint.replay(service, url, key, "file"));
    });
    return List.copyOf(out);
  }

  /** Whether the configuration has a {@code directory} discovery source to register with. */
  static boolean hasDirectory(FedmsgConfig config) {
    return config != null && config.discovery().stream()
        .anyMatch(s -> s.type().equals("directory") && !s.servers().isEmpty());
  }

  /**
   * The address to register: the bound endpoint, except that a wildcard bind ({@code tcp://*:N})
   * is advertised under the configured host name with the real port.
   */
  static String advertised(String bound, List<String> configured) {
    if (!bound.startsWith("tcp://0.0.0.0:") && !bound.startsWith("tcp://*:")) {
      return bound;
    }
    String port = bound.substring(bound.lastIndexOf(':') + 1);
    for (String url : configured) {
      int colon = url.lastIndexOf(':');
      String host = url.substring("tcp://".length(), colon);
      if (!host.equals("*") && !host.equals("0.0.0.0")) {
        return "tcp://" + host + ":" + port;
      }
    }
    return "tcp://" + Certnames.shortHostname() + ":" + port;
  }
}
