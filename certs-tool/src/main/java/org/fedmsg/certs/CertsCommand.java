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

  /**
   * The version {@code fedmsg --version} and {@code fedmsg-certs --version} both print: the Maven
   * project version, written into {@code version.properties} by resource filtering.
   */
  public static final class Version implements CommandLine.IVersionProvider {
    /** Creates the provider (picocli instantiates it). */
    public Version() {}

    /** The project version, e.g. {@code 0.1.0}; {@code unknown} if the resource is missing. */
    public static String number() {
      try (java.io.InputStream in = CertsCommand.class.getResourceAsStream("version.properties")) {
        java.util.Properties p = new java.util.Properties();
        if (in != null) {
          p.load(in);
        }
        String v = p.getProperty("version", "");
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
      } catch (java.io.IOException e) {
        return "unknown";
      }
    }

    @Override
    public String[] getVersion() {
      return new String[] {"fedmsg for the JVM " + number()};
    }
  }
}
