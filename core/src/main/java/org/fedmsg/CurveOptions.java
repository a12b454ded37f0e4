package org.fedmsg;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.fedmsg.config.ConfiguredEndpoint;
import org.fedmsg.config.CurveConfig;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Z85;

/**
 * CURVE encryption of the bus's sockets (config section {@code curve}; see {@code docs/curve.md}).
 *
 * <p>When enabled, every socket that binds (a publisher, a relay's two sides) is a CURVE server
 * with {@link #keyPair()}, guarded by a ZAP handler that admits any client with a valid handshake
 * or only {@link #allowedClients()}; every socket that connects is a CURVE client pinned to the
 * server key it was given (by discovery, or by {@link #serverKeys()} from the {@code endpoints}
 * entries). Endpoints in {@link #plainEndpoints()} stay plain, for migrations; each is logged as a
 * warning when first connected.
 *
 * <p>Immutable and thread-safe. Holds the secret key inside its {@link CurveKeyPair}; never printed.
 */
public final class CurveOptions {
  private static final CurveOptions DISABLED = new CurveOptions(new Builder().enabled(false));

  private final boolean enabled;
  private final CurveKeyPair keyPair;
  private final CurveKeyPair clientKeyPair;
  private final AllowedCurveClients allowedClients;
  private final Set<String> plainEndpoints;
  private final Map<String, String> serverKeys;

  private CurveOptions(Builder b) {
    this.enabled = b.enabled;
    this.keyPair = b.keyPair;
    // A process without its own pair (a listener) still needs a client identity: an ephemeral
    // one is enough when servers admit any client.
    this.clientKeyPair = b.keyPair != null || !b.enabled ? b.keyPair : CurveKeyPair.generate("ephemeral");
    this.allowedClients = b.allowedClients;
    this.plainEndpoints = Set.copyOf(b.plainEndpoints);
    this.serverKeys = Map.copyOf(b.serverKeys);
  }

  /** CURVE off: every socket is plain. */
  public static CurveOptions disabled() {
    return DISABLED;
  }

  /** A builder, CURVE enabled by default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The {@code curve} section and the {@code endpoints} entries of a configuration: reads the key
   * files and the allowed-clients list.
   *
   * @param config the configuration
   * @param clock for reloading {@code allowed_clients}
   * @return the options (disabled when {@code curve.enabled} is not true)
   * @throws ConfigException when a key file or allowed-clients source cannot be read
   */
  public static CurveOptions fromConfig(FedmsgConfig config, Clock clock) {
    CurveConfig c = config.curve();
    Builder b = builder().enabled(c.enabled());
    for (Map.Entry<String, java.util.List<ConfiguredEndpoint>> e : config.endpoints().entrySet()) {
      for (ConfiguredEndpoint ep : e.getValue()) {
        if (ep.plain()) {
          b.plainEndpoint(ep.url());
        }
        ep.curveServerKey().ifPresent(k -> {
          try {
            b.serverKey(ep.url(), k);
          } catch (IllegalArgumentException ex) {
            throw new ConfigException("endpoints." + e.getKey() + ": " + ex.getMessage());
          }
        });
      }
    }
    if (!c.enabled()) {
      return b.build();
    }
    if (c.secretKeyFile().isPresent()) {
      try {
        b.keyPair(CurveKeyPair.load(c.publicKeyFile().orElse(null), c.secretKeyFile().get()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("curve: " + e.getMessage());
      }
    } else if (c.publicKeyFile().isPresent()) {
      throw new ConfigException("curve.public_key_file is set but curve.secret_key_file is not");
    }
    if (!c.allowedClients().isEmpty()) {
      try {
        b.allowedClients(AllowedCurveClients.load(c.allowedClients(), clock));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
    }
    return b.build();
  }

  /** Whether CURVE is on. */
  public boolean enabled() {
    return enabled;
  }

  /** This process's key pair (needed by servers: publishers, relays), if configured. */
  public Optional<CurveKeyPair> keyPair() {
    return Optional.ofNullable(keyPair);
  }

  /** The client keys admitted by this process's servers; empty admits any valid handshake. */
  public Optional<AllowedCurveClients> allowedClients() {
    return Optional.ofNullable(allowedClients);
  }

  /** Endpoint URLs that stay plain although CURVE is on. */
  public Set<String> plainEndpoints() {
    return plainEndpoints;
  }

  /** Endpoint URL to its server's Z85 public key, from the configuration. */
  public Map<String, String> serverKeys() {
    return serverKeys;
  }

  /** The identity this process shows as a CURVE client: its own pair, or an ephemeral one. */
  public CurveKeyPair clientKeyPair() {
    return clientKeyPair;
  }

  /**
   * The key pair of a CURVE server socket.
   *
   * @throws ConfigException when CURVE is on but no key pair is configured
   */
  CurveKeyPair serverKeyPair(String what) {
    if (keyPair == null) {
      throw new ConfigException("curve is enabled, but " + what + " binds a socket and needs its own key pair: "
          + "set curve.public_key_file and curve.secret_key_file (fedmsg-certs curve writes them)");
    }
    return keyPair;
  }

  @Override
  public String toString() {
    return enabled ? "CURVE on (" + (keyPair == null ? "no server key pair" : keyPair.toString())
        + (allowedClients == null ? ", any client" : ", allowed clients " + allowedClients.sources()) + ")" : "CURVE off";
  }

  /** Builds {@link CurveOptions}. Not thread-safe. */
  public static final class Builder {
    private boolean enabled = true;
    private CurveKeyPair keyPair;
    private AllowedCurveClients allowedClients;
    private final Set<String> plainEndpoints = new LinkedHashSet<>();
    private final Map<String, String> serverKeys = new LinkedHashMap<>();

    private Builder() {}

    /** Whether CURVE is on (default true for a builder). */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** This process's key pair: required when it binds (publishes or relays). */
    public Builder keyPair(CurveKeyPair keyPair) {
      this.keyPair = Objects.requireNonNull(keyPair, "keyPair");
      return this;
    }

    /** Admit only these client keys (default: any client with a valid handshake). */
    public Builder allowedClients(AllowedCurveClients allowedClients) {
      this.allowedClients = Objects.requireNonNull(allowedClients, "allowedClients");
      return this;
    }

    /** Keeps this endpoint plain although CURVE is on (migration); logged as a warning. */
    public Builder plainEndpoint(String url) {
      this.plainEndpoints.add(Objects.requireNonNull(url, "url"));
      return this;
    }

    /**
     * The server key of an endpoint, used when the caller connects without one.
     *
     * @throws IllegalArgumentException if the key is not 40 characters of Z85
     */
    public Builder serverKey(String url, String z85) {
      if (Z85.decodeKey(Objects.requireNonNull(z85, "z85")).isEmpty()) {
        throw new IllegalArgumentException("curve_server_key of " + url + " is not 40 characters of Z85");
      }
      this.serverKeys.put(Objects.requireNonNull(url, "url"), z85);
      return this;
    }

    /** The options. */
    public CurveOptions build() {
      return new CurveOptions(this);
    }
  }
}
