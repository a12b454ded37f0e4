package org.fedmsg.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.metrics.BusMeters;
import org.fedmsg.metrics.MetricsServer;
import org.fedmsg.store.MessageStore;
import org.fedmsg.store.StoreHttpApi;
import org.fedmsg.store.StoreOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg store}: subscribes to every configured endpoint and archives every message that
 * passes verification and policy, verbatim, in the store's database; serves the
 * datagrepper-compatible HTTP API over it. See docs/store.md.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = {"Archive every verified message (all frames, verbatim) in SQLite (default: <state_dir>/store.db)",
        "or PostgreSQL (store.url), and serve the datagrepper-compatible HTTP API (/raw, /id, /topics, /healthz)."},
    subcommands = StoreImportCommand.class,
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:stopped by a signal", "1:the database or an address could not be opened",
        "2:usage or configuration error"})
public final class StoreCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Option(names = "--url", paramLabel = "JDBC-URL", description = "The database (overrides store.url), "
      + "jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB.")
  String url;

  @Option(names = "--http", paramLabel = "HOST:PORT", description = "Serve the HTTP API here (overrides "
      + "store.http, default 127.0.0.1:8091; port 0: any free port, printed at start).")
  String http;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
      description = "Serve Prometheus /metrics on 127.0.0.1:PORT (0, the default: off).")
  int metricsPort;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    FedmsgConfig config = configOptions.load();
    StoreOptions options = options(config, url);
    String[] listen = hostPort(http != null ? http : config.get("store.http").map(n -> n.asText()).orElse("127.0.0.1:8091"));
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new ParameterException(spec.commandLine(), "--metrics-port must be 0..65535: " + metricsPort);
    }
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    PrintWriter out = spec.commandLine().getOut();
    MessageStore store = MessageStore.open(options, registry);
    AtomicReference<AutoCloseable> metrics = new AtomicReference<>();
    StoreHttpApi api;
    Bus bus;
    try {
      api = StoreHttpApi.start(store, listen[0], Integer.parseInt(listen[1]));
      try {
        bus = Bus.create(BusOptions.builder().apply(config).name(null).active(false).build());
      } catch (RuntimeException e) {
        api.close();
        throw e;
      }
    } catch (Exception e) {
      store.close();
      throw e;
    }
    BusMeters.bind(registry, "store", bus::stats);
    if (metricsPort > 0) {
      metrics.set(MetricsServer.start("127.0.0.1", metricsPort, registry));
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(ProcessGuard.boundedHook("fedmsg-store-shutdown", () -> {
      bus.close();
      api.close();
      store.close();
      AutoCloseable m = metrics.get();
      if (m != null) {
        try {
          m.close();
        } catch (Exception ignored) {
          // exiting anyway
        }
      }
      stop.countDown();
    }));
    // Heartbeats and probe answers are bus housekeeping, not history.
    bus.subscribe("", message -> {
      if (!message.topic().contains("._heartbeat")) {
        store.archive(message);
      }
    }).awaitReady(java.time.Duration.ofSeconds(5));
    out.println("store: archiving to " + redact(options.jdbcUrl()) + " (" + store.summary() + "); API on http://"
        + listen[0] + ":" + api.port() + "; listening on " + bus.connectedEndpoints().size() + " endpoint(s)"
        + (metricsPort > 0 ? "; metrics on 127.0.0.1:" + metricsPort : ""));
    out.flush();
    stop.await();
    return 0;
  }

  /** The store's options from configuration and an optional --url (which wins over store.url). */
  static StoreOptions options(FedmsgConfig config, String url) {
    StoreOptions.Builder b = StoreOptions.builder().apply(config);
    if (url != null) {
      b.jdbcUrl(url);  // IllegalArgumentException: a usage error (exit 2)
    }
    return b.build();
  }

  static String[] hostPort(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("expected HOST:PORT, not " + text);
    }
    String port = text.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port must be 0..65535 in " + text);
    }
    return new String[] {text.substring(0, colon), port};
  }

  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
