package org.fedmsg.bridge;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Registers a bridge direction's counters ({@link BridgeStats}) as meters tagged
 * {@code direction=to_amqp|from_amqp}. Names (as scraped):
 * <ul>
 *   <li>{@code fedmsg_bridge_forwarded_total}, {@code fedmsg_bridge_loops_skipped_total},
 *       {@code fedmsg_bridge_duplicates_total}, {@code fedmsg_bridge_retries_total},
 *       {@code fedmsg_bridge_connects_total}
 *   <li>{@code fedmsg_bridge_dropped_total{reason=buffer_full|spool_full|spool_error|unmappable|shutdown}}
 *   <li>{@code fedmsg_bridge_dead_lettered_total{reason=policy|size|malformed}}
 *   <li>gauges {@code fedmsg_bridge_buffered}, {@code fedmsg_bridge_spooled}, {@code fedmsg_bridge_connected}
 * </ul>
 */
public final class BridgeMeters {
  /** Every reason a message can be dropped for. */
  public static final List<String> DROP_REASONS =
      List.of("buffer_full", "spool_full", "spool_error", "unmappable", "shutdown");
  /** Every reason the bus can refuse an AMQP message for (the dead-letter header's values). */
  public static final List<String> REFUSAL_REASONS = List.of("policy", "size", "malformed");

  /** Micrometer holds a function counter's state weakly: the suppliers live as long as their registry. */
  private static final Map<MeterRegistry, List<Supplier<BridgeStats>>> SOURCES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private BridgeMeters() {}

  /**
   * Registers the meters of one direction; {@code stats} is kept for as long as the registry lives.
   */
  public static void bind(MeterRegistry registry, String direction, Supplier<BridgeStats> stats) {
    Objects.requireNonNull(stats, "stats");
    SOURCES.computeIfAbsent(registry, r -> new CopyOnWriteArrayList<>()).add(stats);
    Tags tags = Tags.of("direction", direction);
    counter(registry, "fedmsg.bridge.forwarded", "messages carried across", tags, stats, BridgeStats::forwarded);
    counter(registry, "fedmsg.bridge.loops.skipped", "messages not carried back to where a bridge brought them from",
        tags, stats, BridgeStats::loopsSkipped);
    counter(registry, "fedmsg.bridge.duplicates", "messages not carried because their msg_id was seen", tags, stats,
        BridgeStats::duplicates);
    counter(registry, "fedmsg.bridge.retries", "attempts repeated after the other side failed", tags, stats,
        BridgeStats::retries);
    counter(registry, "fedmsg.bridge.connects", "connections opened to the broker", tags, stats,
        BridgeStats::connects);
    for (String reason : DROP_REASONS) {
      counter(registry, "fedmsg.bridge.dropped", "messages lost, by reason", tags.and("reason", reason), stats,
          s -> s.dropped().getOrDefault(reason, 0L));
    }
    for (String reason : REFUSAL_REASONS) {
      counter(registry, "fedmsg.bridge.dead.lettered", "AMQP messages the bus refused, by reason",
          tags.and("reason", reason), stats, s -> s.deadLettered().getOrDefault(reason, 0L));
    }
    gauge(registry, "fedmsg.bridge.buffered", "messages waiting in memory for the broker", tags, stats,
        BridgeStats::buffered);
    gauge(registry, "fedmsg.bridge.spooled", "critical messages waiting on disk for the broker", tags, stats,
        BridgeStats::spooled);
    gauge(registry, "fedmsg.bridge.connected", "1 while connected to the broker", tags, stats,
        s -> s.connected() ? 1 : 0);
  }

  private static void counter(MeterRegistry registry, String name, String help, Tags tags,
      Supplier<BridgeStats> stats, ToDoubleFunction<BridgeStats> value) {
    FunctionCounter.builder(name, stats, s -> value.applyAsDouble(s.get())).description(help).tags(tags)
        .register(registry);
  }

  private static void gauge(MeterRegistry registry, String name, String help, Tags tags,
      Supplier<BridgeStats> stats, ToDoubleFunction<BridgeStats> value) {
    Gauge.builder(name, stats, s -> value.applyAsDouble(s.get())).description(help).tags(tags)
        .strongReference(true).register(registry);
  }
}
