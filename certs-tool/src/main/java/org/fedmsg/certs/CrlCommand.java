package org.fedmsg.certs;

import java.nio.file.Path;
import java.security.cert.X509CRL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fedmsg-certs crl}. */
@Command(name = "crl", mixinStandardHelpOptions = true,
    description = "Write crl.pem: every revoked certificate, signed by the CA, with nextUpdate.")
final class CrlCommand extends CertsSubcommand {
  @Option(names = "--days", paramLabel = "N", defaultValue = "30",
      description = "Days until nextUpdate; publish a new CRL before then. Default: ${DEFAULT-VALUE}.")
  int days;

  @Option(names = "--passphrase-file", paramLabel = "FILE", description = "The CA key's passphrase file.")
  Path passphraseFile;

  @Override
  int run() {
    char[] passphrase = passphrase(passphraseFile);
    try (CertificateAuthority ca = CertificateAuthority.open(dir, passphrase)) {
      X509CRL crl = ca.writeCrl(days(days, "--days"));
      int count = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
      out().printf("wrote %s: %d revoked certificate(s), next update %s%n", ca.crlFile(), count,
          crl.getNextUpdate().toInstant());
      return 0;
    } finally {
      wipe(passphrase);
    }
  }
}
