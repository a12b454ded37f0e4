package org.fedmsg.certs;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fedmsg-certs renew}: a new certificate overlapping the current one. */
@Command(name = "renew", mixinStandardHelpOptions = true,
    description = "Issue a new certificate for CERTNAME, valid from now; the previous one stays valid until "
        + "it expires, so services can switch without a gap.")
final class RenewCommand extends CertsSubcommand {
  @Parameters(index = "0", paramLabel = "CERTNAME")
  String certname;

  @Option(names = "--days", paramLabel = "N", description = "Validity in days. Default: that of the current certificate.")
  Integer days;

  @Option(names = "--rekey", description = "Generate a new key (needed after revocation).")
  boolean rekey;

  @Option(names = "--key", paramLabel = "TYPE", description = "Type of the new key (implies --rekey). "
      + "Default: the current key's type.")
  String key;

  @Option(names = "--passphrase-file", paramLabel = "FILE", description = "The CA key's passphrase file.")
  Path passphraseFile;

  @Override
  int run() {
    Names.checkCertname(certname);
    Duration validity = days == null ? null : days(days, "--days");
    char[] passphrase = passphrase(passphraseFile);
    try (CertificateAuthority ca = CertificateAuthority.open(dir, passphrase)) {
      KeyType newKey = null;
      if (key != null) {
        newKey = KeyType.parse(key);
      } else if (rekey) {
        newKey = ca.list().stream().filter(e -> e.certname().equals(certname))
            .reduce((a, b) -> b).map(e -> sameType(e.keyType())).orElse(KeyType.RSA_2048);
      }
      IssuedCertificate issued = ca.renew(certname, validity, newKey);
      CertificatePrinter.issued(out(), "renewed", issued);
      out().println("the previous certificate stays valid until it expires; revoke it with "
          + "'revoke " + certname + " --serial SERIAL --reason superseded' once every service uses the new one");
      return 0;
    } finally {
      wipe(passphrase);
    }
  }

  private static KeyType sameType(String keyType) {
    try {
      return KeyType.parse(keyType);
    } catch (CertsException e) {
      return KeyType.RSA_2048; // e.g. an old rsa:1024 key: move to the smallest supported size
    }
  }
}
