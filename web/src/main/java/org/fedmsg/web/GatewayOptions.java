package org.fedmsg.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.fedmsg.ConfigException;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPattern;

/**
 * What a gateway serves and to whom: its HTTP address, the browser origins it accepts, the topics
 * it may show, and the caps on connections, subscriptions and each client's queue. Immutable;
 * built with {@link #builder()} or read from the {@code gateway.*} keys of {@code fedmsg.d}
 * ({@link #fromConfig}).
 */
public final class GatewayOptions {
  /** Default {@code gateway.port}. */
  public static final int DEFAULT_PORT = 9940;

  final String host;
  final int port;
  final List<String> allowedOrigins;
  final List<TopicPattern> topics;
  final int maxConnections;
  final int maxSubscriptions;
  final int clientQueue;
  final TopicNamespace namespace;
  /** JDBC URL of a {@code fedmsg store} database to read statistics from, or null. */
  final String statsStoreUrl;

  private GatewayOptions(Builder b) {
    this.statsStoreUrl = b.statsStoreUrl;
    this.host = b.host;
    this.port = b.port;
    this.allowedOrigins = List.copyOf(b.allowedOrigins);
    this.namespace = b.namespace;
    List<TopicPattern> compiled = new ArrayList<>();
    for (String t : b.topics) {
      compiled.add(TopicPattern.compile(t, b.namespace));
    }
    this.topics = List.copyOf(compiled);
    this.maxConnections = b.maxConnections;
    this.maxSubscriptions = b.maxSubscriptions;
    this.clientQueue = b.clientQueue;
  }

  /** A builder with the defaults: 127.0.0.1:9940, same-origin only, every topic, 1000/50/256. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder set from the {@code gateway.*} keys of {@code config} (types are already checked by
   * the config loader; patterns are checked here), for command-line options to override.
   *
   * @throws ConfigException naming the key whose value is unusable
   */
  public static Builder builder(FedmsgConfig config) {
    Builder b = builder().namespace(new TopicNamespace(config.topicPrefix(), config.environment()));
    config.get("gateway.host").ifPresent(v -> b.host(v.asText()));
    config.get("gateway.port").ifPresent(v -> {
      if (!v.canConvertToInt() || v.intValue() > 65535) {
        throw new ConfigException("key 'gateway.port' must be a port number (0-65535), not " + v);
      }
      b.port(v.intValue());
    });
    b.allowedOrigins(strings(config.get("gateway.allowed_origins")));
    config.get("gateway.max_connections").ifPresent(v -> b.maxConnections(v.intValue()));
    config.get("gateway.max_subscriptions").ifPresent(v -> b.maxSubscriptions(v.intValue()));
    config.get("gateway.client_queue").ifPresent(v -> b.clientQueue(v.intValue()));
    config.get("gateway.stats_store_url").ifPresent(v -> {
      if (!v.asText().startsWith("jdbc:")) {
        throw new ConfigException("key 'gateway.stats_store_url' must be a JDBC URL (jdbc:sqlite:… or "
            + "jdbc:postgresql:…) of a fedmsg store database");
      }
      b.statsStoreUrl(v.asText());
    });
    List<String> topics = strings(config.get("gateway.topics"));
    try {
      b.topics(topics.isEmpty() ? List.of("*") : topics);
      topics.forEach(t -> TopicPattern.compile(t, b.namespace));
      return b;
    } catch (IllegalArgumentException e) {
      throw new ConfigException("key 'gateway.topics': " + e.getMessage());
    }
  }

  private static List<String> strings(Optional<JsonNode> value) {
    List<String> out = new ArrayList<>();
    value.ifPresent(v -> {
      if (v.isTextual()) {
        out.add(v.textValue());
      } else {
        v.forEach(item -> out.add(item.asText()));
      }
    });
    return out;
  }

  /**
   * Whether a browser page from {@code origin} may connect. No {@code Origin} header (a program,
   * not a browser) is allowed; a browser is allowed from the gateway's own origin ({@code host},
   * the request's {@code Host} header), from a listed origin, or from anywhere when {@code *} is
   * listed. Comparison ignores case, as origins do.
   */
  boolean originAllowed(String origin, String host) {
    if (origin == null) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT);
    if (host != null) {
      String h = host.toLowerCase(Locale.ROOT);
      if (o.equals("http://" + h) || o.equals("https://" + h)) {
        return true;
      }
    }
    for (String allowed : allowedOrigins) {
      if (allowed.equals("*") || allowed.toLowerCase(Locale.ROOT).equals(o)) {
        return true;
      }
    }
    return false;
  }

  /** Whether this gateway serves {@code topic} at all. */
  boolean serves(String topic) {
    for (TopicPattern p : topics) {
      if (p.matches(topic)) {
        return true;
      }
    }
    return false;
  }

  /** Whether every topic {@code requested} matches is one this gateway serves. */
  boolean covers(TopicPattern requested) {
    for (TopicPattern p : topics) {
      if (p.covers(requested)) {
        return true;
      }
    }
    return false;
  }

  /** Builds {@link GatewayOptions}; setters check their argument at once. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private List<String> allowedOrigins = List.of();
    private List<String> topics = List.of("*");
    private int maxConnections = 1000;
    private int maxSubscriptions = 50;
    private int clientQueue = 256;
    private TopicNamespace namespace = TopicNamespace.DEFAULT;
    private String statsStoreUrl;

    private Builder() {}

    /**
     * The JDBC URL of a {@code fedmsg store} database ({@code store.url}) whose archive supplies
     * the per-service and per-topic counts of {@code /stats}; null (the default): the gateway's
     * own counters since it started.
     */
    public Builder statsStoreUrl(String jdbcUrl) {
      this.statsStoreUrl = jdbcUrl;
      return this;
    }

    /** The address to bind, e.g. {@code 127.0.0.1} (behind a TLS proxy) or {@code 0.0.0.0}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The HTTP port; 0 picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** Origins (e.g. {@code https://apps.example.org}) besides the gateway's own; {@code *}: any. */
    public Builder allowedOrigins(List<String> origins) {
      this.allowedOrigins = List.copyOf(origins);
      return this;
    }

    /** The topic patterns this gateway may serve (policy glob grammar, relative to the namespace). */
    public Builder topics(List<String> topics) {
      if (topics.isEmpty()) {
        throw new IllegalArgumentException("a gateway must serve at least one topic pattern");
      }
      this.topics = List.copyOf(topics);
      return this;
    }

    /** Simultaneous clients (WebSocket and SSE together). */
    public Builder maxConnections(int max) {
      this.maxConnections = positive(max, "max connections");
      return this;
    }

    /** Topic patterns one client may subscribe to. */
    public Builder maxSubscriptions(int max) {
      this.maxSubscriptions = positive(max, "max subscriptions");
      return this;
    }

    /** Messages waiting for one client; a client with a full queue is dropped. */
    public Builder clientQueue(int size) {
      this.clientQueue = positive(size, "client queue");
      return this;
    }

    /** The topic prefix and environment relative patterns are resolved against. */
    public Builder namespace(TopicNamespace namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if a topic pattern is not valid
     */
    public GatewayOptions build() {
      return new GatewayOptions(this);
    }

    private static int positive(int value, String what) {
      if (value < 1) {
        throw new IllegalArgumentException(what + " must be at least 1: " + value);
      }
      return value;
    }
  }
}
