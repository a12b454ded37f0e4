package org.fedmsg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.BusStats;
import org.fedmsg.crypto.LogText;
import org.fedmsg.Message;
import org.fedmsg.Subscription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmsg tail}: watch the bus. */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Subscribe to every configured endpoint and print the messages that pass validation",
        "(on by default; the signer is shown) and the filters. Stops cleanly when its output is closed",
        "(fedmsg tail | head -1)."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:success, or --timeout reached without --count, or output closed",
        "1:--timeout reached before --count messages; refused at run time",
        "2:usage or configuration error (bad option, file not found or unreadable, parse error)"})
public final class TailCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  @Mixin ConfigOptions configOptions;

  @Option(names = "--topic", defaultValue = "", description = "Only topics starting with this prefix.")
  String topic;

  @Option(names = "--include", paramLabel = "REGEX", description = "Only topics matching this regex.")
  Pattern include;

  @Option(names = "--exclude", paramLabel = "REGEX", defaultValue = "_heartbeat",
      description = "Skip topics matching this regex (default: ${DEFAULT-VALUE}).")
  Pattern exclude;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--pretty", description = "Indented JSON bodies (coloured on a terminal).")
    boolean pretty;

    @Option(names = "--terse", description = {"One line each: time, topic, signer, short summary (the default);",
        "a '!' after the time marks a critical topic (critical_topics)."})
    boolean terse;

    @Option(names = "--raw", description = "The body exactly as received.")
    boolean raw;

    @Option(names = "--json",
        description = "One JSON object per line: {\"topic\", \"signer\", \"verified\", \"bus\", \"body\"}.")
    boolean json;
  }

  @Option(names = "--count", paramLabel = "N", description = "Exit after N messages (exit 1 if --timeout comes first).")
  Integer count;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Exit after this many seconds from start, start-up included (zero or more).")
  Double timeout;

  @Option(names = "--validate", negatable = true,
      description = "Verify signatures and drop what fails (default: validate_signatures, true). "
          + "--no-validate shows everything, marked UNVERIFIED.")
  Boolean validate;

  @Option(names = "--summary", description = {"On exit (also on SIGTERM), print the bus's counters on standard error:",
      "delivered, missed (fedmsg/2 gaps), filled by replay, lost."})
  boolean summary;

  @Option(names = "--durable-name", paramLabel = "NAME",
      description = {"Remember the last message shown per publisher under <state_dir>/positions/NAME and, when",
          "started again, fetch what was missed meanwhile from the replay endpoints (critical topics;",
          "default: durable_name)."})
  String durableName;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // The deadline covers the whole run, start-up included: `--timeout 5` ends within 5 s.
    long deadline = System.nanoTime() + checkOptions();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BusOptions.Builder options = BusOptions.builder().apply(configOptions.load()).name(null).active(false);
    if (validate != null) {
      options.validateSignatures(validate);
    }
    if (durableName != null) {
      options.durableName(durableName);
    }
    BusOptions built = options.build();
    AtomicInteger printed = new AtomicInteger();
    AtomicBoolean outputClosed = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    boolean colour = System.console() != null && format.pretty;
    try (Bus bus = Bus.create(built)) {
      Subscription subscription = bus.subscribe(topic, message -> {
        if (exclude != null && exclude.matcher(message.topic()).find()
            || include != null && !include.matcher(message.topic()).find()) {
          return;
        }
        synchronized (out) {
          if (outputClosed.get()) {
            return;
          }
          out.println(render(message, built.validateSignatures(), colour, built.criticalTopics().matches(message.topic())));
          out.flush();
          // `fedmsg tail | head -1`: once the reader is gone (EPIPE), stop instead of printing into the void.
          if (out.checkError() || System.out.checkError()) {
            outputClosed.set(true);
            done.countDown();
            return;
          }
        }
        if (count != null && printed.incrementAndGet() >= count) {
          done.countDown();
        }
      });
      Runnable counters = summary ? summary(bus, err) : () -> { };
      Thread hook = new Thread(counters, "fedmsg-tail-summary");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return listen(bus, subscription, built, err, done, deadline);
      } finally {
        counters.run();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running or has run
        }
      }
    }
  }

  /** Announces the subscription, then waits for --count, --timeout or the end of the output. */
  private Integer listen(Bus bus, Subscription subscription, BusOptions built, PrintWriter err, CountDownLatch done,
      long deadline) throws InterruptedException {
    boolean ready = subscription.awaitReady(min(Duration.ofSeconds(5), deadline));
    err.println("fedmsg tail: listening on " + bus.connectedEndpoints().size() + " endpoint(s)"
        + (ready ? "" : " (not every publisher confirmed the subscription yet)") + Curve.describe(built.curve()));
    err.flush();
    if (!done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      return count == null ? 0 : 1;  // --timeout came first
    }
    return 0;
  }

  /** Prints the counters once, whichever comes first: the end of the run or SIGTERM's shutdown hook. */
  private static Runnable summary(Bus bus, PrintWriter err) {
    AtomicBoolean printed = new AtomicBoolean();
    return () -> {
      if (printed.compareAndSet(false, true)) {
        BusStats s = bus.stats();
        err.println("fedmsg tail: " + s.delivered() + " delivered, " + s.gaps() + " missed (fedmsg/2 gaps), "
            + s.gapsFilled() + " filled by replay, " + s.lost() + " lost");
        err.flush();
      }
    };
  }

  /** Validates --timeout and --count; the run's length in nanoseconds (practically unbounded without --timeout). */
  private long checkOptions() {
    if (timeout != null && !(timeout >= 0 && timeout <= 1e9)) {
      throw new ParameterException(spec.commandLine(), "--timeout must be a number of seconds, zero or more: " + timeout);
    }
    if (count != null && count < 1) {
      throw new ParameterException(spec.commandLine(), "--count must be at least 1: " + count);
    }
    return timeout == null ? Long.MAX_VALUE / 4 : (long) (timeout * 1e9);
  }

  private static Duration min(Duration limit, long deadline) {
    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    return left.compareTo(limit) < 0 ? left : limit;
  }

  /** @param critical whether the topic is one of {@code critical_topics} (shown: which bus it is on) */
  private String render(Message message, boolean validated, boolean colour, boolean critical) throws Exception {
    String signer = message.signer().orElse(validated ? "-" : "UNVERIFIED");
    if (format.raw) {
      return new String(message.rawBody(), StandardCharsets.UTF_8);
    }
    if (format.json) {
      ObjectNode line = JSON.createObjectNode();
      line.put("topic", message.topic());
      line.put("signer", message.signer().orElse(null));
      line.put("verified", message.signer().isPresent());
      line.put("bus", critical ? "critical" : "statistical");
      if (message.late()) {
        line.put("late", true);   // filled a gap after later messages of its publisher (gap_fill.mode: late)
      }
      line.set("body", message.body());
      return JSON.writeValueAsString(line);
    }
    // Human formats: topics, signers and bodies come from the network; nothing in them may move
    // the cursor, clear the screen or start a new line (raw and json stay byte-faithful JSON).
    if (format.pretty) {
      String header = LogText.escape(message.topic()) + "  [" + LogText.escape(signer) + "]" + (critical ? " CRITICAL" : "");
      String body = LogText.escapeJson(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(message.body()));
      return (colour ? "\u001b[1;34m" + header + "\u001b[0m" : header) + "\n" + body;
    }
    String time = message.timestamp()
        .map(t -> LocalTime.ofInstant(t, ZoneId.systemDefault()).format(TIME))
        .orElse("--:--:--");
    String summary = LogText.escapeJson(JSON.writeValueAsString(message.msg()));
    if (summary.length() > 100) {
      summary = summary.substring(0, 97) + "...";
    }
    return time + (critical ? " ! " : " ") + LogText.escape(message.topic()) + " [" + LogText.escape(signer) + "] "
        + summary;
  }
}
