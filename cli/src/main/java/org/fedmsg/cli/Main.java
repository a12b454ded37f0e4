package org.fedmsg.cli;

import org.fedmsg.certs.CertsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fedmsg} command: one entry point, one subcommand per job. */
@Command(name = "fedmsg", mixinStandardHelpOptions = true, version = "fedmsg for the JVM 0.1.0",
    description = "A brokerless, signed ZeroMQ message bus compatible with the reference fedmsg.",
    subcommands = {
        QuickstartCommand.class,
        LoggerCommand.class,
        TailCommand.class,
        RelayCommand.class,
        HubCommand.class,
        StatusCommand.class,
        SignCommand.class,
        VerifyCommand.class,
        ConfigCommand.class,
        PolicyCommand.class,
        EndpointsCommand.class,
        DirectoryCommand.class,
        CertsCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The command line with every subcommand, as tests and {@link #main} use it. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    // `--routing-policy @FILE` is ours to read, not a picocli argument file.
    cli.setExpandAtFiles(false);
    // `fedmsg certs ...` is the same command as `fedmsg-certs ...`.
    CommandLine certs = cli.getSubcommands().get("fedmsg-certs");
    certs.getCommandSpec().aliases("certs");
    // Under `fedmsg`, --dir defaults to the configured ssldir (fedmsg-certs alone, which does
    // not read the bus configuration, uses $FEDMSG_SSLDIR or /etc/pki/fedmsg).
    certs.setDefaultValueProvider(Main::configuredSsldir);
    return cli;
  }

  private static String configuredSsldir(CommandLine.Model.ArgSpec arg) {
    if (!(arg instanceof CommandLine.Model.OptionSpec option) || !option.longestName().equals("--dir")) {
      return null;
    }
    try {
      return org.fedmsg.config.ConfigLoader.builder().build().load().ssldir().toString();
    } catch (RuntimeException e) {
      return null;  // an unreadable configuration leaves the command's own default
    }
  }

  public static void main(String[] args) {
    ProcessGuard.install();
    System.exit(commandLine().execute(args));
  }
}
