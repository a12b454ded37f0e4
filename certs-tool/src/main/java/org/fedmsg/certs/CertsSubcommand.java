package org.fedmsg.certs;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: {@code --dir}, output streams, and the mapping of a
 * {@link CertsException} to a one-line error and exit status 1.
 */
abstract class CertsSubcommand implements Callable<Integer> {
  /** Exit status of a refused or failed operation. */
  static final int FAILED = 1;

  @Spec
  CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "${env:FEDMSG_SSLDIR:-/etc/pki/fedmsg}",
      description = "Directory of the CA and the service keys (the bus's ssldir). Default: ${DEFAULT-VALUE}.")
  Path dir;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (CertsException e) {
      err().println("fedmsg-certs " + spec.name() + ": " + e.getMessage());
      err().flush();
      return FAILED;
    } finally {
      out().flush();
    }
  }

  /** Does the work; returns the exit status. */
  abstract int run();

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  static Duration days(int days, String option) {
    if (days < 1 || days > 36_500) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, option + " must be between 1 and 36500");
    }
    return Duration.ofDays(days);
  }

  static char[] passphrase(Path file) {
    return file == null ? null : PemFiles.readPassphrase(file);
  }

  /** Overwrites a passphrase read by {@link #passphrase} once the command is done with it. */
  static void wipe(char[] passphrase) {
    if (passphrase != null) {
      java.util.Arrays.fill(passphrase, '\0');
    }
  }
}
