package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.fedmsg.ConfigException;
import org.fedmsg.TransportException;
import org.fedmsg.policy.PolicyException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  /** Every command and subcommand, by its qualified name. */
  static void each(CommandLine command, java.util.function.Consumer<CommandLine> action) {
    action.accept(command);
    command.getSubcommands().values().stream().distinct()
        .filter(sub -> sub.getCommandSpec().parent() == command.getCommandSpec())
        .forEach(sub -> each(sub, action));
  }

  @Test
  void help_everyCommandDocumentsItsExitStatus_andNoDescriptionLineStopsMidSentence() {
    each(Main.commandLine(), cli -> {
      String name = cli.getCommandSpec().qualifiedName();
      if (name.endsWith(" help")) {
        return;
      }
      String help = cli.getUsageMessage(CommandLine.Help.Ansi.OFF);
      assertThat(help).as(name).contains("Exit status:").contains("  2   ");
      for (String line : cli.getCommandSpec().usageMessage().description()) {
        assertThat(line.isBlank() || line.strip().matches("(?s).*[.:;)]$")).as(name + ": '" + line + "'").isTrue();
      }
    });
  }

  @Test
  void certsUnderFedmsg_helpSaysFedmsgCerts() {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine().setOut(new PrintWriter(out, true));
    assertThat(cli.execute("certs", "--help")).isZero();
    assertThat(out.toString()).startsWith("Usage: fedmsg certs ");
    assertThat(cli.execute("fedmsg-certs", "--help")).isZero();
  }

  @Test
  void joinWrapped_joinsHandBrokenSentences_keepsParagraphsAndLists() {
    assertThat(Main.joinWrapped(new String[] {"Run consumers (named in", "hub.consumers) each on a queue.", "",
        "Second paragraph:", "- item one", "- item two"}))
        .containsExactly("Run consumers (named in hub.consumers) each on a queue.", "", "Second paragraph:",
            "- item one", "- item two");
  }

  @Test
  void classify_mapsEachFailureToOneLineAndItsExitCode() {
    assertThat(Failures.classify(new ConfigException("a.yaml: not valid YAML at line 3, column 1: x\n in 'reader'")))
        .isEqualTo(new Failures.Failure(2, "a.yaml: not valid YAML at line 3, column 1: x"));
    assertThat(Failures.classify(new NoSuchFileException("/etc/x.crt"))).isEqualTo(new Failures.Failure(2, "/etc/x.crt: not found"));
    assertThat(Failures.classify(new AccessDeniedException("/etc/x.key")))
        .isEqualTo(new Failures.Failure(2, "/etc/x.key: permission denied"));
    assertThat(Failures.classify(new java.io.UncheckedIOException(new NoSuchFileException("f")))).isEqualTo(new Failures.Failure(2, "f: not found"));
    assertThat(Failures.classify(new PolicyException("p.yaml", 3, 5, "rules[0]", "unknown key", null)).exitCode()).isEqualTo(2);
    assertThat(Failures.classify(new TransportException("Couldn't bind 'relay': tried tcp://127.0.0.1:1 (Errno 48)")))
        .isEqualTo(new Failures.Failure(1, "Couldn't bind 'relay': tried tcp://127.0.0.1:1 (Address already in use (EADDRINUSE))"));
    Failures.Failure bug = Failures.classify(new NullPointerException("boom"));
    assertThat(bug.exitCode()).isEqualTo(1);
    assertThat(bug.message()).contains("internal error").contains("NullPointerException").contains("boom").doesNotContain("\n");
  }
}
