package org.fedmsg.discovery.directory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.LogText;
import org.fedmsg.crypto.Signer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a running service registered with every directory replica: signs a fresh registration (new nonce,
 * issued now, valid for the lifetime) and sends it to each replica at start and then every renewal period;
 * on {@link #close()} sends a signed withdrawal (no endpoints) so clients drop the service at once.
 *
 * <p>Thread-safe. Renewals run on one daemon thread.
 */
public final class DirectoryRegistrar implements AutoCloseable {

  /** Default validity of one registration. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryRegistrar.class);

  private final DirectoryClient client;
  private final Signer signer;
  private final String service;
  private final List<String> endpoints;
  private final Optional<String> curveServerKey;
  private final Optional<String> replay;
  private final Duration lifetime;
  private final Clock clock;
  private ScheduledExecutorService timer;
  /** Where a registration that finally failed is reported (the log; a test may listen instead). */
  private volatile java.util.function.Consumer<String> failureReport = LOG::error;
  /** The first pause between quiet retries; doubled up to {@link #MAX_BACKOFF}. */
  private volatile Duration firstBackoff = Duration.ofMillis(250);
  private final java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /**
   * A registrar (not started).
   *
   * @param client the replicas to register with
   * @param signer the service's certificate and key
   * @param service the service name
   * @param endpoints the endpoints to announce (not empty)
   * @param curveServerKey the CURVE public key in Z85, if the service speaks CURVE
   * @param lifetime validity of each registration; renewed every third of it
   * @param clock the time source
   * @throws IllegalArgumentException if the endpoints are empty or a field is malformed
   */
  public DirectoryRegistrar(DirectoryClient client, Signer signer, String service, List<String> endpoints,
      Optional<String> curveServerKey, Duration lifetime, Clock clock) {
    this(client, signer, service, endpoints, curveServerKey, Optional.empty(), lifetime, clock);
  }

  /**
   * A registrar (not started) that also announces the service's replay endpoint.
   *
   * @param replay the replay endpoint's URL, if the service serves one
   * @throws IllegalArgumentException as the other constructor
   */
  public DirectoryRegistrar(DirectoryClient client, Signer signer, String service, List<String> endpoints,
      Optional<String> curveServerKey, Optional<String> replay, Duration lifetime, Clock clock) {
    this.replay = Objects.requireNonNull(replay, "replay");
    this.client = Objects.requireNonNull(client, "client");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.service = service;
    this.endpoints = List.copyOf(endpoints);
    this.curveServerKey = curveServerKey;
    this.lifetime = lifetime;
    this.clock = clock;
    if (this.endpoints.isEmpty()) {
      throw new IllegalArgumentException("a registration needs at least one endpoint");
    }
    // Fail fast on malformed fields instead of on the timer thread.
    Registration.create(service, this.endpoints, curveServerKey, replay, clock.instant(), lifetime);
  }

  /**
   * Registers now with every replica.
   *
   * @return one outcome per replica
   */
  public List<DirectoryClient.RegisterOutcome> registerNow() {
    return send(Registration.create(service, endpoints, curveServerKey, replay, clock.instant(), lifetime));
  }

  /**
   * Registers now and then every third of the lifetime.
   *
   * @throws IllegalStateException if already started
   */
  public synchronized void start() {
    if (timer != null) {
      throw new IllegalStateException("registrar already started");
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fedmsg-directory-registrar " + service);
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(1, lifetime.toMillis() / 3);
    timer.scheduleWithFixedDelay(() -> {
      try {
        registerWithRetries(Duration.ofMillis(period));
      } catch (RuntimeException e) {
        LOG.error("Directory registration of {} failed", service, e);
      }
    }, 0, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Registers, and while no replica takes the registration retries quietly with back-off (a
   * replica that is still starting, or a loaded host, is not worth an error) until {@code within}
   * has passed; only then is the failure reported. Stops early when the registrar is closed.
   */
  void registerWithRetries(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    Duration backoff = firstBackoff;
    for (int attempt = 1; ; attempt++) {
      attempts.incrementAndGet();
      Registration r = Registration.create(service, endpoints, curveServerKey, replay, clock.instant(), lifetime);
      List<DirectoryClient.RegisterOutcome> outcomes = client.register(SignedRegistration.sign(r, signer));
      boolean taken = outcomes.stream().anyMatch(DirectoryClient.RegisterOutcome::accepted);
      boolean lastTry = System.nanoTime() + backoff.toNanos() >= deadline;
      if (taken || lastTry) {
        report(r, outcomes, attempt);
        return;
      }
      LOG.debug("No directory replica took the registration of {} yet (attempt {}): {}; retrying in {} ms",
          service, attempt, outcomes, backoff.toMillis());
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();  // closing
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  /** Registration attempts made by the retry loop so far (for tests). */
  int attempts() {
    return attempts.get();
  }

  /** For tests: report final failures here instead of the log, and start retrying after {@code backoff}. */
  void reportFailuresTo(java.util.function.Consumer<String> report, Duration backoff) {
    this.failureReport = Objects.requireNonNull(report, "report");
    this.firstBackoff = backoff;
  }

  /** Stops renewing and withdraws the registration from every replica (best effort). Idempotent. */
  @Override
  public void close() {
    ScheduledExecutorService t;
    synchronized (this) {
      t = timer;
      timer = null;
    }
    if (t == null) {
      return;
    }
    t.shutdownNow();
    try {
      t.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    send(Registration.create(service, List.of(), Optional.empty(), clock.instant(), lifetime));
  }

  private List<DirectoryClient.RegisterOutcome> send(Registration r) {
    List<DirectoryClient.RegisterOutcome> outcomes = client.register(SignedRegistration.sign(r, signer));
    report(r, outcomes, 1);
    return outcomes;
  }

  private void report(Registration r, List<DirectoryClient.RegisterOutcome> outcomes, int attempts) {
    long ok = outcomes.stream().filter(DirectoryClient.RegisterOutcome::accepted).count();
    for (DirectoryClient.RegisterOutcome o : outcomes) {
      if (!o.accepted()) {
        LOG.warn("Directory replica {} did not take the {} of {}: {}{}", o.server(),
            r.withdrawal() ? "withdrawal" : "registration", service, LogText.escape(o.detail()),
            "rejected".equals(o.detail()) ? " (the replica's log has the reason)" : "");
      }
    }
    if (ok == 0) {
      failureReport.accept("No directory replica took the " + (r.withdrawal() ? "withdrawal" : "registration")
          + " of " + service + (attempts > 1 ? " after " + attempts + " attempts" : ""));
    }
  }
}
