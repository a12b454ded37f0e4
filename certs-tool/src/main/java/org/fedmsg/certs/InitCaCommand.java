package org.fedmsg.certs;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fedmsg-certs init-ca}: a new CA. */
@Command(name = "init-ca", mixinStandardHelpOptions = true,
    description = "Create a CA: ca.key (0600), ca.crt, an empty crl.pem and the state file.")
final class InitCaCommand extends CertsSubcommand {
  @Option(names = "--name", required = true, paramLabel = "NAME", description = "The CA's common name.")
  String name;

  @Option(names = "--key", paramLabel = "TYPE", defaultValue = "rsa:4096",
      description = "CA key type: rsa:4096, ec:p256 or ed25519. Default: ${DEFAULT-VALUE}.")
  String key;

  @Option(names = "--days", paramLabel = "N", defaultValue = "3650",
      description = "Validity in days. Default: ${DEFAULT-VALUE}.")
  int days;

  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Encrypt ca.key with the first line of FILE.")
  Path passphraseFile;

  @Option(names = "--force", description = "Replace an existing CA (its certificates stop verifying).")
  boolean force;

  @Override
  int run() {
    KeyType type = KeyType.parseForCa(key);
    char[] passphrase = passphrase(passphraseFile);
    try (CertificateAuthority ca = CertificateAuthority.init(dir, name, type, days(days, "--days"), passphrase,
        force)) {
      X509Certificate cert = ca.certificate();
      out().printf("created CA '%s' (%s, valid until %s)%n", name.strip(), type.cliName(),
          cert.getNotAfter().toInstant());
      out().printf("  certificate: %s%n  key:         %s (0600%s)%n  crl:         %s%n",
          ca.certificateFile(), dir.resolve(CertificateAuthority.CA_KEY),
          passphraseFile == null ? ", not encrypted" : ", encrypted", ca.crlFile());
      out().printf("config: ca_cert_location: \"%s\"%n", ca.certificateFile().toAbsolutePath());
      if (passphraseFile == null) {
        // allowed (throwaway and test CAs), but never silently: whoever reads ca.key can issue any identity
        err().printf("warning: %s is not encrypted: anyone who can read it can sign certificates for any service;"
            + " re-run with --passphrase-file FILE (with --force), or keep the CA directory on an offline machine"
            + " (see docs/certs.md)%n", dir.resolve(CertificateAuthority.CA_KEY));
        err().flush();
      }
      return 0;
    } finally {
      wipe(passphrase);
    }
  }
}
