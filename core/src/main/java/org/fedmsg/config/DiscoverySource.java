package org.fedmsg.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the {@code discovery} list: a resolver {@code type} (e.g. {@code file},
 * {@code dns-srv}, {@code directory}) and its settings, which the discovery provider of that type
 * interprets. Immutable: the settings are copied in and out.
 */
public final class DiscoverySource {
  private final String type;
  private final ObjectNode settings;

  DiscoverySource(String type, ObjectNode settings) {
    this.type = Objects.requireNonNull(type, "type");
    this.settings = settings.deepCopy();
  }

  /** The resolver type, as written ({@code file}, {@code dns-srv}, ...). */
  public String type() {
    return type;
  }

  /** All the entry's keys, {@code type} included, as a fresh copy. */
  public ObjectNode settings() {
    return settings.deepCopy();
  }

  /** A string setting, if present and a string. */
  public Optional<String> string(String key) {
    JsonNode v = settings.get(key);
    return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiscoverySource d && d.type.equals(type) && d.settings.equals(settings);
  }

  @Override
  public int hashCode() {
    return settings.hashCode();
  }

  @Override
  public String toString() {
    return "DiscoverySource" + settings;
  }
}
