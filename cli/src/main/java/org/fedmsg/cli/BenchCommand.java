package org.fedmsg.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fedmsg.BusOptions;
import org.fedmsg.Certnames;
import org.fedmsg.WireFormat;
import org.fedmsg.certs.KeyType;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.loadgen.BenchReport;
import org.fedmsg.loadgen.BenchSpec;
import org.fedmsg.loadgen.LoadGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg bench pub|sub|pubsub}: end-to-end throughput, latency, rejections and loss of real
 * buses, modelled on {@code nats bench}. {@code pubsub} is self-contained on loopback; {@code pub}
 * and {@code sub} use the {@code fedmsg.d} configuration so the two sides can run apart.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure the bus end to end: messages/s and MB/s per client and in total, latency",
        "percentiles from each message's signed send time, rejections and loss.",
        "",
        "- pubsub: publishers and subscribers in this process on loopback, with a throw-away PKI;",
        "- pub: publishers through the configured relay (or --connect), signing as logger does;",
        "- sub: subscribers to the configured endpoints (or --connect); start them before pub."},
    subcommands = {BenchCommand.PubSub.class, BenchCommand.Pub.class, BenchCommand.Sub.class},
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = {BenchCommand.EXIT_0, BenchCommand.EXIT_1, BenchCommand.EXIT_2})
public final class BenchCommand implements Runnable {
  static final String EXIT_0 = "0:the run completed without loss or rejection";
  static final String EXIT_1 = "1:messages were lost or rejected, or the bus failed";
  static final String EXIT_2 = "2:usage or configuration error";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What every mode shares: sizes, counts, pacing, output. */
  static final class RunOptions {
    @Option(names = "--size", defaultValue = "128", paramLabel = "BYTES",
        description = "Payload bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--msgs", defaultValue = "100000", paramLabel = "N",
        description = "Messages per publisher (default: ${DEFAULT-VALUE}); ignored with --duration.")
    long msgs;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
        description = "Publish for this long instead of --msgs, e.g. 30s, 10m.")
    Duration duration = Duration.ZERO;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "MSGS/S",
        description = "Messages per second per publisher (default: as fast as possible).")
    long rate;

    @Option(names = "--timeout", defaultValue = "5s", paramLabel = "TIME", converter = DurationConverter.class,
        description = "How long subscribers wait for more once traffic stops; what is missing then is lost "
            + "(default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--csv", description = "Print one CSV line (columns: see --csv-header) instead of the report.")
    boolean csv;

    @Option(names = "--csv-header", description = "With --csv, print the header line first.")
    boolean csvHeader;

    @Option(names = "--no-progress", description = "No progress line, even on a terminal.")
    boolean noProgress;

    BenchSpec.Builder spec() {
      return BenchSpec.builder().size(size).messages(msgs).duration(duration).rate(rate).timeout(timeout);
    }
  }

  /** Shared by pub and sub: the wire format, defaulting to the configuration's. */
  static WireFormat format(String option, FedmsgConfig config) {
    return WireFormat.parse(option != null ? option : config.wireFormat());
  }

  @Command(name = "pubsub", mixinStandardHelpOptions = true, exitCodeListHeading = "Exit status:%n",
      exitCodeList = {EXIT_0, EXIT_1, EXIT_2},
      description = {"Publishers and subscribers in this process on loopback, directly or through a relay,",
          "signed with a throw-away PKI of the chosen key type and verified against a policy of the chosen size."})
  static final class PubSub implements Callable<Integer> {
    @Mixin RunOptions run;

    @Option(names = "--pub", defaultValue = "1", paramLabel = "N", description = "Publishers (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--sub", defaultValue = "1", paramLabel = "N", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--format", defaultValue = "fedmsg2", paramLabel = "fedmsg1|fedmsg2",
        description = "Wire format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--key", paramLabel = "TYPE",
        description = "Publishers' key: rsa:2048, rsa:4096, ec:p256, ed25519 (default: ed25519; rsa:2048 for fedmsg1).")
    String key;

    @Option(names = "--no-compact", description = "fedmsg2: carry the certificate chain in every message "
        + "(wire_compact off), to compare with the compact frames sent by default.")
    boolean noCompact;

    @Option(names = "--curve", description = "CURVE-encrypt every hop.")
    boolean curve;

    @Option(names = "--policy-rules", defaultValue = "1", paramLabel = "N",
        description = "Rules in the policy receivers check (default: ${DEFAULT-VALUE}).")
    int policyRules;

    @Option(names = "--relay", description = "Publish through a relay (which verifies) instead of directly.")
    boolean relay;

    @Option(names = "--verify-threads", defaultValue = "0", paramLabel = "N",
        description = "Verify threads of each subscriber and the relay (default: verify_threads, i.e. every core).")
    int verifyThreads;

    @Option(names = "--hwm", defaultValue = "0", paramLabel = "N",
        description = "ZeroMQ high-water mark of every socket (default: ZeroMQ's, 1000); beyond it a publisher "
            + "drops messages for a subscriber that does not keep up.")
    int hwm;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      WireFormat wire = WireFormat.parse(format);
      KeyType keyType = key != null ? KeyType.parse(key) : wire == WireFormat.FEDMSG1 ? KeyType.RSA_2048 : KeyType.ED25519;
      BenchSpec s = build(() -> run.spec().publishers(publishers).subscribers(subscribers).format(wire)
          .keyType(keyType).curve(curve).compact(!noCompact).policyRules(policyRules).relay(relay).verifyThreads(verifyThreads)
          .highWaterMark(hwm).build());
      return finish(spec, run, LoadGenerator.pubsub(s, progress(spec, run)));
    }
  }

  @Command(name = "pub", mixinStandardHelpOptions = true, exitCodeListHeading = "Exit status:%n",
      exitCodeList = {EXIT_0, EXIT_1, EXIT_2},
      description = {"Publishers that connect to the configured relay_inbound (or --connect) and sign as",
          "fedmsg logger does (certnames[\"<cert_prefix>.<short hostname>\"]). Start `fedmsg bench sub` first."})
  static final class Pub implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Mixin RunOptions run;

    @Option(names = "--pub", defaultValue = "1", paramLabel = "N", description = "Publishers (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--format", paramLabel = "fedmsg1|fedmsg2", description = "Wire format (default: wire_format).")
    String format;

    @Option(names = "--connect", paramLabel = "URL", description = "Connect here instead of relay_inbound.")
    String connect;

    @Option(names = "--cert-prefix", paramLabel = "PREFIX",
        description = "Sign with certnames[\"PREFIX.<short hostname>\"] (default: cert_prefix, else shell).")
    String certPrefix;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      FedmsgConfig config = configOptions.load();
      WireFormat wire = format(format, config);
      BenchSpec s = build(() -> run.spec().publishers(publishers).subscribers(0).format(wire).build());
      BusOptions.Builder options = BusOptions.builder().apply(config).name(null).active(true).wireFormat(wire);
      if (connect != null) {
        options.relayInbound(connect);
      }
      if (config.signMessages() || wire == WireFormat.FEDMSG2) {
        String prefix = certPrefix != null ? certPrefix : config.certPrefix().orElse("shell");
        ObjectNode tree = config.raw();
        tree.put("cert_prefix", prefix);
        options.signer(Certnames.signer(FedmsgConfig.of(tree), null, true));
      }
      BusOptions built = options.build();
      return finish(spec, run, LoadGenerator.publish(s, i -> built, progress(spec, run)));
    }
  }

  @Command(name = "sub", mixinStandardHelpOptions = true, exitCodeListHeading = "Exit status:%n",
      exitCodeList = {EXIT_0, EXIT_1, EXIT_2},
      description = {"Subscribers to every configured endpoint (or --connect), verifying as fedmsg tail does,",
          "until each has --pub × --msgs messages or traffic stops for --timeout."})
  static final class Sub implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Mixin RunOptions run;

    @Option(names = "--sub", defaultValue = "1", paramLabel = "N", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--pub", defaultValue = "1", paramLabel = "N",
        description = "Publishers to expect messages from (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--connect", paramLabel = "URL", split = ",",
        description = "Connect to these endpoints instead of the configured ones.")
    List<String> connect;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      FedmsgConfig config = configOptions.load();
      BenchSpec s = build(() -> run.spec().publishers(publishers).subscribers(subscribers)
          .format(WireFormat.parse(config.wireFormat())).build());
      BusOptions.Builder options = BusOptions.builder().apply(config).name(null).active(false);
      if (connect != null) {
        options.endpoints(java.util.Map.of("bench", connect));
      }
      BusOptions built = options.build();
      // With --connect the endpoints are known to be up (a relay, or publishers started first), so
      // "ready" means subscribed there; configured endpoints may not be up yet.
      int endpoints = connect != null ? connect.size() : -1;
      PrintWriter err = spec.commandLine().getErr();
      return finish(spec, run, LoadGenerator.subscribe(s, j -> built, progress(spec, run), endpoints, () -> {
        err.println("bench sub: " + subscribers + " subscriber(s) ready on "
            + (connect != null ? String.join(",", connect) : "the configured endpoints") + "; waiting for messages");
        err.flush();
      }));
    }
  }

  /** Builds the spec; a bad option or combination is a usage error. */
  private static BenchSpec build(java.util.function.Supplier<BenchSpec> spec) {
    try {
      return spec.get();
    } catch (IllegalStateException e) {
      // A conflicting combination of options is a usage error (exit 2), like a bad single option.
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * A progress line on standard error, rewritten in place once a second, when standard error is a
   * terminal and the run has lasted a few seconds (short runs print nothing).
   */
  private static LoadGenerator.Progress progress(CommandSpec spec, RunOptions run) {
    if (run.noProgress || System.console() == null) {
      return LoadGenerator.Progress.NONE;
    }
    PrintWriter err = spec.commandLine().getErr();
    return (elapsed, sent, received) -> {
      if (elapsed.toSeconds() >= 3) {
        err.print(String.format(Locale.ROOT, "\r%4ds  sent %,d  received %,d   ", elapsed.toSeconds(), sent, received));
        err.flush();
      }
    };
  }

  private static int finish(CommandSpec spec, RunOptions run, BenchReport report) {
    PrintWriter out = spec.commandLine().getOut();
    if (!run.noProgress && System.console() != null) {
      spec.commandLine().getErr().print("\r" + " ".repeat(60) + "\r");
      spec.commandLine().getErr().flush();
    }
    if (run.csv) {
      if (run.csvHeader) {
        out.println(BenchReport.CSV_HEADER);
      }
      out.println(report.csv());
    } else {
      out.print(report.text());
    }
    out.flush();
    if (report.lost() > 0 || report.rejected() > 0) {
      spec.commandLine().getErr().println("bench: " + report.lost() + " message(s) lost, " + report.rejected()
          + " rejected");
      spec.commandLine().getErr().flush();
      return Failures.RUNTIME;
    }
    return 0;
  }

  /** Parses {@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, a number of seconds, or ISO-8601. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      String t = text.strip().toLowerCase(Locale.ROOT);
      try {
        if (t.startsWith("pt") || t.startsWith("p")) {
          return Duration.parse(text.strip());
        }
        if (t.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        char unit = t.charAt(t.length() - 1);
        String number = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
        long n = Long.parseLong(number);
        switch (unit) {
          case 'h':
            return Duration.ofHours(n);
          case 'm':
            return Duration.ofMinutes(n);
          default:
            if (unit == 's' || Character.isDigit(unit)) {
              return Duration.ofSeconds(n);
            }
        }
      } catch (RuntimeException e) {
        // falls through to the one error message below
      }
      throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (e.g. 500ms, 30s, 10m, 2h)");
    }
  }
}
