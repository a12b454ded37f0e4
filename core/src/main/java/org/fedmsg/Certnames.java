package org.fedmsg;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;

/**
 * Chooses the certificate a publisher signs with, by the reference's rules: with
 * {@code cert_prefix} the key is {@code <cert_prefix>.<short hostname>}; otherwise it is the
 * publisher's {@code name}, except that an active publisher ({@code name} {@code relay_inbound})
 * uses {@code shell.<short hostname>}. The key is looked up in {@code certnames}, and the files
 * are {@code <ssldir>/<certname>.key} and {@code .crt}.
 */
public final class Certnames {
  private Certnames() {}

  /** The {@code certnames} key for a publisher named {@code name} (null when active). */
  static String key(FedmsgConfig config, String name, boolean active) {
    String host = shortHostname();
    if (config.certPrefix().isPresent()) {
      return config.certPrefix().get() + "." + host;
    }
    String index = active || name == null ? "relay_inbound" : name;
    return index.equals("relay_inbound") ? "shell." + host : index;
  }

  /**
   * Loads the signer the configuration names for this publisher.
   *
   * @throws ConfigException when {@code certnames} has no entry for it, or its files cannot be read
   */
  public static Signer signer(FedmsgConfig config, String name, boolean active) {
    String key = key(config, name, active);
    Map<String, String> certnames = config.certnames();
    String certname = certnames.get(key);
    if (certname == null) {
      throw new ConfigException("sign_messages is on but certnames has no entry '" + key + "' (have: "
          + certnames.keySet() + ")");
    }
    Path ssldir = config.ssldir();
    try {
      return Signer.load(ssldir, certname);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cannot load the signing key and certificate '" + certname + "' from " + ssldir
          + ": " + e.getMessage(), e);
    }
  }

  /** {@code gethostname().split('.', 1)[0]}, as the reference computes it. */
  public static String shortHostname() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = System.getenv().getOrDefault("HOSTNAME", "localhost");
    }
    int dot = host.indexOf('.');
    return dot < 0 ? host : host.substring(0, dot);
  }
}
