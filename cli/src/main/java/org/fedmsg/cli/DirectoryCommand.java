package org.fedmsg.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fedmsg.metrics.ComponentMeters;
import org.fedmsg.metrics.MetricsServer;
import picocli.CommandLine.Mixin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.directory.DirectoryServer;
import org.fedmsg.discovery.directory.RegistrationPolicy;
import org.fedmsg.discovery.directory.RegistrationVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg directory}: the directory service. {@code fedmsg directory serve} runs one replica until
 * interrupted.
 */
@Command(name = "directory", mixinStandardHelpOptions = true,
    description = "The fedmsg directory service (signed endpoint registrations).",
    subcommands = DirectoryCommand.Serve.class)
public final class DirectoryCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  /** Creates the command. */
  public DirectoryCommand() {}

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** {@code fedmsg directory serve}: runs one replica in the foreground until interrupted. */
  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run one directory replica.")
  public static final class Serve implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--bind", defaultValue = "tcp://127.0.0.1:9941", paramLabel = "ENDPOINT",
        description = "ZeroMQ address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--ca", paramLabel = "FILE|URL",
        description = "CA bundle that signs service certificates; required without --trust-config.")
    String ca;

    @Option(names = "--trust-config", paramLabel = "FILE|DIR",
        description = "Trust settings from this configuration (ca_cert_location, crl_location, crypto_allowed_digests, "
            + "crypto_min_rsa_bits, crl_failure_mode, ...), as the bus applies them; --ca and --crl override.")
    Path trustConfig;

    @Option(names = "--crl", paramLabel = "FILE|URL",
        description = "Certificate revocation list (required unless --no-crl or --trust-config names one).")
    String crl;

    @Option(names = "--no-crl",
        description = "Accept registrations without revocation checking (a revoked certificate can register).")
    boolean noCrl;

    @Option(names = "--max-services", paramLabel = "N",
        description = "Services one signer key may hold (default: ${DEFAULT-VALUE}).")
    int maxServices = DirectoryServer.Settings.DEFAULT.maxServicesPerSigner();

    @Option(names = "--max-endpoints", paramLabel = "N",
        description = "Endpoints one registration may list (default: ${DEFAULT-VALUE}).")
    int maxEndpoints = DirectoryServer.Settings.DEFAULT.maxEndpointsPerService();

    @Option(names = "--max-bytes", paramLabel = "N",
        description = "Bytes of registrations one signer key may store (default: ${DEFAULT-VALUE}).")
    long maxBytes = DirectoryServer.Settings.DEFAULT.maxBytesPerSigner();

    @Option(names = "--policy", required = true, paramLabel = "FILE",
        description = "Registration policy: which certificate CN may register which service name.")
    Path policy;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Keep registrations here across restarts.")
    Path stateDir;

    @Option(names = "--curve-secret-key", paramLabel = "FILE",
        description = "Be a CURVE server with this key pair (the .curve_secret file of fedmsg-certs curve); "
            + "clients then need its public key.")
    Path curveSecretKey;

    @Option(names = "--curve-allowed-clients", paramLabel = "DIR|FILE|KEY",
        description = "With --curve-secret-key: admit only these client public keys (a directory of .curve "
            + "files, reloaded on change). Default: any client with a valid CURVE handshake.")
    List<String> curveAllowedClients;

    @Mixin MetricsOptions metricsOptions;

    /** Creates the command. */
    public Serve() {}

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      DirectoryServer server;
      TrustStore trust;
      if (crl == null && !noCrl && trustConfig == null) {
        err.println("fedmsg directory serve: no CRL: give --crl FILE|URL, or --no-crl to accept registrations "
            + "without revocation checking");
        err.flush();
        return 2;
      }
      if (crl != null && noCrl) {
        err.println("fedmsg directory serve: --crl and --no-crl exclude each other");
        err.flush();
        return 2;
      }
      try {
        DirectoryServer.Settings settings = new DirectoryServer.Settings(maxServices, maxEndpoints, maxBytes,
            DirectoryServer.Settings.DEFAULT.stateWriteInterval());
        TrustOptions.Builder options;
        if (trustConfig != null) {
          options = org.fedmsg.config.TrustSettings.options(
              org.fedmsg.config.ConfigLoader.builder().explicit(trustConfig).build().load());
        } else if (ca == null) {
          throw new IllegalArgumentException("--ca or --trust-config is required");
        } else {
          options = TrustOptions.builder();
        }
        if (ca != null) {
          options.ca(ca);
        }
        if (crl != null) {
          options.crl(crl);
        } else if (noCrl) {
          LOG.warn("fedmsg directory serve --no-crl: registrations are accepted WITHOUT revocation checking "
              + "(a revoked service certificate can still register)");
        }
        if (stateDir != null) {
          options.stateDirectory(stateDir);
        }
        trust = TrustStore.create(options.build());
        RegistrationPolicy rp = RegistrationPolicy.load(policy);
        RegistrationVerifier verifier = new RegistrationVerifier(trust, rp, Clock.systemUTC());
        if (curveSecretKey != null) {
          CurveKeyPair keys = CurveKeyPair.load(null, curveSecretKey);
          AllowedCurveClients allowed = curveAllowedClients == null || curveAllowedClients.isEmpty() ? null
              : AllowedCurveClients.load(curveAllowedClients, Clock.systemUTC());
          server = DirectoryServer.start(bind, verifier, stateDir, settings, keys, allowed);
          out.println("directory CURVE server key " + keys.publicKeyZ85());
        } else {
          if (curveAllowedClients != null) {
            throw new IllegalArgumentException("--curve-allowed-clients needs --curve-secret-key");
          }
          server = DirectoryServer.start(bind, verifier, stateDir, settings, null, null);
        }
      } catch (RuntimeException e) {
        err.println("fedmsg directory serve: " + e.getMessage());
        err.flush();
        return 2;
      }
      PrometheusMeterRegistry registry = MetricsServer.newRegistry();
      ComponentMeters.bindDirectory(registry, server);
      MetricsServer metrics;
      try {
        metrics = metricsOptions.start(registry);
      } catch (RuntimeException e) {
        server.close();
        trust.close();
        err.println("fedmsg directory serve: " + e.getMessage());
        err.flush();
        return 1;
      }
      out.println("directory replica listening on " + server.endpoint()
          + (metrics == null ? "" : "; metrics http://" + metricsOptions.host + ":" + metrics.port() + "/metrics"));
      out.flush();
      boolean interrupted = false;
      try {
        server.awaitTermination();
      } catch (InterruptedException e) {
        // Interruption is the normal way to stop; close with the flag cleared (ZeroMQ cleanup is
        // interruptible) and restore it afterwards.
        interrupted = true;
      } finally {
        server.close();
        trust.close();
        if (metrics != null) {
          metrics.close();
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      out.println("directory replica stopped");
      out.flush();
      return 0;
    }
  }
}
