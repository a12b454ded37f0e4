package org.fedmsg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import org.fedmsg.Bus;
import org.fedmsg.BusListener;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.Rejection;
import org.fedmsg.Relay;
import org.fedmsg.Subscription;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
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
    Files.createDirectories(dir.resolve("fedmsg.d"));

    // 1. The relay binds ephemeral loopback ports; the config is written with the real ones.
    BusOptions relayOptions = BusOptions.builder()
        .endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
        .relayInbound("tcp://127.0.0.1:*")
        .validateSignatures(false)
        .build();
    try (Relay relay = Relay.start(relayOptions)) {
      Path configFile = writeConfig(dir, relay);
      FedmsgConfig config = ConfigLoader.builder().sources(List.of(configFile)).build().load();
      out.println("quickstart: configuration " + configFile);
      out.println("quickstart: relay inbound " + relay.inboundEndpoint() + ", outbound " + relay.outboundEndpoint());

      // 2. The tail: subscribes to every endpoint of the config (the relay's outbound).
      BlockingQueue<Message> received = new LinkedBlockingQueue<>();
      BusListener report = new BusListener() {
        @Override
        public void messageRejected(Rejection r) {
          out.println("  tail REJECTED " + r.topic() + ": " + r.reason() + " (" + r.detail() + ")");
          out.flush();
        }
      };
      try (Bus tail = Bus.create(BusOptions.builder().apply(config).listener(report).build());
          Bus publisher = Bus.create(BusOptions.builder().apply(config).active(true).build())) {
        Subscription subscription = tail.subscribe("", received::add);
        if (!subscription.awaitReady(Duration.ofSeconds(10))) {
          out.println("quickstart: the relay did not confirm the tail's subscription");
          return 1;
        }
        out.println("quickstart: tail subscribed; publishing " + count + " message(s) through the relay");
        int sent = 0;
        for (int n = 1; follow || n <= count; n++) {
          Message m = publisher.publish("quickstart", "demo.hello", Map.of("n", n, "text", "hello from quickstart"));
          sent++;
          out.println("  sent     " + m.topic() + " " + m.msgId().orElse(""));
          Message got = received.poll(10, TimeUnit.SECONDS);
          if (got == null) {
            out.println("quickstart: message " + n + " did not arrive");
            return 1;
          }
          out.println("  received " + got.topic() + " " + got.msg() + " signer=" + got.signer().orElse("-"));
          out.flush();
          if (follow) {
            Thread.sleep(2000);
          }
        }
        out.println("quickstart: " + sent + " sent, " + tail.stats().delivered() + " delivered, "
            + tail.stats().rejected() + " rejected; relay forwarded " + relay.forwarded());
        out.println("quickstart: done. Try: bin/fedmsg tail --config " + configFile);
        return 0;
      }
    }
  }

  private static Path writeConfig(Path dir, Relay relay) throws IOException {
    Path file = dir.resolve("fedmsg.d").resolve("quickstart.yaml");
    String yaml = "# Written by `fedmsg quickstart`: a throw-away local bus on loopback.\n"
        + "topic_prefix: org.fedoraproject\n"
        + "environment: dev\n"
        + "relay_inbound: \"" + relay.inboundEndpoint() + "\"\n"
        + "endpoints:\n"
        + "  relay_outbound:\n"
        + "    - \"" + relay.outboundEndpoint() + "\"\n"
        + "validate_signatures: false\n";
    Files.writeString(file, yaml);
    return file;
  }

  static Path defaultStateDir() {
    String xdg = System.getenv("XDG_STATE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("fedmsg").resolve("quickstart");
  }
}
