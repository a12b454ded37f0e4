package org.fedmsg.config;

import java.util.ArrayList;
import java.util.List;

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

  /**
   * The {@code servers} list of a {@code directory} entry: each item a URL, or a
   * {@code {url, curve_server_key}} mapping for a replica that is a CURVE server (as
   * docs/discovery.md documents it). Empty when the entry has no {@code servers}.
   *
   * @throws org.fedmsg.ConfigException naming the entry when an item is neither
   */
  public List<ConfiguredEndpoint> servers() {
    JsonNode list = settings.get("servers");
    if (list == null || list.isNull()) {
      return List.of();
    }
    List<ConfiguredEndpoint> out = new ArrayList<>();
    for (JsonNode item : list.isArray() ? list : List.of(list)) {
      JsonNode url = item.isObject() ? item.get("url") : item;
      JsonNode key = item.isObject() ? item.get("curve_server_key") : null;
      if (url == null || !url.isTextual() || url.textValue().isBlank()
          || key != null && !key.isNull() && !key.isTextual()) {
        throw new org.fedmsg.ConfigException("discovery[type=" + type + "].servers: expected a URL or "
            + "{url: URL, curve_server_key: KEY}, not " + item);
      }
      out.add(new ConfiguredEndpoint(url.textValue(),
          key == null || key.isNull() ? Optional.empty() : Optional.of(key.textValue())));
    }
    return List.copyOf(out);
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
