package org.fedmsg.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.fedmsg.Bus;
import org.fedmsg.Message;
import org.fedmsg.Subscription;
import org.fedmsg.Topic;

/**
 * Listens on a bus for heartbeats ({@link Heartbeat}) and reports which publishers are alive and
 * which configured services are silent. The bus's own checks apply: with validation on, a forged
 * or unauthorised heartbeat never counts.
 *
 * <p>Thread-safe: heartbeats are recorded on the bus's receiving thread, reports may be taken from
 * any thread.
 */
public final class StatusCollector implements AutoCloseable {
  private final Clock clock;
  private final String topicPrefix;
  private final Subscription subscription;
  private final Map<String, PublisherStatus> seen = new LinkedHashMap<>();

  private StatusCollector(Bus bus, String topicPrefix, String environment, Clock clock) {
    this.clock = clock;
    this.topicPrefix = topicPrefix;
    // Every heartbeat of the deployment starts with <prefix>.<env>.; the event filter is ours.
    this.subscription = bus.subscribe(topicPrefix + "." + environment + ".", this::onMessage);
  }

  /**
   * Subscribes {@code bus} to heartbeats of {@code <topicPrefix>.<environment>.*}.
   *
   * @throws IllegalArgumentException if the prefix or environment is empty
   */
  public static StatusCollector start(Bus bus, String topicPrefix, String environment) {
    return start(bus, topicPrefix, environment, Clock.systemUTC());
  }

  /** As {@link #start(Bus, String, String)} with the clock that stamps arrival times. */
  public static StatusCollector start(Bus bus, String topicPrefix, String environment, Clock clock) {
    Objects.requireNonNull(bus, "bus");
    if (topicPrefix == null || topicPrefix.isEmpty() || environment == null || environment.isEmpty()) {
      throw new IllegalArgumentException("topic prefix and environment must not be empty");
    }
    return new StatusCollector(bus, topicPrefix, environment, Objects.requireNonNull(clock, "clock"));
  }

  /** Waits until the subscription is in force at every connected publisher (see {@link Subscription#awaitReady}). */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return subscription.awaitReady(timeout);
  }

  private void onMessage(Message message) {
    if (!Heartbeat.isHeartbeat(message.topic())) {
      return;
    }
    JsonNode msg = message.msg();
    ObjectNode body = msg.isObject() ? (ObjectNode) msg : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    String name = msg.path("name").isTextual() ? msg.get("name").textValue()
        : Topic.service(topicPrefix, message.topic());
    String endpoint = msg.path("endpoint").isTextual() ? msg.get("endpoint").textValue() : "";
    Instant now = clock.instant();
    synchronized (seen) {
      PublisherStatus previous = seen.get(name);
      long count = previous == null ? 1 : previous.heartbeats() + 1;
      seen.put(name, new PublisherStatus(name, message.signer().orElse(null), endpoint, message.topic(), now,
          count, body));
      seen.notifyAll();
    }
  }

  /** The publishers heard from so far, by name, in order of first heartbeat. */
  public List<PublisherStatus> alive() {
    synchronized (seen) {
      return List.copyOf(seen.values());
    }
  }

  /**
   * Waits until every service in {@code configured} has sent a heartbeat, or {@code timeout}.
   *
   * @return true when none is silent
   */
  public boolean awaitAll(Map<String, List<String>> configured, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (seen) {
      while (!silent(configured).isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        seen.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  /**
   * The report as of now: every publisher heard from, and the services of {@code configured}
   * (service name to URLs, as {@code endpoints}; {@code relay_inbound} is ignored, nobody
   * publishes there) that sent nothing. A service counts as heard from when a heartbeat named it
   * or came from one of its URLs.
   */
  public StatusReport report(Map<String, List<String>> configured) {
    synchronized (seen) {
      List<PublisherStatus> alive = new ArrayList<>(seen.values());
      alive.sort(Comparator.comparing(PublisherStatus::name));
      return new StatusReport(clock.instant(), alive, silent(configured));
    }
  }

  private List<String> silent(Map<String, List<String>> configured) {
    List<String> silent = new ArrayList<>();
    configured.forEach((service, urls) -> {
      if (service.equals("relay_inbound")) {
        return;
      }
      boolean heard = seen.containsKey(service)
          || seen.values().stream().anyMatch(p -> !p.endpoint().isEmpty() && urls.contains(p.endpoint()));
      if (!heard) {
        silent.add(service);
      }
    });
    return silent;
  }

  /** Stops listening (the bus stays open). */
  @Override
  public void close() {
    subscription.close();
  }
}
