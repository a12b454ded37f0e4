package org.fedmsg.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fedmsg.metrics.MetricsServer;
import picocli.CommandLine.Option;

/** {@code --metrics-port} and {@code --metrics-host}, shared by the long-running commands. */
final class MetricsOptions {
  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
      description = "Serve Prometheus meters at http://HOST:PORT/metrics (default 0: off).")
  int port;

  @Option(names = "--metrics-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address of the metrics server (default: ${DEFAULT-VALUE}).")
  String host;

  /** Whether metrics were asked for. */
  boolean enabled() {
    return port != 0;
  }

  /**
   * Starts serving {@code registry}, or returns null when metrics are off.
   *
   * @throws IllegalArgumentException if the port is not 1-65535
   */
  MetricsServer start(PrometheusMeterRegistry registry) {
    if (!enabled()) {
      return null;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--metrics-port must be 1-65535 (0: off): " + port);
    }
    return MetricsServer.start(host, port, registry);
  }
}
