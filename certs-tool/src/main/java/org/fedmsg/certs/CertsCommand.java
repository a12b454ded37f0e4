package org.fedmsg.certs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code fedmsg-certs} command (also {@code fedmsg certs}): a CA, service certificates and
 * keys in the ssldir layout the bus reads, revocation and CRLs, CURVE key pairs, and the import
 * of func/certmaster certificates. Every subcommand takes {@code --dir DIR} (default: the
 * {@code FEDMSG_SSLDIR} environment variable, else {@code /etc/pki/fedmsg}).
 *
 * <p>Exit status: 0 on success, 1 when an operation is refused or fails (the reason is printed on
 * standard error), 2 for a command-line usage error. Subcommands never call
 * {@link System#exit}; only {@link #main} does.
 */
@Command(
    name = "fedmsg-certs",
    mixinStandardHelpOptions = true,
    versionProvider = CertsCommand.Version.class,
    description = "Issue and manage the certificates and keys of a fedmsg bus.",
    subcommands = {
        InitCaCommand.class,
        IssueCommand.class,
        RenewCommand.class,
        RevokeCommand.class,
        CrlCommand.class,
        ListCommand.class,
        InspectCommand.class,
        CurveCommand.class,
        ImportFuncCommand.class,
    })
public final class CertsCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Creates the command; register it with picocli ({@code new CommandLine(new CertsCommand())}). */
  public CertsCommand() {}

  /** Without a subcommand: print the usage and fail. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /**
   * Runs the command and exits the JVM with its status.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new CertsCommand()).execute(args));
  }

  /** The version from the jar manifest, when packaged. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = CertsCommand.class.getPackage().getImplementationVersion();
      return new String[] {"fedmsg-certs " + (v == null ? "(development build)" : v)};
    }
  }
}
