package org.fedmsg.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.fedmsg.ConfigException;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.CrlFailureMode;
import org.fedmsg.crypto.Digest;
import org.fedmsg.crypto.TrustOptions;

/**
 * The one mapping from configuration to trust settings, used by the bus, the relay, the hub, the
 * directory and {@code fedmsg verify}: {@code ca_cert_location}, {@code crl_location}, {@code
 * crypto_min_rsa_bits}, {@code crypto_allowed_digests} (message, certificate and CRL signatures),
 * {@code crl_grace_period}, {@code crl_failure_mode}, the trust state directory and its reload
 * interval ({@code trust_reload_interval}), and {@code
 * accept_formats} (the wire formats receivers accept).
 */
public final class TrustSettings {
  private TrustSettings() {}

  /**
   * Trust options for {@code config}; callers may still override a setting (e.g. a command-line
   * {@code --ca}) before building.
   *
   * @throws ConfigException naming the key whose value cannot be used
   */
  public static TrustOptions.Builder options(FedmsgConfig config) {
    TrustOptions.Builder trust = TrustOptions.builder();
    apply("ca_cert_location", () -> trust.ca(config.caCertLocation()));
    apply("crl_location", () -> trust.crl(config.crlLocation().orElse(null)));
    apply("crypto_min_rsa_bits", () -> trust.minRsaBits(config.cryptoMinRsaBits()));
    apply("crypto_allowed_digests", () -> trust.allowedDigests(allowedDigests(config)));
    apply("crl_grace_period", () -> trust.crlGracePeriod(config.crlGracePeriod()));
    apply("crl_failure_mode", () -> trust.crlFailureMode(
        CrlFailureMode.valueOf(config.crlFailureMode().toUpperCase(Locale.ROOT))));
    apply("trust_state_dir", () -> config.trustStateDir().ifPresent(trust::stateDirectory));
    apply("trust_reload_interval", () -> trust.pollInterval(config.trustReloadInterval()));
    return trust;
  }

  /**
   * {@code crypto_allowed_digests}: the digests allowed in message, certificate and CRL signatures;
   * all when the key is not set.
   *
   * @throws ConfigException if a name is unknown or the list is empty
   */
  public static Set<Digest> allowedDigests(FedmsgConfig config) {
    EnumSet<Digest> out = EnumSet.noneOf(Digest.class);
    if (config.cryptoAllowedDigests().isEmpty() && !config.isSet("crypto_allowed_digests")) {
      return EnumSet.allOf(Digest.class);
    }
    for (String name : config.cryptoAllowedDigests()) {
      try {
        out.add(Digest.parse(name));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("key 'crypto_allowed_digests': " + e.getMessage(), e);
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("key 'crypto_allowed_digests' must name at least one digest");
    }
    return out;
  }

  /**
   * {@code accept_formats}: the wire formats receivers accept (e.g. {@code [fedmsg/2]} refuses
   * the reference's RSA-SHA1 fedmsg/1 messages); both when the key is not set.
   *
   * @throws ConfigException if a name is unknown or the list is empty
   */
  public static Set<WireFormat> acceptFormats(FedmsgConfig config) {
    if (!config.isSet("accept_formats")) {
      return EnumSet.allOf(WireFormat.class);
    }
    EnumSet<WireFormat> out = EnumSet.noneOf(WireFormat.class);
    for (String name : config.acceptFormats()) {
      try {
        out.add(WireFormat.parse(name));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("key 'accept_formats': " + e.getMessage(), e);
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException("key 'accept_formats' must name at least one wire format");
    }
    return out;
  }

  private static void apply(String key, Runnable setting) {
    try {
      setting.run();
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ConfigException("key '" + key + "': " + e.getMessage(), e);
    }
  }
}
