package org.fedmsg.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fedmsg.BusOptions;
import org.fedmsg.Relay;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.metrics.ComponentMeters;
import org.fedmsg.metrics.MetricsServer;
import org.fedmsg.metrics.ReceiveMeters;
import org.fedmsg.status.Heartbeat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg relay}: SUB binds relay_inbound, PUB binds relay_outbound, frames forwarded verbatim. */
@Command(name = "relay", mixinStandardHelpOptions = true,
    description = {"Bind relay_inbound (for `fedmsg logger` and other active publishers) and the first free",
        "endpoints.relay_outbound, and forward every accepted message verbatim until stopped."})
public final class RelayCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin MetricsOptions metricsOptions;
  @Option(names = "--heartbeat", description = {"Send relay_outbound._heartbeat every heartbeat_interval",
      "(default 10s) through the relay itself, for `fedmsg status`."})
  boolean heartbeat;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    Relay relay;
    RelayHeartbeat beat = null;
    // Failures (Main's handler) prints what start-up throws as one line, with its exit code.
    FedmsgConfig config = configOptions.load();
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    BusOptions.Builder builder = BusOptions.builder().apply(config).name(null).active(false);
    if (metricsOptions.enabled()) {
      builder.listener(ReceiveMeters.create(registry, "relay", config.topicPrefix(), config.environment(), null));
    }
    BusOptions options = builder.build();
    relay = Relay.start(options);
    MetricsServer metrics;
    try {
      ComponentMeters.bindRelay(registry, relay);
      metrics = metricsOptions.start(registry);
    } catch (RuntimeException e) {
      relay.close();
      throw e;
    }
    if (heartbeat) {
      try {
        Duration interval = heartbeatInterval(config);
        beat = RelayHeartbeat.start(relay, BusOptions.builder().apply(config), interval);
      } catch (RuntimeException e) {
        relay.close();
        if (metrics != null) {
          metrics.close();
        }
        throw e;
      }
    }
    CountDownLatch stop = new CountDownLatch(1);
    RelayHeartbeat started = beat;
    Runtime.getRuntime().addShutdownHook(ProcessGuard.boundedHook("fedmsg-relay-shutdown", () -> {
      if (started != null) {
        started.close();
      }
      relay.close();
      if (metrics != null) {
        metrics.close();
      }
      stop.countDown();
    }));
    spec.commandLine().getOut().println("relay: inbound " + relay.inboundEndpoint()
        + " outbound " + relay.outboundEndpoint() + relay.replayEndpoint().map(r -> " replay " + r).orElse("")
        + Curve.describe(options.curve())
        + (metrics == null ? "" : "; metrics http://" + metricsOptions.host + ":" + metrics.port() + "/metrics"));
    spec.commandLine().getOut().flush();
    stop.await();
    return 0;
  }

  /** {@code heartbeat_interval}, which must not be zero when {@code --heartbeat} asks for one. */
  static Duration heartbeatInterval(FedmsgConfig config) {
    Duration interval = Heartbeat.configuredInterval(config);
    if (interval.isZero()) {
      throw new IllegalArgumentException("--heartbeat needs a non-zero heartbeat_interval");
    }
    return interval;
  }
}
