package org.fedmsg.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a service's list in {@code endpoints}: a ZeroMQ URL such as
 * {@code tcp://host:3000}, the publisher's CURVE public key when the entry gives one
 * ({@code {url: ..., curve_server_key: ...}}), and whether the entry is marked plain
 * ({@code {url: ..., curve: false}}: no CURVE to this endpoint even when {@code curve.enabled},
 * for migrations).
 *
 * @param url the endpoint URL, never null or blank
 * @param curveServerKey the Z85 CURVE public key of the publisher there, if configured
 * @param plain whether the entry says {@code curve: false}
 */
public record ConfiguredEndpoint(String url, Optional<String> curveServerKey, boolean plain) {
  /** @throws IllegalArgumentException if {@code url} is blank, or a plain entry also has a key */
  public ConfiguredEndpoint {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(curveServerKey, "curveServerKey");
    if (url.isBlank()) {
      throw new IllegalArgumentException("endpoint URL must not be blank");
    }
    if (plain && curveServerKey.isPresent()) {
      throw new IllegalArgumentException("endpoint " + url + " has a curve_server_key and curve: false");
    }
  }

  /** An entry that is not marked plain. */
  public ConfiguredEndpoint(String url, Optional<String> curveServerKey) {
    this(url, curveServerKey, false);
  }

  /** An entry without a CURVE key. */
  public static ConfiguredEndpoint of(String url) {
    return new ConfiguredEndpoint(url, Optional.empty(), false);
  }
}
