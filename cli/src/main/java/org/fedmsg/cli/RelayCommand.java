package org.fedmsg.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.fedmsg.BusOptions;
import org.fedmsg.ConfigException;
import org.fedmsg.Relay;
import org.fedmsg.TransportException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fedmsg relay}: SUB binds relay_inbound, PUB binds relay_outbound, frames forwarded verbatim. */
@Command(name = "relay", mixinStandardHelpOptions = true,
    description = {"Bind relay_inbound (for `fedmsg logger` and other active publishers) and the first free",
        "endpoints.relay_outbound, and forward every accepted message verbatim until stopped."})
public final class RelayCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    Relay relay;
    try {
      relay = Relay.start(BusOptions.builder().apply(configOptions.load()).name(null).active(false).build());
    } catch (ConfigException | TransportException e) {
      spec.commandLine().getErr().println("fedmsg relay: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      relay.close();
      stop.countDown();
    }));
    spec.commandLine().getOut().println("relay: inbound " + relay.inboundEndpoint()
        + " outbound " + relay.outboundEndpoint());
    spec.commandLine().getOut().flush();
    stop.await();
    return 0;
  }
}
