package org.fedmsg.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code curve} section: ZeroMQ CURVE encryption of the hop between publisher and subscriber.
 *
 * @param enabled whether this process's sockets use CURVE (default false)
 * @param publicKeyFile this process's CURVE public key file, if configured
 * @param secretKeyFile this process's CURVE secret key file, if configured
 * @param allowedClients subscriber public keys (Z85) or files of them that a publisher admits;
 *     empty admits every client that completes the CURVE handshake
 */
public record CurveConfig(boolean enabled, Optional<Path> publicKeyFile, Optional<Path> secretKeyFile,
    List<String> allowedClients) {
  /** Copies {@code allowedClients}. */
  public CurveConfig {
    Objects.requireNonNull(publicKeyFile, "publicKeyFile");
    Objects.requireNonNull(secretKeyFile, "secretKeyFile");
    allowedClients = List.copyOf(allowedClients);
  }

  /** CURVE off, nothing configured. */
  public static CurveConfig disabled() {
    return new CurveConfig(false, Optional.empty(), Optional.empty(), List.of());
  }
}
