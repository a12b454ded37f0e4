package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.discovery.Resolvers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg endpoints}: asks every configured discovery source now and prints, per source and service,
 * each endpoint with its CURVE key fingerprint and the age of the answer, then every problem met.
 *
 * <p>Exit codes: 0 when every source answered, 1 when some source failed (timeout, SERVFAIL, every
 * directory replica down...), 2 when the configuration cannot be read.
 */
@Command(name = "endpoints", mixinStandardHelpOptions = true,
    description = "Show what every configured discovery source resolves right now.")
public final class EndpointsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @picocli.CommandLine.Mixin ConfigOptions configOptions;

  private final Clock clock;

  /** A command using the system clock. */
  public EndpointsCommand() {
    this(Clock.systemUTC());
  }

  EndpointsCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<EndpointResolver> resolvers;
    try {
      // The same fedmsg.d files, merged the same way, as every other command reads.
      JsonNode tree = configOptions.load().effective();
      resolvers = Resolvers.create(ResolverContext.builder().config(tree).clock(clock).build());
    } catch (RuntimeException e) {
      err.println("fedmsg endpoints: cannot use the configuration: " + e.getMessage());
      return 2;
    }
    boolean failed = false;
    try {
      for (EndpointResolver r : resolvers) {
        Resolution res = r.resolve();
        failed |= res.failed();
        print(out, res);
      }
    } finally {
      resolvers.forEach(EndpointResolver::close);
    }
    out.flush();
    return failed ? 1 : 0;
  }

  private void print(PrintWriter out, Resolution res) {
    Duration age = Duration.between(res.resolvedAt(), clock.instant());
    out.printf("source %s: %s, %d endpoint(s)%s, answer age %s%n", res.source(),
        res.failed() ? "FAILED" : "ok", res.endpoints().size(),
        res.ttl().map(t -> ", ttl " + human(t)).orElse(""), human(age.isNegative() ? Duration.ZERO : age));
    String service = null;
    for (Endpoint e : res.endpoints()) {
      if (!e.service().equals(service)) {
        service = e.service();
        out.printf("  %s%n", service);
      }
      Duration since = Duration.between(res.since(e), clock.instant());
      out.printf("    %-40s curve %-23s age %s%n", e.url(), e.curveKeyFingerprint().orElse("-"),
          human(since.isNegative() ? Duration.ZERO : since));
    }
    for (Problem p : res.problems()) {
      out.printf("  ! %s %s: %s%n", p.kind(), p.subject(), p.detail());
    }
  }

  private static String human(Duration d) {
    long s = d.toSeconds();
    return s < 120 ? s + "s" : s < 7200 ? d.toMinutes() + "m" : d.toHours() + "h";
  }
}
