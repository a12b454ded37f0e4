package org.fedmsg.certs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The result of {@code issue} or {@code renew}: where the files are and what to put in the
 * {@code certnames} configuration. Immutable.
 *
 * @param entry the state-file entry of the new certificate
 * @param certnamesKey the {@code certnames} key ({@code <service>.<shorthost>}), or null when the
 *     service or host is unknown (a renewed certificate imported without them)
 * @param certificateFile {@code <dir>/<certname>.crt}
 * @param keyFile {@code <dir>/<certname>.key} (mode 0600)
 */
public record IssuedCertificate(CertificateEntry entry, String certnamesKey, Path certificateFile, Path keyFile) {

  /** Validates; only {@code certnamesKey} may be null. */
  public IssuedCertificate {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(certificateFile, "certificateFile");
    Objects.requireNonNull(keyFile, "keyFile");
  }

  /** The certname ({@code <service>-<host>}). */
  public String certname() {
    return entry.certname();
  }

  /**
   * The YAML line to put in a {@code fedmsg.d} file, e.g.
   * {@code certnames: {"shell.app01": "shell-app01.example.com"}}; empty if
   * {@link #certnamesKey()} is null.
   */
  public String certnamesLine() {
    return certnamesKey == null ? "" : "certnames: {\"" + certnamesKey + "\": \"" + certname() + "\"}";
  }
}
