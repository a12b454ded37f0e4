package org.fedmsg.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.fedmsg.BusOptions;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.web.Gateway;
import org.fedmsg.web.GatewayOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmsg gateway}: the verified bus for browsers, on one HTTP port. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = {"Subscribe to every configured endpoint and serve the messages that pass validation to",
        "browsers: WebSocket at /ws, Server-Sent Events at /sse, the live bus page at /, statistics at",
        "/stats and /stats.json, Prometheus meters at /metrics. Settings: gateway.* (docs/gateway.md)."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:stopped (SIGTERM, or --timeout reached)",
        "1:refused at run time (the address cannot be bound)",
        "2:usage or configuration error"})
public final class GatewayCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Option(names = "--host", paramLabel = "ADDRESS", description = "Bind this address (default: gateway.host, 127.0.0.1).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", description = "HTTP port; 0 picks a free one (default: gateway.port, 9940).")
  Integer port;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop after this many seconds.")
  Double timeout;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    FedmsgConfig config = configOptions.load();
    GatewayOptions.Builder options = GatewayOptions.builder(config);
    if (host != null) {
      options.host(host);
    }
    if (port != null) {
      options.port(port);
    }
    BusOptions.Builder bus = BusOptions.builder().apply(config).name(null).active(false);
    Gateway gateway = Gateway.start(options.build(), bus);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = ProcessGuard.boundedHook("fedmsg-gateway-shutdown", () -> {
      gateway.close();
      stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(hook);
    boolean ready = gateway.awaitReady(Duration.ofSeconds(5));
    out.println("gateway: serving http://" + gateway.host() + ":" + gateway.port() + "/ from "
        + gateway.bus().connectedEndpoints().size() + " endpoint(s)"
        + (ready ? "" : " (not every publisher confirmed the subscription yet)"));
    out.flush();
    if (timeout == null) {
      stopped.await();
    } else if (!stopped.await((long) (timeout * 1000), TimeUnit.MILLISECONDS)) {
      Runtime.getRuntime().removeShutdownHook(hook);
      gateway.close();
    }
    return 0;
  }
}
