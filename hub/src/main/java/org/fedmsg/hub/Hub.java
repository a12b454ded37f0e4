package org.fedmsg.hub;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.BusStats;
import org.fedmsg.HandlerPositions;
import org.fedmsg.Subscription;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.status.Heartbeat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Consumer}s on one {@link Bus}, the counterpart of {@code fedmsg-hub}.
 *
 * <pre>{@code
 * try (Hub hub = Hub.builder().config(ConfigLoader.builder().build().load()).start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>The hub opens one bus. With validation on (the default), the bus checks every message's
 * signature, certificate and topic policy before any consumer sees it; rejected messages are
 * counted in {@link #busStats()}. Each consumer gets its own worker thread and a bounded queue
 * ({@code hub.queue_size}, default 10,000): the bus's receiving thread only enqueues, so a slow
 * consumer delays nobody; when its queue is full a message is dropped <em>for that consumer
 * only</em>, counted ({@link ConsumerStats#dropped()}) and logged at most once per 10 s.
 *
 * <p>When the bus publishes (the configuration names the hub's service) and
 * {@code heartbeat_interval} is not zero, the hub sends {@link Heartbeat}s carrying its
 * per-consumer counters under {@code "consumers"}.
 *
 * <p>With {@code durable_name} (and {@code state_dir}), each consumer keeps its own position per
 * publisher, saved after its {@code consume} returns; the bus resumes from the slowest consumer's
 * and each consumer skips what it had handled ({@link HandlerPositions}, {@code docs/hub.md}).
 *
 * <p>Thread-safe. {@link #close()} stops intake, drains every queue within the drain timeout,
 * calls {@link Consumer#stop()}, then closes the bus.
 */
public final class Hub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hub.class);

  private final Bus bus;
  private final List<ConsumerRunner> runners;
  private final List<Subscription> subscriptions;
  private final Map<String, String> notStarted;
  private final Duration drainTimeout;
  private final List<HandlerPositions> positions;
  private volatile Heartbeat heartbeat;
  private final Object closeLock = new Object();
  private boolean closed;

  private Hub(Bus bus, List<ConsumerRunner> runners, List<Subscription> subscriptions, Map<String, String> notStarted,
      Duration drainTimeout, List<HandlerPositions> positions) {
    this.bus = bus;
    this.positions = positions;
    this.runners = runners;
    this.subscriptions = subscriptions;
    this.notStarted = notStarted;
    this.drainTimeout = drainTimeout;
  }

  /** A builder; consumers are found via {@link java.util.ServiceLoader} unless {@link Builder#discover(boolean)} says not to. */
  public static Builder builder() {
    return new Builder();
  }

  /** The hub's bus (to publish, or read its counters). Do not close it: close the hub. */
  public Bus bus() {
    return bus;
  }

  /** The names of the running consumers, in start order. */
  public List<String> consumers() {
    return runners.stream().map(ConsumerRunner::name).toList();
  }

  /** Consumers found but not running, by name, with the reason (config key false, start() threw). */
  public Map<String, String> notStarted() {
    return notStarted;
  }

  /** Every running consumer's counters, in start order. */
  public List<ConsumerStats> stats() {
    return runners.stream().map(ConsumerRunner::stats).toList();
  }

  /**
   * One consumer's counters.
   *
   * @throws IllegalArgumentException if no running consumer has that name
   */
  public ConsumerStats stats(String consumerName) {
    return runners.stream().filter(r -> r.name().equals(consumerName)).findFirst()
        .map(ConsumerRunner::stats)
        .orElseThrow(() -> new IllegalArgumentException("no running consumer named " + consumerName));
  }

  /** The bus's counters (received, delivered, rejected by reason). */
  public BusStats busStats() {
    return bus.stats();
  }

  /** The heartbeat, if this hub sends one. */
  public java.util.Optional<Heartbeat> heartbeat() {
    return java.util.Optional.ofNullable(heartbeat);
  }

  /**
   * Waits until every consumer's subscriptions are in force at every connected publisher (see
   * {@link Subscription#awaitReady}).
   *
   * @return true when all confirmed within {@code timeout} in total
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Subscription s : subscriptions) {
      if (!s.awaitReady(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        return false;
      }
    }
    return true;
  }

  /** The counters as a heartbeat's {@code "consumers"} field. */
  ObjectNode heartbeatExtra() {
    ObjectNode extra = JsonNodeFactory.instance.objectNode();
    extra.put("kind", "hub");
    ObjectNode consumers = extra.putObject("consumers");
    for (ConsumerStats s : stats()) {
      ObjectNode c = consumers.putObject(s.name());
      c.put("received", s.received());
      c.put("consumed", s.consumed());
      c.put("failed", s.failed());
      c.put("dropped", s.dropped());
      c.put("backlog", s.backlog());
    }
    return extra;
  }

  /**
   * Stops the hub: no more intake, every queue drained within the drain timeout (what is left is
   * counted as dropped and logged), {@link Consumer#stop()} called, the bus closed. Idempotent.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Heartbeat beat = heartbeat;
    if (beat != null) {
      beat.close();
    }
    subscriptions.forEach(Subscription::close);
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    boolean interrupted = false;
    for (ConsumerRunner runner : runners) {
      try {
        if (!runner.stop(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())))) {
          LOG.warn("consumer {} did not drain its queue within {} ms", runner.name(), drainTimeout.toMillis());
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    bus.close();
    positions.forEach(HandlerPositions::close);
    for (ConsumerStats s : stats()) {
      LOG.info("consumer {} stopped: received={} consumed={} failed={} dropped={}", s.name(), s.received(),
          s.consumed(), s.failed(), s.dropped());
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Builds and starts a {@link Hub}. Not thread-safe; use once. */
  public static final class Builder {
    private FedmsgConfig config;
    private BusOptions busOptions;
    private final List<Consumer> instances = new ArrayList<>();
    private final List<String> classNames = new ArrayList<>();
    private final Set<String> enabledKeys = new HashSet<>();
    private boolean discover = true;
    private ClassLoader classLoader;
    private Integer queueSize;
    private Duration heartbeatInterval;
    private Duration drainTimeout;

    private Builder() {}

    /**
     * The configuration: consumer config keys, {@code hub.consumers}, {@code hub.queue_size},
     * {@code hub.drain_timeout}, {@code heartbeat_interval}, and (unless {@link #busOptions} is
     * given) the bus.
     */
    public Builder config(FedmsgConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** The bus to open, instead of one built from the configuration. */
    public Builder busOptions(BusOptions options) {
      this.busOptions = Objects.requireNonNull(options, "options");
      return this;
    }

    /** Adds a consumer instance (still subject to its config key). */
    public Builder consumer(Consumer consumer) {
      instances.add(Objects.requireNonNull(consumer, "consumer"));
      return this;
    }

    /** Adds consumers by fully qualified class name ({@code --with-consumers}); each needs a public no-argument constructor. */
    public Builder consumerClasses(List<String> classNames) {
      classNames.forEach(n -> HubSettings.splitInto(Objects.requireNonNull(n, "class name"), this.classNames));
      return this;
    }

    /** Whether to run every consumer registered with {@link java.util.ServiceLoader} (default true). */
    public Builder discover(boolean discover) {
      this.discover = discover;
      return this;
    }

    /** Where consumer classes and registrations are looked up (default: the thread's context class loader). */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
      return this;
    }

    /** Treats {@code configKey} as true whatever the configuration says, as the reference's commands do for their own consumers. */
    public Builder enable(String configKey) {
      if (configKey == null || configKey.isBlank()) {
        throw new IllegalArgumentException("config key must not be empty");
      }
      enabledKeys.add(configKey);
      return this;
    }

    /**
     * Each consumer's queue capacity (default {@code hub.queue_size}, else 10,000).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder queueSize(int queueSize) {
      if (queueSize < 1) {
        throw new IllegalArgumentException("queue size must be positive, not " + queueSize);
      }
      this.queueSize = queueSize;
      return this;
    }

    /**
     * The heartbeat interval (default {@code heartbeat_interval}, else 10 s); zero disables.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder heartbeatInterval(Duration interval) {
      if (interval.isNegative()) {
        throw new IllegalArgumentException("heartbeat interval must not be negative");
      }
      this.heartbeatInterval = interval;
      return this;
    }

    /**
     * How long {@link Hub#close()} lets consumers work through their queues (default
     * {@code hub.drain_timeout}, else 5 s).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder drainTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drain timeout must not be negative");
      }
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Finds the consumers, opens the bus, starts every consumer whose config key is truthy,
     * subscribes them and starts the heartbeat.
     *
     * @throws IllegalArgumentException if a named consumer class cannot be used, or two
     *     consumers share a name
     * @throws org.fedmsg.ConfigException if the configuration is unusable
     * @throws org.fedmsg.TransportException if the bus cannot bind or connect
     */
    public Hub start() {
      FedmsgConfig cfg = config != null ? config : FedmsgConfig.of(JsonNodeFactory.instance.objectNode());
      ClassLoader loader = classLoader != null ? classLoader : Thread.currentThread().getContextClassLoader();
      List<Consumer> candidates = candidates(cfg, loader);
      int capacity = queueSize != null ? queueSize : HubSettings.queueSize(cfg);
      Duration drain = drainTimeout != null ? drainTimeout : HubSettings.drainTimeout(cfg);
      Duration beat = heartbeatInterval != null ? heartbeatInterval : HubSettings.heartbeatInterval(cfg);
      BusOptions options = busOptions != null ? busOptions : BusOptions.builder().apply(cfg).build();
      Map<String, HandlerPositions> positions = openPositions(candidates, cfg, options);
      Bus bus;
      try {
        // the bus resumes from the slowest consumer; each consumer skips what it had handled
        int resumed = HandlerPositions.resumeFromSlowest(options, List.copyOf(positions.values()));
        if (resumed > 0) {
          LOG.info("hub resumes {} publisher position(s) from its slowest consumer", resumed);
        }
        bus = Bus.create(options);
      } catch (RuntimeException e) {
        positions.values().forEach(HandlerPositions::close);
        throw e;
      }
      List<ConsumerRunner> runners = new ArrayList<>();
      List<Subscription> subscriptions = new ArrayList<>();
      Map<String, String> notStarted = new LinkedHashMap<>();
      HubContext context = new HubContext(bus, cfg, options.topicPrefix(), options.environment());
      try {
        for (Consumer consumer : candidates) {
          ConsumerRunner runner = startOne(consumer, cfg, context, capacity, notStarted,
              positions.get(consumer.name()));
          if (runner == null) {
            continue;
          }
          runners.add(runner);
          runner.start();
          for (String prefix : runner.topics()) {
            subscriptions.add(bus.subscribe(prefix, runner::offer));
          }
        }
      } catch (RuntimeException e) {
        subscriptions.forEach(Subscription::close);
        bus.close();
        positions.values().forEach(HandlerPositions::close);
        throw e;
      }
      if (runners.isEmpty()) {
        LOG.warn("no consumer is running: {}", notStarted.isEmpty() ? "none found" : notStarted);
      }
      Hub hub = new Hub(bus, List.copyOf(runners), List.copyOf(subscriptions),
          Collections.unmodifiableMap(notStarted), drain, List.copyOf(positions.values()));
      if (!beat.isZero() && bus.publisherEndpoint() != null) {
        String name = options.name() != null ? options.name() : "hub";
        try {
          hub.heartbeat = Heartbeat.start(bus, name, beat, hub::heartbeatExtra);
        } catch (RuntimeException e) {
          hub.close();
          throw e;
        }
      } else if (!beat.isZero()) {
        LOG.info("no heartbeat: the hub does not publish (give it a name with endpoints)");
      }
      return hub;
    }

    private List<Consumer> candidates(FedmsgConfig cfg, ClassLoader loader) {
      List<Consumer> all = new ArrayList<>(instances);
      List<String> names = new ArrayList<>(classNames);
      names.addAll(HubSettings.consumerClasses(cfg));
      Set<String> classesSeen = new HashSet<>();
      for (Consumer c : all) {
        classesSeen.add(c.getClass().getName());
      }
      for (String name : names) {
        if (classesSeen.add(name)) {
          all.add(ConsumerLoader.instantiate(name, loader));
        }
      }
      if (discover) {
        for (Consumer c : ConsumerLoader.discover(loader)) {
          if (classesSeen.add(c.getClass().getName())) {
            all.add(c);
          }
        }
      }
      Set<String> consumerNames = new HashSet<>();
      for (Consumer c : all) {
        if (!consumerNames.add(c.name())) {
          throw new IllegalArgumentException("two consumers are named '" + c.name() + "'; override Consumer.name()");
        }
      }
      return all;
    }

    /**
     * With a durable name: the positions of every enabled consumer, opened before the bus so that
     * the bus resumes from the slowest (a consumer whose start() then fails still counts: its
     * messages are fetched again, not lost).
     */
    private Map<String, HandlerPositions> openPositions(List<Consumer> candidates, FedmsgConfig cfg,
        BusOptions options) {
      Map<String, HandlerPositions> opened = new LinkedHashMap<>();
      try {
        for (Consumer c : candidates) {
          if (enabled(c, cfg)) {
            HandlerPositions.open(options, c.name()).ifPresent(p -> opened.put(c.name(), p));
          }
        }
      } catch (RuntimeException e) {
        opened.values().forEach(HandlerPositions::close);
        throw e;
      }
      return opened;
    }

    private boolean enabled(Consumer consumer, FedmsgConfig cfg) {
      String key = consumer.configKey();
      return key != null && !key.isBlank()
          && (enabledKeys.contains(key) || ConfigTruth.truthy(ConfigTruth.lookup(cfg, key)));
    }

    private ConsumerRunner startOne(Consumer consumer, FedmsgConfig cfg, HubContext context, int capacity,
        Map<String, String> notStarted, HandlerPositions positions) {
      String name = consumer.name();
      String key = consumer.configKey();
      if (key == null || key.isBlank()) {
        notStarted.put(name, "no config key");
        LOG.error("consumer {} has no config key; not started", name);
        return null;
      }
      if (!enabledKeys.contains(key) && !ConfigTruth.truthy(ConfigTruth.lookup(cfg, key))) {
        notStarted.put(name, "config key '" + key + "' is not true");
        LOG.info("consumer {} disabled: config key '{}' is not true", name, key);
        return null;
      }
      try {
        consumer.start(context);
      } catch (Exception | LinkageError e) {
        notStarted.put(name, "start() failed: " + e);
        LOG.error("consumer {} failed to start: {}", name, e.toString(), e);
        return null;
      }
      List<String> topics;
      try {
        topics = prefixes(consumer.topics());
      } catch (RuntimeException e) {
        notStarted.put(name, "bad topics: " + e.getMessage());
        LOG.error("consumer {} has unusable topics: {}", name, e.toString());
        consumer.stop();
        return null;
      }
      int own = consumer.queueSize();
      int size = own > 0 ? own : capacity;
      LOG.info("consumer {} started on {} (queue {})", name, topics, size);
      return new ConsumerRunner(consumer, topics, size, positions);
    }
  }

  /**
   * The reference's topic handling: every {@code *} removed, then prefix match. Prefixes covered
   * by a shorter one are dropped so that no message is delivered twice to one consumer.
   */
  static List<String> prefixes(List<String> topics) {
    if (topics == null || topics.isEmpty()) {
      throw new IllegalArgumentException("a consumer needs at least one topic");
    }
    List<String> stripped = new ArrayList<>();
    for (String t : topics) {
      stripped.add(Objects.requireNonNull(t, "topic").replace("*", ""));
    }
    stripped.sort(null);
    List<String> kept = new ArrayList<>();
    for (String p : stripped) {
      if (kept.stream().noneMatch(p::startsWith)) {
        kept.add(p);
      }
    }
    return kept;
  }
}
