package org.fedmsg.certs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fedmsg-certs curve}. */
@Command(name = "curve", mixinStandardHelpOptions = true,
    description = "Write a CURVE key pair for CERTNAME: <certname>.curve (public) and .curve_secret (0600), "
        + "czmq zcert format.")
final class CurveCommand extends CertsSubcommand {
  @Parameters(index = "0", paramLabel = "CERTNAME")
  String certname;

  @Option(names = "--force", description = "Replace an existing CURVE key pair.")
  boolean force;

  @Override
  int run() {
    CurveKeyFiles files = CurveKeys.write(dir, certname, force);
    out().printf("wrote CURVE key pair for %s%n  public: %s%n  secret: %s (0600)%n", certname,
        files.publicFile(), files.secretFile());
    out().printf("public key: %s%n", files.publicKey());
    return 0;
  }
}
