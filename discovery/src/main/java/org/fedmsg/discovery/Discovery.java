package org.fedmsg.discovery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges the answers of several {@link EndpointResolver}s, caches them, refreshes them periodically and on
 * demand, tells listeners what changed, and falls back to the last known good answer of a source that
 * fails.
 *
 * <p><b>Caching.</b> A source's answer is cached for its own TTL when it has one (the smallest DNS TTL, the
 * earliest directory expiry; at least one second), otherwise for the refresh interval. The periodic refresh
 * (every {@code discovery_refresh}, default 30 s, once {@link #start()} is called) re-resolves sources
 * without a TTL, sources that failed last time, and sources whose TTL ran out. {@link #refresh()} re-resolves
 * everything now.
 *
 * <p><b>Failures.</b> When a source's resolution {@linkplain Resolution#failed() failed} (timeout, SERVFAIL,
 * every directory replica down) its last known good answer is used instead, with a warning naming the source
 * and the age of the answer; when every source failed an error is logged. Last known good answers are saved
 * in {@code <state directory>/discovery-endpoints.json} and reloaded when a new instance starts.
 *
 * <p><b>Threading.</b> Thread-safe. Resolution is serialised: one source is never resolved by two threads at
 * once. Listeners run on the refreshing thread.
 */
public final class Discovery implements AutoCloseable {

  /** Default period of the periodic refresh. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
  private static final Duration MIN_TTL = Duration.ofSeconds(1);

  private final List<EndpointResolver> resolvers;
  private final Duration refreshInterval;
  private final Clock clock;
  private final Optional<LastKnownGoodStore> store;
  private final List<DiscoveryListener> listeners = new CopyOnWriteArrayList<>();
  private final Cache<String, Cached> cache;
  private final Map<String, Resolution> lastGood = new HashMap<>();
  private final Map<String, Resolution> lastAttempt = new HashMap<>();
  private Set<Endpoint> published = Set.of();
  private ScheduledExecutorService timer;

  /** A cached answer; {@code ttlDriven} answers are re-resolved only when their TTL runs out. */
  private record Cached(Resolution resolution, Duration lifetime, boolean ttlDriven) {}

  private Discovery(Builder b) {
    this.resolvers = List.copyOf(b.resolvers);
    this.refreshInterval = b.refreshInterval;
    this.clock = b.clock;
    this.store = Optional.ofNullable(b.stateDirectory).map(dir -> new LastKnownGoodStore(dir, b.sourceKeys));
    this.listeners.addAll(b.listeners);
    this.cache = Caffeine.newBuilder()
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .expireAfter(new Expiry<String, Cached>() {
          @Override
          public long expireAfterCreate(String key, Cached value, long currentTime) {
            return value.lifetime().toNanos();
          }

          @Override
          public long expireAfterUpdate(String key, Cached value, long currentTime, long currentDuration) {
            return value.lifetime().toNanos();
          }

          @Override
          public long expireAfterRead(String key, Cached value, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .build();
    store.ifPresent(s -> {
      Set<String> labels = resolvers.stream().map(EndpointResolver::label).collect(Collectors.toSet());
      lastGood.putAll(s.load(labels));
    });
  }

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a discovery from configuration: the resolvers of the {@code discovery} list (providers found by
   * {@link java.util.ServiceLoader}) and the {@code discovery_refresh} period.
   *
   * @param context the merged configuration and shared services
   * @param stateDirectory where the last known good answer is kept, or null for none
   * @return the discovery, not started
   * @throws IllegalArgumentException if the configuration is malformed
   */
  public static Discovery fromConfig(ResolverContext context, Path stateDirectory) {
    Builder b = builder()
        .resolvers(Resolvers.create(context))
        .clock(context.clock())
        .refreshInterval(Durations.parse("discovery_refresh", context.config().path("discovery_refresh"),
            DEFAULT_REFRESH));
    if (stateDirectory != null) {
      b.stateDirectory(stateDirectory);
      b.sourceKeys(Resolvers.sourceKeys(context.config()));
    }
    return b.build();
  }

  /**
   * Adds a listener; it is told about changes from the next refresh on.
   *
   * @param listener the listener
   * @throws NullPointerException if {@code listener} is null
   */
  public void addListener(DiscoveryListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * The current merged answer, resolving the sources whose cached answer has expired.
   *
   * @return the snapshot
   */
  public synchronized Snapshot current() {
    for (EndpointResolver r : resolvers) {
      if (cache.getIfPresent(r.label()) == null) {
        resolveOne(r);
      }
    }
    return publish();
  }

  /**
   * Re-resolves every source now, ignoring the cache (on-demand refresh).
   *
   * @return the new snapshot
   */
  public synchronized Snapshot refresh() {
    resolvers.forEach(this::resolveOne);
    return publish();
  }

  /**
   * One periodic refresh: re-resolves sources whose answer has no TTL, failed, or whose TTL ran out.
   *
   * @return the new snapshot
   */
  synchronized Snapshot tick() {
    for (EndpointResolver r : resolvers) {
      Cached c = cache.getIfPresent(r.label());
      if (c == null || !c.ttlDriven()) {
        resolveOne(r);
      }
    }
    return publish();
  }

  /**
   * Starts the periodic refresh on a daemon thread (the first refresh runs at once).
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() {
    if (timer != null) {
      throw new IllegalStateException("discovery already started");
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fedmsg-discovery");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.error("Periodic discovery refresh failed", e);
      }
    }, 0, refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The refresh period. @return the period */
  public Duration refreshInterval() {
    return refreshInterval;
  }

  /** Stops the periodic refresh and closes every resolver. Idempotent. */
  @Override
  public void close() {
    ScheduledExecutorService t;
    synchronized (this) {
      t = timer;
      timer = null;
    }
    if (t != null) {
      t.shutdownNow();
      try {
        t.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      resolvers.forEach(r -> {
        try {
          r.close();
        } catch (RuntimeException e) {
          LOG.warn("Closing resolver {} failed: {}", r.label(), e.toString());
        }
      });
    }
  }

  private void resolveOne(EndpointResolver r) {
    Resolution res;
    try {
      res = r.resolve();
    } catch (RuntimeException e) {
      // A plug-in broke the contract; treat it as a down source rather than losing every endpoint.
      LOG.error("Resolver {} threw instead of reporting a problem", r.label(), e);
      res = new Resolution(r.label(), List.of(),
          List.of(new Problem(r.label(), Problem.Kind.UNREACHABLE, r.label(), e.toString())), clock.instant(),
          Optional.empty());
    }
    lastAttempt.put(r.label(), res);
    if (res.failed()) {
      cache.put(r.label(), new Cached(res, refreshInterval, false));
      Resolution good = lastGood.get(r.label());
      if (good != null) {
        LOG.warn("Discovery source {} failed ({}); keeping its last known good answer from {} ({} endpoint(s))",
            r.label(), summary(res), good.resolvedAt(), good.endpoints().size());
      } else {
        LOG.warn("Discovery source {} failed ({}) and there is no last known good answer", r.label(),
            summary(res));
      }
      return;
    }
    boolean ttlDriven = res.ttl().isPresent();
    Duration lifetime = res.ttl().map(t -> t.compareTo(MIN_TTL) < 0 ? MIN_TTL : t).orElse(refreshInterval);
    cache.put(r.label(), new Cached(res, lifetime, ttlDriven));
    Resolution previous = lastGood.put(r.label(), res);
    if (store.isPresent() && (previous == null || !previous.endpoints().equals(res.endpoints()))) {
      store.get().save(lastGood);
    }
  }

  private static String summary(Resolution res) {
    return res.problems().stream().filter(p -> p.kind().sourceDown())
        .map(p -> p.kind() + " " + p.subject()).collect(Collectors.joining(", "));
  }

  private Snapshot publish() {
    List<SourceState> states = new ArrayList<>();
    for (EndpointResolver r : resolvers) {
      Resolution attempt = lastAttempt.get(r.label());
      states.add(new SourceState(attempt, Optional.ofNullable(lastGood.get(r.label()))));
    }
    Snapshot snap = new Snapshot(states, clock.instant());
    if (snap.allSourcesFailed()) {
      boolean anyFallback = states.stream().anyMatch(SourceState::stale);
      LOG.error("Every discovery source failed; {}", anyFallback
          ? "using the last known good answers (" + snap.endpoints().size() + " endpoint(s))"
          : "no last known good answer, no endpoints");
    }
    Set<Endpoint> now = new LinkedHashSet<>(snap.endpoints());
    if (!now.equals(published)) {
      Set<Endpoint> added = new HashSet<>(now);
      added.removeAll(published);
      Set<Endpoint> removed = new HashSet<>(published);
      removed.removeAll(now);
      published = Set.copyOf(now);
      EndpointChange change = new EndpointChange(added, removed, snap);
      LOG.info("Discovery: {} endpoint(s) added, {} removed", added.size(), removed.size());
      for (DiscoveryListener l : listeners) {
        try {
          l.endpointsChanged(change);
        } catch (RuntimeException e) {
          LOG.warn("Discovery listener failed", e);
        }
      }
    }
    return snap;
  }

  /** Builder of {@link Discovery}; not thread-safe. */
  public static final class Builder {
    private final List<EndpointResolver> resolvers = new ArrayList<>();
    private final List<DiscoveryListener> listeners = new ArrayList<>();
    private Duration refreshInterval = DEFAULT_REFRESH;
    private Clock clock = Clock.systemUTC();
    private Path stateDirectory;
    /** Resolver label to the key its answer is stored under; a label not listed is its own key. */
    private Map<String, String> sourceKeys = Map.of();

    private Builder() {}

    /**
     * Adds resolvers (explicitly, bypassing configuration and {@link java.util.ServiceLoader}).
     *
     * @param resolvers the resolvers; labels must be unique
     * @return this builder
     * @throws IllegalArgumentException if a label repeats
     */
    public Builder resolvers(List<? extends EndpointResolver> resolvers) {
      for (EndpointResolver r : resolvers) {
        if (this.resolvers.stream().anyMatch(x -> x.label().equals(r.label()))) {
          throw new IllegalArgumentException("two resolvers labelled '" + r.label() + "'");
        }
        this.resolvers.add(r);
      }
      return this;
    }

    /**
     * Sets the periodic refresh period.
     *
     * @param interval positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder refreshInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("refresh interval must be positive");
      }
      this.refreshInterval = interval;
      return this;
    }

    /**
     * Sets the clock used for cache expiry and timestamps.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Keeps the last known good answer in this directory (created when needed) and reloads it at start.
     *
     * @param dir the state directory
     * @return this builder
     */
    /** Resolver label to the key its last known good answer is stored under (see {@link Resolvers#sourceKeys}). */
    Builder sourceKeys(Map<String, String> keys) {
      this.sourceKeys = Map.copyOf(keys);
      return this;
    }

    public Builder stateDirectory(Path dir) {
      this.stateDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Adds a listener.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(DiscoveryListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the discovery (not started; the first {@link Discovery#current()} resolves).
     *
     * @return the discovery
     * @throws IllegalStateException if no resolver was given
     */
    public Discovery build() {
      if (resolvers.isEmpty()) {
        throw new IllegalStateException("discovery needs at least one resolver");
      }
      return new Discovery(this);
    }
  }
}
