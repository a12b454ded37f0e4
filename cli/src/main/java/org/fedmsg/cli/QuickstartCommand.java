package org.fedmsg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg quickstart}: a complete local bus with no set-up. Writes a throw-away
 * configuration under a state directory, starts a relay, a publisher and a tail on loopback,
 * shows messages flowing and exits (or keeps running with {@code --follow}).
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = {"Run a complete local bus on loopback: a relay, a publisher sending through it, and a",
        "tail printing what arrives. Writes its throw-away configuration under --state-dir."})
public final class QuickstartCommand implements Callable<Integer> {
  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where the throw-away configuration goes (default: $XDG_STATE_HOME/fedmsg/quickstart, "
          + "i.e. ~/.local/state/fedmsg/quickstart).")
  Path stateDir;

  @Option(names = "--count", defaultValue = "5", description = "Messages to publish (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--follow", description = "Keep the relay running and keep publishing every 2 seconds until stopped.")
  boolean follow;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = stateDir != null ? stateDir : defaultStateDir();
    return new QuickstartDemo(out, dir, count, follow).run();
  }

  static Path defaultStateDir() {
    String xdg = System.getenv("XDG_STATE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("fedmsg").resolve("quickstart");
  }
}
