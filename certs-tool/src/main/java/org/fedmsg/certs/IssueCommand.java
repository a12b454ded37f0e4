package org.fedmsg.certs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fedmsg-certs issue}: a service certificate. */
@Command(name = "issue", mixinStandardHelpOptions = true,
    description = "Issue a certificate for SERVICE on HOST: <service>-<host>.crt and .key (0600).")
final class IssueCommand extends CertsSubcommand {
  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service name, e.g. bodhi.")
  String service;

  @Option(names = "--host", required = true, paramLabel = "HOST", description = "The host's fully-qualified name.")
  String host;

  @Option(names = "--key", paramLabel = "TYPE", defaultValue = "rsa:2048",
      description = "Key type: rsa:2048, rsa:4096, ec:p256 or ed25519 (only RSA signs fedmsg/1). "
          + "Default: ${DEFAULT-VALUE}.")
  String key;

  @Option(names = "--days", paramLabel = "N", defaultValue = "365",
      description = "Validity in days. Default: ${DEFAULT-VALUE}.")
  int days;

  @Option(names = "--san", paramLabel = "NAME", split = ",",
      description = "Extra subjectAltName: DNS:name, IP:addr, email:addr or URI:uri (repeatable).")
  List<String> sans = new ArrayList<>();

  @Option(names = "--passphrase-file", paramLabel = "FILE", description = "The CA key's passphrase file.")
  Path passphraseFile;

  @Option(names = "--force", description = "Replace an existing certificate with the same certname.")
  boolean force;

  @Override
  int run() {
    KeyType type = KeyType.parse(key);
    char[] passphrase = passphrase(passphraseFile);
    try (CertificateAuthority ca = CertificateAuthority.open(dir, passphrase)) {
      IssuedCertificate issued = ca.issue(service, host, type, days(days, "--days"), sans, force);
      CertificatePrinter.issued(out(), "issued", issued);
      return 0;
    } finally {
      wipe(passphrase);
    }
  }
}
