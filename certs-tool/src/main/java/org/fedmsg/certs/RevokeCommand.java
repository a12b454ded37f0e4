package org.fedmsg.certs;

import java.math.BigInteger;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fedmsg-certs revoke}. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
    description = "Revoke CERTNAME's certificates (all, or one --serial). Run 'crl' afterwards to publish.")
final class RevokeCommand extends CertsSubcommand {
  @Parameters(index = "0", paramLabel = "CERTNAME")
  String certname;

  @Option(names = "--reason", paramLabel = "REASON", defaultValue = "unspecified",
      description = "unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, "
          + "cessation-of-operation or privilege-withdrawn. Default: ${DEFAULT-VALUE}.")
  String reason;

  @Option(names = "--serial", paramLabel = "HEX", description = "Revoke only the certificate with this serial.")
  String serial;

  @Override
  int run() {
    RevocationReason why = RevocationReason.parse(reason);
    BigInteger only = null;
    if (serial != null) {
      try {
        only = new BigInteger(serial.replace(":", ""), 16);
      } catch (NumberFormatException e) {
        throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "--serial must be hexadecimal: " + serial);
      }
    }
    List<CertificateEntry> revoked = CertificateAuthority.open(dir, null).revoke(certname, only, why);
    if (revoked.isEmpty()) {
      out().printf("%s: already revoked, nothing to do%n", certname);
    }
    for (CertificateEntry e : revoked) {
      out().printf("revoked %s serial %s (%s)%n", e.certname(), e.serialHex(), why.cliName());
    }
    if (!revoked.isEmpty()) {
      out().println("run 'fedmsg-certs crl' to publish the revocation");
    }
    return 0;
  }
}
