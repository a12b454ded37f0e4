package org.fedmsg.certs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fedmsg-certs inspect}. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Describe a certificate, private key, CRL or CURVE key file (secrets are never shown).")
final class InspectCommand extends CertsSubcommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "The file; a bare name is looked up in --dir too.")
  Path file;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run() {
    Path target = file;
    if (!target.toFile().exists() && !target.isAbsolute() && dir.resolve(target).toFile().exists()) {
      target = dir.resolve(target);
    }
    ObjectNode tree = Inspector.inspect(target, Clock.systemUTC());
    out().print(json ? tree.toPrettyString() + System.lineSeparator() : Inspector.render(tree));
    return 0;
  }
}
