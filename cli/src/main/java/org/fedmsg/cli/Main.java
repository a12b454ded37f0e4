package org.fedmsg.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fedmsg.certs.CertsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fedmsg} command: one entry point, one subcommand per job. */
@Command(name = "fedmsg", mixinStandardHelpOptions = true, versionProvider = CertsCommand.Version.class,
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
        BridgeCommand.class,
        GatewayCommand.class,
        BenchCommand.class,
        StoreCommand.class,
        ReplayCommand.class,
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
    // `fedmsg certs ...` is the same command as `fedmsg-certs ...`, and its help says `fedmsg certs`.
    CommandLine certs = new CommandLine(new CertsCommand());
    certs.getCommandSpec().name("certs");
    cli.addSubcommand("certs", certs, "fedmsg-certs");
    // `--routing-policy @FILE` is ours to read, not a picocli argument file.
    cli.setExpandAtFiles(false);
    // Under `fedmsg`, --dir defaults to the configured ssldir (fedmsg-certs alone, which does
    // not read the bus configuration, uses $FEDMSG_SSLDIR or /etc/pki/fedmsg).
    certs.setDefaultValueProvider(Main::configuredSsldir);
    cli.setExecutionExceptionHandler(Failures.HANDLER);
    cli.setExitCodeExceptionMapper(Failures::exitCode);
    documentExitCodes(cli);
    joinWrappedDescriptions(cli);
    return cli;
  }

  /**
   * Joins description lines that were broken by hand in the middle of a sentence, so that picocli
   * wraps whole paragraphs to the terminal instead of printing half lines. A line ending with
   * {@code .}, {@code :} or {@code ;}, a blank line, and a line starting a list item stay breaks.
   */
  static void joinWrappedDescriptions(CommandLine command) {
    CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
    usage.description(joinWrapped(usage.description()));
    for (CommandLine sub : command.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == command.getCommandSpec()) {
        joinWrappedDescriptions(sub);
      }
    }
  }

  static String[] joinWrapped(String[] lines) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String line : lines) {
      int last = out.size() - 1;
      boolean continues = last >= 0 && !line.isBlank() && !out.get(last).isBlank()
          && !out.get(last).strip().matches(".*[.:;]$") && !line.strip().matches("^([-*•]|\\d+[.)]) .*");
      if (continues) {
        out.set(last, out.get(last).stripTrailing() + " " + line.strip());
      } else {
        out.add(line);
      }
    }
    return out.toArray(String[]::new);
  }

  /**
   * Gives every command's {@code --help} an "Exit status" section: the codes {@link Failures}
   * returns, unless the command lists its own (e.g. {@code verify}'s "1: a message is invalid").
   */
  private static void documentExitCodes(CommandLine command) {
    CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
    if (usage.exitCodeList().isEmpty()) {
      Map<String, String> codes = new LinkedHashMap<>();
      codes.put("0", "success");
      codes.put("1", "refused or failed at run time (policy refusal, relay unreachable, CURVE handshake failed)");
      codes.put("2", "usage or configuration error (bad option, file not found or unreadable, parse error)");
      usage.exitCodeListHeading("%nExit status:%n").exitCodeList(codes);
    }
    if (usage.footer().length == 0) {
      usage.footer("");  // ends the exit status list with a newline
    }
    for (CommandLine sub : command.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == command.getCommandSpec()) {
        documentExitCodes(sub);
      }
    }
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
