package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.Bus;
import org.fedmsg.BusException;
import org.fedmsg.BusOptions;
import org.fedmsg.json.CanonicalJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg logger}: publish from shell scripts, through the relay by default. */
@Command(name = "logger", mixinStandardHelpOptions = true,
    description = {"Publish each line of standard input as {\"log\": line} (or --message, or JSON with",
        "--json-input) on <topic_prefix>.<environment>.<modname>.<topic>, through the relay's",
        "relay_inbound like the reference's fedmsg-logger, or from its own bound --endpoint."})
public final class LoggerCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Option(names = "--message", description = "Publish this text instead of reading standard input.")
  String message;

  @Option(names = "--json-input", description = "Each input line (or --message) is a JSON payload.")
  boolean jsonInput;

  @Option(names = "--topic", defaultValue = "log", description = "Topic after the modname (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--modname", defaultValue = "logger", description = "Service token of the topic (default: ${DEFAULT-VALUE}).")
  String modname;

  @Option(names = "--endpoint", paramLabel = "URL",
      description = "Bind this endpoint and publish from it instead of going through the relay.")
  String endpoint;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    BusOptions.Builder options = BusOptions.builder().apply(configOptions.load());
    if (endpoint != null) {
      options.name("logger").endpoint("logger", List.of(endpoint)).active(false);
    } else {
      options.name(null).active(true);
    }
    try (Bus bus = Bus.create(options.build())) {
      if (message != null) {
        publish(bus, message);
      } else {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
          publish(bus, line);
        }
      }
    } catch (BusException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("fedmsg logger: " + e.getMessage());
      return 1;
    }
    return 0;
  }

  private void publish(Bus bus, String line) {
    JsonNode payload = jsonInput
        ? CanonicalJson.parse(line)
        : JsonNodeFactory.instance.objectNode().put("log", line);
    bus.publish(modname, topic, payload);
  }
}
