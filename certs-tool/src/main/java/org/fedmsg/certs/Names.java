package org.fedmsg.certs;

import java.util.regex.Pattern;

/**
 * The naming convention of the reference deployment: certname {@code <service>-<host>}, config
 * key {@code <service>.<shorthost>}; and the checks that keep a certname a plain file name.
 */
final class Names {
  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
  private static final Pattern CERTNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

  private Names() {}

  static String checkService(String service) {
    if (!SERVICE.matcher(service).matches()) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT,
          "invalid service name '" + service + "' (letters, digits, '-' and '_')");
    }
    return service;
  }

  static String checkHost(String host) {
    if (!CertBuilder.isHostName(host)) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "invalid host name '" + host + "'");
    }
    return host;
  }

  /**
   * Checks that a certname given on the command line names a file inside the directory.
   *
   * @throws CertsException {@link CertsException.Reason#INVALID_ARGUMENT}
   */
  static String checkCertname(String certname) {
    if (!CERTNAME.matcher(certname).matches() || certname.contains("..")) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT,
          "invalid certname '" + certname + "' (letters, digits, '.', '-' and '_'; no '/' or '..')");
    }
    return certname;
  }

  static String certname(String service, String host) {
    return service + "-" + host;
  }

  /** The {@code certnames} key: {@code <service>.<shorthost>}, the host cut at its first dot. */
  static String certnamesKey(String service, String host) {
    int dot = host.indexOf('.');
    return service + "." + (dot < 0 ? host : host.substring(0, dot));
  }
}
