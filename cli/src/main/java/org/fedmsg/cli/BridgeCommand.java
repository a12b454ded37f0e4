package org.fedmsg.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.ConfigException;
import org.fedmsg.bridge.AmqpSettings;
import org.fedmsg.bridge.AmqpToBus;
import org.fedmsg.bridge.BridgeMeters;
import org.fedmsg.bridge.BusToAmqp;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.metrics.BusMeters;
import org.fedmsg.metrics.MetricsServer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg bridge}: the bus to RabbitMQ or RabbitMQ to the bus, in fedora-messaging's format. */
@Command(name = "bridge", mixinStandardHelpOptions = true,
    description = {"Carry messages between the bus and RabbitMQ (the amqp: keys) in fedora-messaging's format.",
        "--to-amqp publishes every verified bus message to amqp.exchange;",
        "--from-amqp consumes amqp.queue and publishes on the bus signed by this bridge's certificate.",
        "Runs until stopped; see docs/amqp.md."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:stopped by a signal", "1:the bus could not be opened (an address in use)",
        "2:usage or configuration error"})
public final class BridgeCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Direction direction;

  static final class Direction {
    @Option(names = "--to-amqp", required = true, description = "Bus to AMQP.")
    boolean toAmqp;
    @Option(names = "--from-amqp", required = true, description = "AMQP to bus.")
    boolean fromAmqp;
  }

  @Option(names = "--name", description = {"This bridge's name: its certnames entry and endpoint (--from-amqp),",
      "and the fedmsg_bridge header. Default: the config's name, else 'bridge'."})
  String name;

  @Mixin MetricsOptions metricsOptions;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    FedmsgConfig config = configOptions.load();
    AmqpSettings settings = AmqpSettings.from(config);
    String bridgeName = name != null ? name : config.name().orElse("bridge");
    PrometheusMeterRegistry registry = metricsOptions.enabled() ? MetricsServer.newRegistry() : null;
    Bus bus;
    AutoCloseable bridge;
    String line;
    if (direction.toAmqp) {
      if (!config.validateSignatures()) {
        throw new ConfigException("validate_signatures is off: the bridge forwards only verified messages");
      }
      bus = Bus.create(BusOptions.builder().apply(config).name(null).active(false).build());
      try {
        BusToAmqp b = BusToAmqp.start(bus, settings, bridgeName);
        bridge = b;
        // the line below says the bridge is running: by then its subscriptions are in force
        if (!b.awaitReady(java.time.Duration.ofSeconds(5))) {
          spec.commandLine().getErr().println("fedmsg bridge: not every publisher confirmed the subscription yet");
        }
        if (registry != null) {
          BridgeMeters.bind(registry, "to_amqp", b::stats);
        }
      } catch (RuntimeException | InterruptedException e) {
        bus.close();
        throw e;
      }
      line = "bridge: bus -> " + settings.url().getScheme() + "://" + settings.url().getHost() + ":"
          + settings.url().getPort() + " exchange " + settings.exchange() + " topics " + settings.topics();
    } else {
      if (!config.signMessages()) {
        throw new ConfigException("sign_messages is off: the bridge signs what it publishes on the bus");
      }
      bus = Bus.create(BusOptions.builder().apply(config).name(bridgeName).build());
      try {
        AmqpToBus b = AmqpToBus.start(bus, settings, bridgeName);
        bridge = b;
        if (registry != null) {
          BridgeMeters.bind(registry, "from_amqp", b::stats);
        }
      } catch (RuntimeException e) {
        bus.close();
        throw e;
      }
      line = "bridge: " + settings.url().getScheme() + "://" + settings.url().getHost() + ":"
          + settings.url().getPort() + " queue " + settings.queue() + " " + settings.bindings() + " -> bus "
          + bus.publisherEndpoint();
    }
    MetricsServer metrics = null;
    if (registry != null) {
      BusMeters.bind(registry, "bridge", bus::stats);
      metrics = metricsOptions.start(registry);
      line += " metrics " + metricsOptions.host + ":" + metrics.port();
    }
    CountDownLatch stop = new CountDownLatch(1);
    MetricsServer started = metrics;
    Runtime.getRuntime().addShutdownHook(ProcessGuard.boundedHook("fedmsg-bridge-shutdown", () -> {
      try {
        bridge.close();
      } catch (Exception e) {
        System.err.println("fedmsg bridge: " + e);
      }
      bus.close();
      if (started != null) {
        started.close();
      }
      stop.countDown();
    }));
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
    stop.await();
    return 0;
  }
}
