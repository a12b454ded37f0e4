package org.fedmsg.certs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A CURVE key pair written beside a service's X.509 pair, in czmq {@code zcert} ZPL files.
 * Holds the public key only: the secret stays in {@link #secretFile()}. Immutable.
 *
 * @param certname the service's certname
 * @param publicKey the public key, Z85-encoded (40 characters)
 * @param publicFile {@code <dir>/<certname>.curve}: the public certificate, to distribute
 * @param secretFile {@code <dir>/<certname>.curve_secret} (0600): public and secret key
 */
public record CurveKeyFiles(String certname, String publicKey, Path publicFile, Path secretFile) {

  /** Validates. */
  public CurveKeyFiles {
    Objects.requireNonNull(certname, "certname");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(publicFile, "publicFile");
    Objects.requireNonNull(secretFile, "secretFile");
    if (publicKey.length() != 40) {
      throw new IllegalArgumentException("a Z85 CURVE key has 40 characters");
    }
  }
}
