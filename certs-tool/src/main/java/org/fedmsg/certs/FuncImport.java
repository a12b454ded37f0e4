package org.fedmsg.certs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.fedmsg.crypto.Certificates;

/**
 * Uses func/certmaster certificates as they are. certmaster keeps, in one directory (by default
 * {@value #DEFAULT_CERTMASTER_DIR}), the CA certificate {@code ca.cert} and each host's
 * certificate {@code <host>.cert} with its key {@code <host>.pem}. The bus expects
 * {@code <ssldir>/<certname>.crt} and {@code .key}, so the import creates, in the ssldir,
 * symbolic links {@code ca.crt}, {@code <host>.crt} and {@code <host>.key} to certmaster's files
 * (private keys are copied, mode 0600, only when asked) and produces the {@code ssldir} /
 * {@code certnames} configuration that points at them. certmaster's directory is never changed.
 *
 * <p>Checks: the CA certificate parses; each host certificate is signed by it and valid now;
 * each host key matches its certificate. A host without a usable key is skipped with a warning
 * (it can still be verified, but not sign).
 */
public final class FuncImport {
  /** certmaster's default directory. */
  public static final String DEFAULT_CERTMASTER_DIR = "/etc/pki/certmaster";

  /**
   * What the import did.
   *
   * @param ssldir the directory the config points at
   * @param caCertificate {@code <ssldir>/ca.crt}
   * @param certnames {@code certnames} entries ({@code <service>.<shorthost>} → certname), sorted
   * @param warnings hosts skipped and why
   * @param configYaml the {@code fedmsg.d} YAML snippet ({@code ssldir}, {@code ca_cert_location},
   *     {@code certnames})
   */
  public record Result(Path ssldir, Path caCertificate, Map<String, String> certnames, List<String> warnings,
      String configYaml) {
    /** Copies the collections. */
    public Result {
      Objects.requireNonNull(ssldir, "ssldir");
      Objects.requireNonNull(caCertificate, "caCertificate");
      certnames = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(certnames));
      warnings = List.copyOf(warnings);
      Objects.requireNonNull(configYaml, "configYaml");
    }
  }

  private FuncImport() {}

  /**
   * Imports the certificates of {@code certmasterDir} into {@code ssldir}.
   *
   * @param certmasterDir certmaster's directory (holds {@code ca.cert})
   * @param ssldir where the links (or key copies) go; created if needed; may be {@code certmasterDir}
   * @param services the services each host signs as ({@code certnames} keys
   *     {@code <service>.<shorthost>}), at least one
   * @param copyKeys copy private keys (0600) instead of linking them
   * @param force replace existing files in {@code ssldir} that point elsewhere
   * @throws CertsException {@link CertsException.Reason#UNREADABLE} if certmaster's directory or
   *     {@code ca.cert} cannot be read; {@link CertsException.Reason#INVALID_FILE} if {@code ca.cert}
   *     is not a certificate or no host is usable; {@link CertsException.Reason#ALREADY_EXISTS}
   */
  public static Result run(Path certmasterDir, Path ssldir, List<String> services, boolean copyKeys, boolean force) {
    return run(certmasterDir, ssldir, services, copyKeys, force, Clock.systemUTC());
  }

  @SuppressWarnings("try")
  static Result run(Path certmasterDir, Path ssldir, List<String> services, boolean copyKeys, boolean force,
      Clock clock) {
    if (services.isEmpty()) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "give at least one --service");
    }
    services.forEach(Names::checkService);
    CertificateAuthority.checkReadableDirectory(certmasterDir);
    Path caFile = certmasterDir.resolve("ca.cert").toAbsolutePath();
    if (!Files.exists(caFile)) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "no ca.cert in " + certmasterDir + ": not a func/certmaster directory");
    }
    X509Certificate ca = PemFiles.readCertificate(caFile);
    Date now = Date.from(clock.instant());
    List<String> warnings = new ArrayList<>();
    try {
      ca.checkValidity(now);
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new CertsException(CertsException.Reason.INVALID_FILE, caFile + " is not valid now (valid "
          + ca.getNotBefore().toInstant() + " to " + ca.getNotAfter().toInstant() + ")");
    }

    Map<String, Path[]> hosts = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(certmasterDir, "*.cert")) {
      for (Path cert : files) {
        String name = cert.getFileName().toString();
        String host = name.substring(0, name.length() - ".cert".length());
        if (host.equals("ca")) {
          continue;
        }
        String problem = checkHost(ca, cert.toAbsolutePath(), certmasterDir.resolve(host + ".pem").toAbsolutePath(),
            host, now);
        if (problem != null) {
          warnings.add(host + ": " + problem + "; skipped");
        } else {
          hosts.put(host, new Path[] {cert.toAbsolutePath(), certmasterDir.resolve(host + ".pem").toAbsolutePath()});
        }
      }
    } catch (IOException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot list " + certmasterDir + ": " + FileBatch.describe(e), e);
    }
    if (hosts.isEmpty()) {
      throw new CertsException(CertsException.Reason.INVALID_FILE, "no usable host certificate in "
          + certmasterDir + (warnings.isEmpty() ? "" : ": " + String.join("; ", warnings)));
    }

    CertificateAuthority.createDirectory(ssldir);
    Path out = ssldir.toAbsolutePath();
    Map<String, String> certnames = new TreeMap<>();
    try (DirLock lock = DirLock.acquire(ssldir, Duration.ofSeconds(60))) {
      FileBatch batch = new FileBatch();
      link(batch, out.resolve(CertificateAuthority.CA_CERT), caFile, force);
      for (Map.Entry<String, Path[]> h : hosts.entrySet()) {
        String host = h.getKey();
        link(batch, out.resolve(host + ".crt"), h.getValue()[0], force);
        Path keyTarget = out.resolve(host + ".key");
        if (copyKeys) {
          if (!force && Files.exists(keyTarget, LinkOption.NOFOLLOW_LINKS)) {
            throw exists(keyTarget);
          }
          batch.addSecret(keyTarget, PemFiles.read(h.getValue()[1]));
        } else {
          link(batch, keyTarget, h.getValue()[1], force);
        }
        for (String service : services) {
          certnames.put(Names.certnamesKey(service, host), host);
        }
      }
      batch.commit();
    }
    String yaml = yaml(certmasterDir.toAbsolutePath(), out, certnames, copyKeys);
    return new Result(out, out.resolve(CertificateAuthority.CA_CERT), certnames, warnings, yaml);
  }

  /** Returns why the host cannot be used, or null if it can. */
  private static String checkHost(X509Certificate ca, Path certFile, Path keyFile, String host, Date now) {
    X509Certificate cert;
    try {
      cert = PemFiles.readCertificate(certFile);
    } catch (CertsException e) {
      return e.getMessage();
    }
    try {
      cert.verify(ca.getPublicKey());
    } catch (GeneralSecurityException | RuntimeException e) {
      return certFile.getFileName() + " is not signed by ca.cert";
    }
    try {
      cert.checkValidity(now);
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      return certFile.getFileName() + " is not valid now (valid " + cert.getNotBefore().toInstant() + " to "
          + cert.getNotAfter().toInstant() + ")";
    }
    if (!Files.exists(keyFile)) {
      return "no key " + keyFile.getFileName() + " (it can be verified but cannot sign)";
    }
    PrivateKey key;
    try {
      key = PemFiles.readPrivateKey(keyFile, null);
    } catch (CertsException e) {
      return e.getMessage();
    }
    if (!KeyMatch.matches(key, cert.getPublicKey())) {
      return keyFile.getFileName() + " does not match " + certFile.getFileName();
    }
    String cn;
    try {
      cn = Certificates.commonName(cert);
    } catch (IllegalArgumentException e) {
      return certFile.getFileName() + ": " + e.getMessage() + " (receivers refuse such a signer)";
    }
    if (!cn.equalsIgnoreCase(host)) {
      // Policies name signers by CN; a different CN is legal but worth knowing.
      org.slf4j.LoggerFactory.getLogger(FuncImport.class)
          .warn("{}: certificate CN is '{}', policies must name that CN", host, cn);
    }
    return null;
  }

  private static void link(FileBatch batch, Path link, Path target, boolean force) {
    if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
      try {
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
          return; // already imported: running the import again changes nothing
        }
        if (link.toRealPath().equals(target.toRealPath())) {
          return; // ssldir is certmaster's own directory, or already points there
        }
      } catch (IOException e) {
        // A dangling link; replaced only with --force, like any other file.
      }
      if (!force) {
        throw exists(link);
      }
    }
    batch.addSymlink(link, target);
  }

  private static CertsException exists(Path p) {
    return new CertsException(CertsException.Reason.ALREADY_EXISTS,
        p + " already exists and points elsewhere; use --force to replace it");
  }

  private static String yaml(Path certmasterDir, Path ssldir, Map<String, String> certnames, boolean copied) {
    StringBuilder y = new StringBuilder();
    y.append("# fedmsg.d/ssl.yaml: written by fedmsg-certs import-func from ").append(certmasterDir).append('\n');
    y.append(copied
        ? "# ssldir links to certmaster's certificates and holds copies of the keys.\n"
        : "# ssldir holds symbolic links to certmaster's certificates and keys.\n");
    y.append("ssldir: ").append(quote(ssldir.toString())).append('\n');
    y.append("ca_cert_location: ").append(quote(ssldir.resolve(CertificateAuthority.CA_CERT).toString())).append('\n');
    y.append("certnames:\n");
    certnames.forEach((k, v) -> y.append("  ").append(quote(k)).append(": ").append(quote(v)).append('\n'));
    return y.toString();
  }

  /** A YAML double-quoted scalar (also a JSON string). */
  static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        q.append('\\').append(c);
      } else if (c < 0x20) {
        q.append(String.format("\\u%04x", (int) c));
      } else {
        q.append(c);
      }
    }
    return q.append('"').toString();
  }
}
