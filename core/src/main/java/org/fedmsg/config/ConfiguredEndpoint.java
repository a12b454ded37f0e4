package org.fedmsg.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a service's list in {@code endpoints}: a ZeroMQ URL such as
 * {@code tcp://host:3000}, and the publisher's CURVE public key when the entry gives one
 * ({@code {url: ..., curve_server_key: ...}}).
 *
 * @param url the endpoint URL, never null or blank
 * @param curveServerKey the Z85 CURVE public key of the publisher there, if configured
 */
public record ConfiguredEndpoint(String url, Optional<String> curveServerKey) {
  /** @throws IllegalArgumentException if {@code url} is blank */
  public ConfiguredEndpoint {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(curveServerKey, "curveServerKey");
    if (url.isBlank()) {
      throw new IllegalArgumentException("endpoint URL must not be blank");
    }
  }

  /** An entry without a CURVE key. */
  public static ConfiguredEndpoint of(String url) {
    return new ConfiguredEndpoint(url, Optional.empty());
  }
}
