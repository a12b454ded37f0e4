package org.fedmsg.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fedmsg.Relay;
import org.fedmsg.discovery.directory.DirectoryServer;
import org.fedmsg.hub.ConsumerStats;
import org.fedmsg.hub.Hub;

/**
 * The meters of the long-running components beyond their bus's ({@link BusMeters}): read from
 * the components' own counters at scrape time.
 */
public final class ComponentMeters {
  /** Function meters hold their state weakly: the components are kept here while the registry lives. */
  private static final Map<MeterRegistry, List<Object>> KEEP = Collections.synchronizedMap(new WeakHashMap<>());

  private ComponentMeters() {}

  /**
   * A relay: {@code fedmsg_relay_forwarded_total}, {@code fedmsg_relay_outbox_kept_total}, its
   * replay endpoint's meters ({@link ReplayMeters}) and its bus counters.
   */
  public static void bindRelay(MeterRegistry registry, Relay relay) {
    keep(registry, relay);
    BusMeters.bind(registry, "relay", relay::stats);
    FunctionCounter.builder("fedmsg.relay.forwarded", relay, Relay::forwarded)
        .description("messages forwarded verbatim to relay_outbound").register(registry);
    FunctionCounter.builder("fedmsg.relay.outbox.kept", relay, Relay::outboxKept)
        .description("critical messages kept in the outboxes per upstream signer").register(registry);
    java.util.function.Supplier<org.fedmsg.reliable.ReplayStats> replay = relay::replayStats;
    keep(registry, replay);
    ReplayMeters.bind(registry, "relay", replay);
  }

  /**
   * A hub: per consumer {@code fedmsg_hub_consumer_{received,consumed,failed,dropped}_total},
   * {@code fedmsg_hub_consumer_backlog} and {@code fedmsg_hub_consumer_queue_capacity}, and its bus.
   */
  public static void bindHub(MeterRegistry registry, Hub hub) {
    keep(registry, hub);
    BusMeters.bind(registry, "hub", hub::busStats);
    for (String name : hub.consumers()) {
      consumerCounter(registry, hub, name, "received", "messages queued for the consumer", ConsumerStats::received);
      consumerCounter(registry, hub, name, "consumed", "messages the consumer handled", ConsumerStats::consumed);
      consumerCounter(registry, hub, name, "failed", "messages the consumer threw on", ConsumerStats::failed);
      consumerCounter(registry, hub, name, "dropped", "messages dropped: queue full or left at shutdown",
          ConsumerStats::dropped);
      Gauge.builder("fedmsg.hub.consumer.backlog", hub, h -> h.stats(name).backlog())
          .description("messages waiting in the consumer's queue").tag("consumer", name).register(registry);
      Gauge.builder("fedmsg.hub.consumer.queue.capacity", hub, h -> h.stats(name).queueCapacity())
          .description("capacity of the consumer's queue").tag("consumer", name).register(registry);
    }
  }

  private static void consumerCounter(MeterRegistry registry, Hub hub, String name, String what, String help,
      java.util.function.ToLongFunction<ConsumerStats> value) {
    FunctionCounter.builder("fedmsg.hub.consumer." + what, hub, h -> value.applyAsLong(h.stats(name)))
        .description(help).tag("consumer", name).register(registry);
  }

  /**
   * A directory replica: {@code fedmsg_directory_registrations}, {@code
   * fedmsg_directory_rejections_total{reason}} (registrations refused by verification),
   * {@code fedmsg_directory_refusals_total{reason}} (quota and request refusals) and
   * {@code fedmsg_curve_refusals_total{component="directory"}}.
   */
  public static void bindDirectory(MeterRegistry registry, DirectoryServer server) {
    keep(registry, server);
    Gauge.builder("fedmsg.directory.registrations", server, s -> s.registrations().size())
        .description("registrations held").register(registry);
    FunctionCounter.builder("fedmsg.curve.refusals", server, DirectoryServer::curveRefusals)
        .description("CURVE clients refused by the ZAP handler").tag("component", "directory").register(registry);
    for (var reason : org.fedmsg.crypto.VerificationResult.Reason.values()) {
      FunctionCounter.builder("fedmsg.directory.rejections", server, s -> s.rejections().getOrDefault(reason, 0L))
          .description("registrations refused by verification, by reason").tag("reason", reason.name())
          .register(registry);
    }
    for (var refusal : DirectoryServer.Refusal.values()) {
      FunctionCounter.builder("fedmsg.directory.refusals", server, s -> s.refusals().getOrDefault(refusal, 0L))
          .description("requests refused by quota or form, by reason").tag("reason", refusal.name())
          .register(registry);
    }
  }

  private static void keep(MeterRegistry registry, Object component) {
    KEEP.computeIfAbsent(registry, r -> new CopyOnWriteArrayList<>()).add(component);
  }
}
