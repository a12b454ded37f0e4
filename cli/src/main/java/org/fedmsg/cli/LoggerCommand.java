package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Certnames;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.json.CanonicalJson;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmsg logger}: publish from shell scripts, through the relay by default. */
@Command(name = "logger", mixinStandardHelpOptions = true,
    description = {"Publish each line of standard input as {\"log\": line} (or --message; or, with --json-input,",
        "all of standard input as one JSON document, as the reference's fedmsg-logger does; or one JSON",
        "document per line with --json-lines) on <topic_prefix>.<environment>.<modname>.<topic>, through",
        "the relay's relay_inbound like the reference's fedmsg-logger, or from its own bound --endpoint.",
        "When sign_messages is on it signs with certnames[\"<cert-prefix>.<short hostname>\"], as the",
        "reference does, whether through the relay or from --endpoint."})
public final class LoggerCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Option(names = "--message", description = "Publish this text instead of reading standard input.")
  String message;

  @ArgGroup(exclusive = true)
  Json json = new Json();

  static final class Json {
    @Option(names = "--json-input",
        description = "Standard input (or --message) is one JSON document, e.g. pretty-printed by jq.")
    boolean whole;

    @Option(names = "--json-lines", description = "Each line of standard input is a JSON document: one message each.")
    boolean lines;
  }

  @Option(names = "--topic", defaultValue = "log", description = "Topic after the modname (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--modname", defaultValue = "logger", description = "Service token of the topic (default: ${DEFAULT-VALUE}).")
  String modname;

  @Option(names = "--cert-prefix", paramLabel = "PREFIX",
      description = "Sign with certnames[\"PREFIX.<short hostname>\"] (default: cert_prefix, else shell).")
  String certPrefix;

  @Option(names = "--endpoint", paramLabel = "URL",
      description = "Bind this endpoint and publish from it instead of going through the relay.")
  String endpoint;

  @Option(names = "--name", paramLabel = "NAME",
      description = {"Publish through the relay as the named service: with state_dir and critical_topics it keeps",
          "a durable outbox (<state_dir>/outbox/NAME/) and, with a replay_endpoints entry, serves it."})
  String name;

  @Spec CommandSpec spec;

  InputStream stdin = System.in;

  @Override
  public Integer call() throws Exception {
    checkTopicToken("--modname", modname);
    checkTopic(topic);
    if (name != null) {
      checkTopicToken("--name", name);   // it names a directory under state_dir
    }
    FedmsgConfig config = configOptions.load();
    BusOptions.Builder options = BusOptions.builder().apply(config);
    if (endpoint != null) {
      options.name("logger").endpoint("logger", List.of(endpoint)).active(false);
    } else {
      // A named logger is a long-running publisher (a service's shipper): its name picks its outbox
      // and replay endpoint; without one it is the reference's anonymous, short-lived logger.
      options.name(name).active(true);
    }
    if (config.signMessages()) {
      // The reference's fedmsg-logger signs as <cert_prefix>.<host> (cert_prefix "shell"), also from
      // its own endpoint: the key does not follow the publisher name "logger".
      options.signer(Certnames.signer(withCertPrefix(config), null, true));
    }
    BusOptions built = options.build();
    Bus bus = Bus.create(built);
    try (bus) {
      if (endpoint != null) {
        spec.commandLine().getErr().println("logger: publishing from " + bus.publisherEndpoint()
            + Curve.describe(built.curve()));
        spec.commandLine().getErr().flush();
      }
      if (message != null) {
        publish(bus, json.whole || json.lines ? CanonicalJson.parse(message) : log(message));
      } else if (json.whole) {
        publish(bus, CanonicalJson.parse(new String(stdin.readAllBytes(), StandardCharsets.UTF_8)));
      } else {
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        int number = 0;
        for (String line; (line = in.readLine()) != null; ) {
          number++;
          if (json.lines) {
            if (!line.isBlank()) {
              publish(bus, parseLine(line, number));
            }
          } else {
            publish(bus, log(line));
          }
        }
      }
    }
    // Closing waited for the relay to take every message; what it did not take is counted.
    long notSent = bus.stats().publishFailures();
    if (notSent > 0) {
      spec.commandLine().getErr().println("logger: " + notSent + " message(s) were not taken by the relay at "
          + built.relayInbound());
      return 1;
    }
    return 0;
  }

  private FedmsgConfig withCertPrefix(FedmsgConfig config) {
    String prefix = certPrefix != null ? certPrefix : config.certPrefix().orElse("shell");
    checkTopicToken("--cert-prefix", prefix);
    ObjectNode tree = config.raw();
    tree.put("cert_prefix", prefix);
    return FedmsgConfig.of(tree);
  }

  private static JsonNode parseLine(String line, int number) {
    try {
      return CanonicalJson.parse(line);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("standard input line " + number + " is not JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode log(String line) {
    return JsonNodeFactory.instance.objectNode().put("log", line);
  }

  private void publish(Bus bus, JsonNode payload) {
    bus.publish(modname, topic, payload);
  }

  private void checkTopic(String value) {
    for (String token : value.split("\\.", -1)) {
      checkToken("--topic", value, token);
    }
  }

  private void checkTopicToken(String option, String value) {
    if (value.indexOf('.') >= 0) {
      throw new ParameterException(spec.commandLine(), option + " must be one topic token, without a dot: '" + value + "'");
    }
    checkToken(option, value, value);
  }

  /** Topic tokens are not empty and hold no whitespace or control characters (subscribers match by prefix). */
  private void checkToken(String option, String value, String token) {
    if (token.isEmpty()) {
      throw new ParameterException(spec.commandLine(), option + " has an empty token (a leading, trailing or doubled dot): '"
          + value + "'");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
        throw new ParameterException(spec.commandLine(), option + " must not contain spaces or control characters: '"
            + value.replaceAll("\\p{Cntrl}", "?") + "'");
      }
    }
  }
}
