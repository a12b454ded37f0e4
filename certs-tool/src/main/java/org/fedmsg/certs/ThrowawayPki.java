package org.fedmsg.certs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A throw-away PKI for demos, tests and {@code fedmsg quickstart}: a fresh unencrypted CA, one
 * certificate per service (and optionally a CURVE key pair each), and a CRL, all in one ssldir,
 * through the same code path as {@code fedmsg-certs init-ca}, {@code issue}, {@code curve} and
 * {@code crl}. Immutable.
 *
 * <pre>{@code
 * ThrowawayPki pki = ThrowawayPki.create(dir, "localhost", List.of("relay", "logger"));
 * config: ssldir = pki.ssldir(), ca_cert_location = pki.caCertificate(),
 *         crl_location = pki.crl(), certnames = pki.certnames()
 * }</pre>
 *
 * @param ssldir the directory holding everything
 * @param caCertificate {@code <ssldir>/ca.crt}
 * @param crl {@code <ssldir>/crl.pem}
 * @param certnames the {@code certnames} config: {@code <service>.<shorthost>} → certname
 * @param curvePublicKeys certname → Z85 CURVE public key (empty unless asked for)
 */
public record ThrowawayPki(Path ssldir, Path caCertificate, Path crl, Map<String, String> certnames,
    Map<String, String> curvePublicKeys) {

  /** How long the throw-away CA, its certificates and its CRL stay valid. */
  public static final Duration VALIDITY = Duration.ofDays(365);
  /** The throw-away CA's name. */
  public static final String CA_NAME = "fedmsg throw-away CA";

  /** Copies the maps (insertion order kept). */
  public ThrowawayPki {
    Objects.requireNonNull(ssldir, "ssldir");
    Objects.requireNonNull(caCertificate, "caCertificate");
    Objects.requireNonNull(crl, "crl");
    certnames = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(certnames));
    curvePublicKeys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(curvePublicKeys));
  }

  /**
   * Creates an EC P-256 CA in {@code dir} and issues an RSA-2048 certificate for each service
   * on {@code host} (RSA so the keys also sign fedmsg/1 messages), without CURVE keys.
   *
   * @see #create(Path, String, Collection, KeyType, boolean)
   */
  public static ThrowawayPki create(Path dir, String host, Collection<String> services) {
    return create(dir, host, services, KeyType.RSA_2048, false);
  }

  /**
   * Creates a throw-away PKI in {@code dir}: an unencrypted EC P-256 CA, a certificate of
   * {@code keyType} for every service (certname {@code <service>-<host>}), optionally a CURVE key
   * pair for each, and a CRL; all valid for {@link #VALIDITY} (the CA a day longer).
   *
   * @param dir the ssldir to create; must not already hold a CA
   * @param host the host name in the certnames (e.g. {@code localhost} or the machine's name)
   * @param services the services, at least one; duplicates are ignored
   * @param keyType the service key type
   * @param curveKeys also write {@code <certname>.curve} / {@code .curve_secret}
   * @throws CertsException as {@link CertificateAuthority#init} and
   *     {@link CertificateAuthority#issue} do (e.g. {@link CertsException.Reason#ALREADY_EXISTS})
   */
  public static ThrowawayPki create(Path dir, String host, Collection<String> services, KeyType keyType,
      boolean curveKeys) {
    if (services.isEmpty()) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "a PKI needs at least one service");
    }
    // The CA outlives its certificates by a day, so that none has to be cut to the CA's end.
    CertificateAuthority ca = CertificateAuthority.init(dir, CA_NAME, KeyType.EC_P256, VALIDITY.plusDays(1), null,
        false);
    Map<String, String> certnames = new LinkedHashMap<>();
    Map<String, String> curve = new LinkedHashMap<>();
    for (String service : new java.util.LinkedHashSet<>(services)) {
      IssuedCertificate issued = ca.issue(service, host, keyType, VALIDITY, List.of(), false);
      certnames.put(issued.certnamesKey(), issued.certname());
      if (curveKeys) {
        curve.put(issued.certname(), CurveKeys.write(dir, issued.certname(), false).publicKey());
      }
    }
    ca.writeCrl(VALIDITY);
    return new ThrowawayPki(dir, ca.certificateFile(), ca.crlFile(), certnames, curve);
  }
}
