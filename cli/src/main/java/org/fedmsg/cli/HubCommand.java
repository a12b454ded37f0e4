package org.fedmsg.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fedmsg.metrics.ComponentMeters;
import org.fedmsg.metrics.MetricsServer;
import org.fedmsg.metrics.ReceiveMeters;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.fedmsg.ConfigException;
import org.fedmsg.BusOptions;
import org.fedmsg.discovery.Durations;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.hub.ConsumerStats;
import org.fedmsg.hub.Hub;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg hub}: run consumer classes until stopped. */
@Command(name = "hub", mixinStandardHelpOptions = true,
    description = {"Run consumers (registered with ServiceLoader, named in hub.consumers or --with-consumers)",
        "whose config key is true, each on its own thread with a bounded queue, on one bus that verifies",
        "signatures and the policy first. Sends heartbeats when the hub has a name. Stops on SIGTERM,",
        "draining the queues, and prints each consumer's counters."})
public final class HubCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin MetricsOptions metricsOptions;

  @Option(names = "--with-consumers", split = ",", paramLabel = "CLASS",
      description = "Also run these consumer classes (fully qualified names, comma-separated).")
  List<String> withConsumers = new ArrayList<>();

  @Option(names = "--enable", paramLabel = "CONFIG_KEY",
      description = "Treat this consumer config key as true (repeatable).")
  List<String> enable = new ArrayList<>();

  @Option(names = "--no-discover", description = "Do not run consumers registered with ServiceLoader.")
  boolean noDiscover;

  @Option(names = "--name", description = "Publish heartbeats as this service (a key of endpoints; default: name).")
  String name;

  @Option(names = "--queue-size", paramLabel = "N", description = "Each consumer's queue (default: hub.queue_size, 10000).")
  Integer queueSize;

  @Option(names = "--heartbeat-interval", paramLabel = "DURATION",
      description = "e.g. 10s; 0 disables (default: heartbeat_interval, 10s).")
  String heartbeatInterval;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop after this many seconds.")
  Double timeout;

  @Option(names = "--classpath", paramLabel = "PATH",
      description = "Also load consumers from these jars or directories (':'-separated; dir/* for every jar "
          + "in dir). bin/fedmsg also takes them from $FEDMSG_CLASSPATH.")
  String classpath;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Hub hub;
    BusOptions busOptions;
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    // Failures (Main's handler) prints a start-up failure as one line with its exit code.
    try {
      FedmsgConfig config = configOptions.load();
      BusOptions.Builder bus = BusOptions.builder().apply(config).active(false);
      if (metricsOptions.enabled()) {
        bus.listener(ReceiveMeters.create(registry, "hub", config.topicPrefix(), config.environment(), null));
      }
      if (name != null) {
        bus.name(name);
      }
      busOptions = bus.build();
      Hub.Builder builder = Hub.builder().config(config).busOptions(busOptions).consumerClasses(withConsumers)
          .discover(!noDiscover);
      enable.forEach(builder::enable);
      if (classpath != null) {
        builder.classLoader(ConsumerClasspath.loader(classpath));
      }
      if (queueSize != null) {
        builder.queueSize(queueSize);
      }
      if (heartbeatInterval != null) {
        builder.heartbeatInterval(Durations.parse(heartbeatInterval));
      }
      LogConsumer.out = out;
      hub = builder.start();
    } catch (IllegalStateException e) {
      throw new ConfigException(e.getMessage(), e);  // e.g. a hub name without endpoints
    }
    if (hub.consumers().isEmpty()) {
      hub.close();
      err.println("fedmsg hub: no consumer to run" + (hub.notStarted().isEmpty() ? " (none found)"
          : ": " + hub.notStarted() + "; enable one in the configuration or with --enable KEY"));
      return 1;
    }
    MetricsServer metrics;
    try {
      ComponentMeters.bindHub(registry, hub);
      metrics = metricsOptions.start(registry);
    } catch (RuntimeException e) {
      hub.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // On SIGTERM the JVM ends when the hooks have run: report from the hook itself.
    Thread hook = ProcessGuard.boundedHook("fedmsg-hub-shutdown", () -> {
      stopAndReport(hub, out);
      if (metrics != null) {
        metrics.close();
      }
      stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(hook);
    boolean ready = hub.awaitReady(Duration.ofSeconds(5));
    out.println("hub: running " + hub.consumers() + " on " + hub.bus().connectedEndpoints().size() + " endpoint(s)"
        + (hub.notStarted().isEmpty() ? "" : "; not started: " + hub.notStarted())
        + hub.heartbeat().map(h -> "; heartbeat every " + Durations.format(h.interval()) + " as " + h.name()
            + " from " + hub.bus().publisherEndpoint() + Curve.describe(busOptions.curve())).orElse("")
        + (ready ? "" : " (not every publisher confirmed the subscriptions yet)")
        + (metrics == null ? "" : "; metrics http://" + metricsOptions.host + ":" + metrics.port() + "/metrics"));
    out.flush();
    if (timeout == null) {
      stopped.await();
    } else if (!stopped.await((long) (timeout * 1000), TimeUnit.MILLISECONDS)) {
      Runtime.getRuntime().removeShutdownHook(hook);
      stopAndReport(hub, out);
      if (metrics != null) {
        metrics.close();
      }
    }
    return 0;
  }

  /** Closes the hub (draining the queues) and prints every consumer's counters. */
  private static void stopAndReport(Hub hub, PrintWriter out) {
    hub.close();
    for (ConsumerStats s : hub.stats()) {
      out.printf("consumer %s: received=%d consumed=%d failed=%d dropped=%d%n", s.name(), s.received(),
          s.consumed(), s.failed(), s.dropped());
    }
    out.printf("bus: received=%d rejected=%d%n", hub.busStats().received(), hub.busStats().rejected());
    out.flush();
  }
}
