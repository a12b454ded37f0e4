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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.fedmsg.Bus;
import org.fedmsg.BusException;
import org.fedmsg.BusOptions;
import org.fedmsg.LogText;
import org.fedmsg.Message;
import org.fedmsg.Subscription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg tail}: watch the bus. */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Subscribe to every configured endpoint and print the messages that pass validation",
        "(on by default; the signer is shown) and the filters."})
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

    @Option(names = "--terse", description = "One line each: time, topic, signer, short summary (the default).")
    boolean terse;

    @Option(names = "--raw", description = "The body exactly as received.")
    boolean raw;

    @Option(names = "--json", description = "One JSON object per line: {\"topic\", \"signer\", \"body\"}.")
    boolean json;
  }

  @Option(names = "--count", paramLabel = "N", description = "Exit after N messages (exit 1 if --timeout comes first).")
  Integer count;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Exit after this many seconds.")
  Double timeout;

  @Option(names = "--validate", negatable = true,
      description = "Verify signatures and drop what fails (default: validate_signatures, true). "
          + "--no-validate shows everything, marked UNVERIFIED.")
  Boolean validate;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BusOptions.Builder options = BusOptions.builder().apply(configOptions.load()).name(null).active(false);
    if (validate != null) {
      options.validateSignatures(validate);
    }
    BusOptions built = options.build();
    AtomicInteger printed = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    boolean colour = System.console() != null && format.pretty;
    try (Bus bus = Bus.create(built)) {
      Subscription subscription = bus.subscribe(topic, message -> {
        if (exclude != null && exclude.matcher(message.topic()).find()
            || include != null && !include.matcher(message.topic()).find()) {
          return;
        }
        synchronized (out) {
          out.println(render(message, built.validateSignatures(), colour));
          out.flush();
        }
        if (count != null && printed.incrementAndGet() >= count) {
          done.countDown();
        }
      });
      boolean ready = subscription.awaitReady(Duration.ofSeconds(5));
      err.println("fedmsg tail: listening on " + bus.connectedEndpoints().size() + " endpoint(s)"
          + (ready ? "" : " (not every publisher confirmed the subscription yet)"));
      err.flush();
      if (timeout == null) {
        done.await();
      } else if (!done.await((long) (timeout * 1000), TimeUnit.MILLISECONDS)) {
        return count == null ? 0 : 1;
      }
      return 0;
    } catch (BusException e) {
      err.println("fedmsg tail: " + e.getMessage());
      return 2;
    }
  }

  private String render(Message message, boolean validated, boolean colour) throws Exception {
    String signer = message.signer().orElse(validated ? "-" : "UNVERIFIED");
    if (format.raw) {
      return new String(message.rawBody(), StandardCharsets.UTF_8);
    }
    if (format.json) {
      ObjectNode line = JSON.createObjectNode();
      line.put("topic", message.topic());
      line.put("signer", message.signer().orElse(null));
      line.put("verified", message.signer().isPresent());
      line.set("body", message.body());
      return JSON.writeValueAsString(line);
    }
    // Human formats: topics, signers and bodies come from the network; nothing in them may move
    // the cursor, clear the screen or start a new line (raw and json stay byte-faithful JSON).
    if (format.pretty) {
      String header = LogText.escape(message.topic()) + "  [" + LogText.escape(signer) + "]";
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
    return time + " " + LogText.escape(message.topic()) + " [" + LogText.escape(signer) + "] " + summary;
  }
}
