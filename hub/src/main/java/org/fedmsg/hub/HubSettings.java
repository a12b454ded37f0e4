package org.fedmsg.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fedmsg.ConfigException;
import org.fedmsg.discovery.Durations;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.status.Heartbeat;

/** The hub's keys in {@code fedmsg.d} (declared in the config schema, so their types are already checked). */
final class HubSettings {
  static final int DEFAULT_QUEUE_SIZE = 10_000;
  static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

  private HubSettings() {}

  /** {@code hub.consumers}: class names, a string (comma-separated) or a list. */
  static List<String> consumerClasses(FedmsgConfig config) {
    List<String> out = new ArrayList<>();
    config.get("hub.consumers").ifPresent(v -> {
      if (v.isTextual()) {
        splitInto(v.textValue(), out);
      } else {
        v.forEach(item -> splitInto(item.asText(), out));
      }
    });
    return out;
  }

  static void splitInto(String text, List<String> out) {
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
  }

  /** {@code hub.queue_size}, default 10,000. */
  static int queueSize(FedmsgConfig config) {
    Optional<JsonNode> v = config.get("hub.queue_size");
    if (v.isEmpty()) {
      return DEFAULT_QUEUE_SIZE;
    }
    if (!v.get().canConvertToInt() || v.get().intValue() < 1) {
      throw new ConfigException("key 'hub.queue_size' must be a positive integer, not " + v.get());
    }
    return v.get().intValue();
  }

  /** {@code hub.drain_timeout}, default 5 s. */
  static Duration drainTimeout(FedmsgConfig config) {
    return duration(config, "hub.drain_timeout", DEFAULT_DRAIN_TIMEOUT);
  }

  /** {@code heartbeat_interval}, default 10 s; zero disables heartbeats. */
  static Duration heartbeatInterval(FedmsgConfig config) {
    return Heartbeat.configuredInterval(config);
  }

  private static Duration duration(FedmsgConfig config, String key, Duration fallback) {
    Optional<JsonNode> v = config.get(key);
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      return Durations.parse(v.get());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("key '" + key + "': " + e.getMessage());
    }
  }
}
