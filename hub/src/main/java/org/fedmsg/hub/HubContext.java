package org.fedmsg.hub;

import java.util.Objects;
import java.util.Optional;
import org.fedmsg.Bus;
import org.fedmsg.Topic;
import org.fedmsg.config.FedmsgConfig;

/**
 * What a {@link Consumer} may use: the hub's bus (to publish, when the hub has a publisher name),
 * the configuration (for its own settings), and topic helpers. Immutable and thread-safe.
 */
public final class HubContext {
  private final Bus bus;
  private final FedmsgConfig config;
  private final String topicPrefix;
  private final String environment;

  HubContext(Bus bus, FedmsgConfig config, String topicPrefix, String environment) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.config = Objects.requireNonNull(config, "config");
    this.topicPrefix = Objects.requireNonNull(topicPrefix, "topicPrefix");
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /** The hub's bus; {@link Bus#publish} throws {@link IllegalStateException} if the hub has no name. */
  public Bus bus() {
    return bus;
  }

  /** The configuration the hub was started with (empty when it was built without one). */
  public FedmsgConfig config() {
    return config;
  }

  /** A configuration value, as {@link FedmsgConfig#get(String)}; never null. */
  public Optional<com.fasterxml.jackson.databind.JsonNode> setting(String key) {
    return config.get(key);
  }

  /**
   * The full topic {@code <topic_prefix>.<environment>.<modname>.<event>} as published by
   * {@link Bus#publish(String, String, Object)}; pass {@code event} ending in {@code "*"} or empty
   * for a prefix.
   *
   * @throws IllegalArgumentException if {@code modname} is empty
   */
  public String topic(String modname, String event) {
    if (event == null || event.isEmpty()) {
      return topicPrefix + "." + environment + "." + Objects.requireNonNull(modname, "modname") + ".";
    }
    return Topic.build(topicPrefix, environment, modname, event);
  }

  /** The configured topic prefix, e.g. {@code org.fedoraproject}. */
  public String topicPrefix() {
    return topicPrefix;
  }

  /** The configured environment, e.g. {@code prod}. */
  public String environment() {
    return environment;
  }
}
