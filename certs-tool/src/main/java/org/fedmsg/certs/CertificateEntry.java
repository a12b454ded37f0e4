package org.fedmsg.certs;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One certificate issued by the CA, as recorded in the state file: what {@code list} prints and
 * what {@code revoke} and {@code crl} act on. Immutable.
 *
 * @param serial the certificate's serial number, positive
 * @param certname the file name stem in the ssldir ({@code <certname>.crt}, {@code .key})
 * @param commonName the subject CN (equal to {@code certname} for certificates we issue)
 * @param service the service it was issued for, or null when unknown
 * @param host the host it was issued for, or null when unknown
 * @param keyType the key type as {@link KeyType#cliName()} prints it
 * @param notBefore start of validity
 * @param notAfter end of validity
 * @param subjectAltNames the SAN entries as given ({@code DNS:...}, {@code IP:...}), copied
 * @param revokedAt when it was revoked, or null if it is not revoked
 * @param revocationReason why it was revoked, or null if it is not revoked
 */
public record CertificateEntry(
    BigInteger serial,
    String certname,
    String commonName,
    String service,
    String host,
    String keyType,
    Instant notBefore,
    Instant notAfter,
    List<String> subjectAltNames,
    Instant revokedAt,
    RevocationReason revocationReason) {

  /** Validates and copies; {@code service}, {@code host}, {@code revokedAt} and the reason may be null. */
  public CertificateEntry {
    Objects.requireNonNull(serial, "serial");
    Objects.requireNonNull(certname, "certname");
    Objects.requireNonNull(commonName, "commonName");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    subjectAltNames = List.copyOf(subjectAltNames);
    if (serial.signum() <= 0) {
      throw new IllegalArgumentException("serial must be positive");
    }
    if ((revokedAt == null) != (revocationReason == null)) {
      throw new IllegalArgumentException("revokedAt and revocationReason go together");
    }
  }

  /** Whether the certificate has been revoked. */
  public boolean revoked() {
    return revokedAt != null;
  }

  /** Whether the certificate is past its {@code notAfter} at {@code now}. */
  public boolean expiredAt(Instant now) {
    return now.isAfter(notAfter);
  }

  /** The serial in upper-case hexadecimal, as OpenSSL prints it. */
  public String serialHex() {
    return serial.toString(16).toUpperCase(Locale.ROOT);
  }

  /** A copy of this entry marked revoked. */
  CertificateEntry revoke(Instant at, RevocationReason reason) {
    return new CertificateEntry(serial, certname, commonName, service, host, keyType,
        notBefore, notAfter, subjectAltNames, at, reason);
  }
}
