package org.fedmsg.certs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fedmsg-certs import-func}. */
@Command(name = "import-func", mixinStandardHelpOptions = true,
    description = "Use func/certmaster certificates as they are: check them, link them into --dir as "
        + "<host>.crt/.key and ca.crt, and print the ssldir/certnames config.")
final class ImportFuncCommand extends CertsSubcommand {
  @Option(names = "--certmaster-dir", paramLabel = "DIR", defaultValue = FuncImport.DEFAULT_CERTMASTER_DIR,
      description = "certmaster's directory (ca.cert, <host>.cert, <host>.pem). Default: ${DEFAULT-VALUE}.")
  Path certmasterDir;

  @Option(names = "--service", paramLabel = "NAME", split = ",",
      description = "Service(s) the hosts sign as: certnames keys <service>.<shorthost> (repeatable). "
          + "Default: shell.")
  List<String> services = new ArrayList<>();

  @Option(names = "--copy-keys", description = "Copy the private keys (0600) instead of linking them.")
  boolean copyKeys;

  @Option(names = "--force", description = "Replace files in --dir that point elsewhere.")
  boolean force;

  @Option(names = "--config-out", paramLabel = "FILE", description = "Also write the config to FILE "
      + "(e.g. /etc/fedmsg.d/ssl.yaml); refuses to overwrite without --force.")
  Path configOut;

  @Override
  int run() {
    if (configOut != null && !force && configOut.toFile().exists()) {
      throw new CertsException(CertsException.Reason.ALREADY_EXISTS,
          configOut + " already exists; use --force to replace it");
    }
    List<String> names = services.isEmpty() ? List.of("shell") : services;
    FuncImport.Result result = FuncImport.run(certmasterDir, dir, names, copyKeys, force);
    for (String warning : result.warnings()) {
      err().println("fedmsg-certs import-func: warning: " + warning);
    }
    if (configOut != null) {
      Path parent = configOut.toAbsolutePath().getParent();
      CertificateAuthority.createDirectory(parent);
      new FileBatch().addPublic(configOut, result.configYaml().getBytes(StandardCharsets.UTF_8)).commit();
      err().println("fedmsg-certs import-func: wrote " + configOut);
    }
    out().print(result.configYaml());
    return 0;
  }
}
