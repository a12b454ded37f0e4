package org.fedmsg.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.fedmsg.Bus;
import org.fedmsg.BusStats;
import org.fedmsg.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a heartbeat on a bus every interval: an ordinary message (signed when the bus signs)
 * on {@code <topic_prefix>.<environment>.<name>._heartbeat}, i.e. modname {@code name} and event
 * {@value #EVENT}, with the body
 * <pre>{@code {"name", "endpoint", "started", "published", "received", "rejected", "uptime_s",
 *  "interval_s", ...extra}}</pre>
 * where {@code started} is epoch seconds, {@code gaps_filled} and {@code lost} the critical bus's
 * counters ({@code lost_ranges}: the latest lost ranges, when there are any), {@code published} (before this heartbeat), {@code received} and
 * {@code rejected} are the bus's counters, and {@code extra} whatever the owner adds (a hub adds
 * its per-consumer counters under {@code "consumers"}). The first heartbeat leaves at once.
 *
 * <p>A publish that fails (policy refuses the topic, transport error) is logged and counted
 * ({@link #failures()}); the heartbeat keeps trying. Thread-safe; one daemon thread.
 */
public final class Heartbeat implements AutoCloseable {
  /** The event part of every heartbeat topic. */
  public static final String EVENT = "_heartbeat";
  /** The default interval (config {@code heartbeat_interval}). */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

  private final Bus bus;
  private final String name;
  private final Duration interval;
  private final Supplier<? extends JsonNode> extra;
  private final Clock clock;
  private final Instant started;
  private final ScheduledExecutorService timer;
  private final LongAdder sent = new LongAdder();
  private final LongAdder failures = new LongAdder();

  private Heartbeat(Bus bus, String name, Duration interval, Supplier<? extends JsonNode> extra, Clock clock) {
    this.bus = bus;
    this.name = name;
    this.interval = interval;
    this.extra = extra;
    this.clock = clock;
    this.started = clock.instant();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fedmsg-heartbeat-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts beating on {@code bus}.
   *
   * @param bus a bus with a publisher
   * @param name the service name: the topic's modname and the body's {@code name}; use the bus's
   *     {@code endpoints} key so that {@code fedmsg status} can match it
   * @param interval time between heartbeats, positive
   * @param extra more top-level body fields (an object node), called on the heartbeat thread
   *     before each heartbeat; its fields replace the defaults of the same name, except
   *     {@code name}; may return null
   * @throws IllegalArgumentException if {@code interval} is not positive or {@code name} is empty
   * @throws IllegalStateException if {@code bus} has no publisher
   */
  public static Heartbeat start(Bus bus, String name, Duration interval, Supplier<? extends JsonNode> extra) {
    return start(bus, name, interval, extra, Clock.systemUTC());
  }

  /** As {@link #start(Bus, String, Duration, Supplier)} with a clock for {@code started} and uptime. */
  public static Heartbeat start(Bus bus, String name, Duration interval, Supplier<? extends JsonNode> extra,
      Clock clock) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(extra, "extra");
    Objects.requireNonNull(clock, "clock");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("heartbeat name must not be empty");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("heartbeat interval must be positive, not " + interval);
    }
    if (bus.publisherEndpoint() == null) {
      throw new IllegalStateException("heartbeats need a bus that publishes (a name with endpoints, or active)");
    }
    Heartbeat heartbeat = new Heartbeat(bus, name, interval, extra, clock);
    heartbeat.timer.scheduleAtFixedRate(heartbeat::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return heartbeat;
  }

  /**
   * The configured interval, {@code heartbeat_interval} (default 10 s; zero means no heartbeat).
   *
   * @throws org.fedmsg.ConfigException if the value is not a duration
   */
  public static Duration configuredInterval(org.fedmsg.config.FedmsgConfig config) {
    java.util.Optional<JsonNode> v = config.get("heartbeat_interval");
    if (v.isEmpty()) {
      return DEFAULT_INTERVAL;
    }
    try {
      return org.fedmsg.discovery.Durations.parse(v.get());
    } catch (IllegalArgumentException e) {
      throw new org.fedmsg.ConfigException("key 'heartbeat_interval': " + e.getMessage());
    }
  }

  /** The heartbeat topic of service {@code name}: {@code Topic.build(prefix, env, name, "_heartbeat")}. */
  public static String topic(String topicPrefix, String environment, String name) {
    return Topic.build(topicPrefix, environment, name, EVENT);
  }

  /** Whether {@code topic} is a heartbeat (its last token is {@value #EVENT}). */
  public static boolean isHeartbeat(String topic) {
    return topic.endsWith("." + EVENT);
  }

  private void beat() {
    try {
      bus.publish(name, EVENT, body());
      sent.increment();
    } catch (RuntimeException e) {
      failures.increment();
      LOG.warn("heartbeat {} not published: {}", name, e.getMessage());
    }
  }

  /** Rejections per reason, e.g. {@code {"UNSIGNED": 2, "NOT_AUTHORIZED": 3}} (reasons never seen are absent). */
  public static ObjectNode byReason(BusStats stats) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    // in the order of Reason's constants (TreeMap over an enum key)
    new java.util.TreeMap<>(stats.rejectedByReason()).forEach((reason, n) -> out.put(reason.name(), n));
    return out;
  }

  /** The body of the next heartbeat. */
  ObjectNode body() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    Instant now = clock.instant();
    BusStats stats = bus.stats();
    body.put("name", name);
    body.put("endpoint", bus.publisherEndpoint());
    body.put("started", started.getEpochSecond());
    body.put("published", stats.published());
    body.put("received", stats.received());
    body.put("rejected", stats.rejected());
    body.set("rejected_by_reason", byReason(stats));
    body.put("peer_disconnects", stats.peerDisconnects());
    // connections whose ZMTP greeting stalled and were recovered by nudging the I/O threads
    body.put("handshake_nudges", stats.handshakeNudges());
    // critical bus: gaps filled by replay, and what could not be (fedmsg status warns about it)
    body.put("gaps_filled", stats.gapsFilled());
    body.put("lost", stats.lost());
    if (stats.lost() > 0) {
      com.fasterxml.jackson.databind.node.ArrayNode ranges = body.putArray("lost_ranges");
      for (org.fedmsg.reliable.LostRange r : bus.lostRanges()) {
        ranges.addObject().put("signer", r.signer()).put("fingerprint", r.fingerprint()).put("epoch", r.epoch())
            .put("from", r.range().from()).put("to", r.range().to()).put("reason", r.reason());
      }
    }
    body.put("uptime_s", Duration.between(started, now).toSeconds());
    body.put("interval_s", interval.toMillis() / 1000.0);
    JsonNode more = extra.get();
    if (more != null && more.isObject()) {
      // extra fields may correct the defaults (a relay's heartbeat travels through its own
      // inbound socket, but its endpoint is the outbound one); the name stays the topic's
      more.properties().forEach(e -> {
        if (!e.getKey().equals("name")) {
          body.set(e.getKey(), e.getValue());
        }
      });
    }
    return body;
  }

  /** The service name heartbeats are sent as. */
  public String name() {
    return name;
  }

  /** The interval between heartbeats. */
  public Duration interval() {
    return interval;
  }

  /** Heartbeats published so far. */
  public long sent() {
    return sent.sum();
  }

  /** Heartbeats that could not be published. */
  public long failures() {
    return failures.sum();
  }

  /** Stops the heartbeat (the bus stays open). Idempotent. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
