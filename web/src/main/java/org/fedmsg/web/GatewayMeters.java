package org.fedmsg.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's own meters (the bus's are bound by {@code BusMeters} with component
 * {@code gateway}):
 * <ul>
 *   <li>{@code fedmsg_gateway_clients{transport}}: connected clients
 *   <li>{@code fedmsg_gateway_queue_depth}: messages waiting in all clients' queues
 *   <li>{@code fedmsg_gateway_messages_sent_total}: messages queued to clients
 *   <li>{@code fedmsg_gateway_messages_restricted_total}: messages not served (gateway.topics)
 *   <li>{@code fedmsg_gateway_clients_dropped_total{reason}}: clients disconnected by the gateway
 *   <li>{@code fedmsg_gateway_messages_dropped_total}: queued messages discarded with them
 *   <li>{@code fedmsg_gateway_connections_refused_total{reason}}: origin, capacity, subscription
 * </ul>
 */
final class GatewayMeters {
  private final MeterRegistry registry;
  private final Counter sent;
  private final Counter restricted;
  private final Counter messagesDropped;
  private final AtomicLong droppedTotal = new AtomicLong();
  private final Map<String, Counter> drops = new ConcurrentHashMap<>();
  private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

  GatewayMeters(MeterRegistry registry, Map<String, Client> clients) {
    this.registry = registry;
    for (String transport : new String[] {"websocket", "sse"}) {
      Gauge.builder("fedmsg.gateway.clients", clients,
              c -> c.values().stream().filter(x -> x.transport().equals(transport)).count())
          .description("connected clients").tag("transport", transport).register(registry);
    }
    Gauge.builder("fedmsg.gateway.queue.depth", clients,
            c -> c.values().stream().mapToInt(x -> x.queue.size()).sum())
        .description("messages waiting in all clients' queues").register(registry);
    sent = Counter.builder("fedmsg.gateway.messages.sent").description("messages queued to clients")
        .register(registry);
    restricted = Counter.builder("fedmsg.gateway.messages.restricted")
        .description("verified messages this gateway does not serve (gateway.topics)").register(registry);
    messagesDropped = Counter.builder("fedmsg.gateway.messages.dropped")
        .description("queued messages discarded when their client was dropped").register(registry);
    for (String reason : new String[] {Client.SLOW, "send-failed"}) {
      drop(reason);
    }
    for (String reason : new String[] {"origin", "capacity", "subscription"}) {
      refusal(reason);
    }
  }

  private Counter drop(String reason) {
    return drops.computeIfAbsent(reason, r -> Counter.builder("fedmsg.gateway.clients.dropped")
        .description("clients disconnected by the gateway, by reason").tag("reason", r).register(registry));
  }

  private Counter refusal(String reason) {
    return refusals.computeIfAbsent(reason, r -> Counter.builder("fedmsg.gateway.connections.refused")
        .description("connections or subscriptions refused, by reason").tag("reason", r).register(registry));
  }

  void sent() {
    sent.increment();
  }

  void restricted() {
    restricted.increment();
  }

  void refused(String reason) {
    refusal(reason).increment();
  }

  void dropped(Client client, String reason, int discarded) {
    drop(reason).increment();
    messagesDropped.increment(discarded);
    droppedTotal.incrementAndGet();
    org.slf4j.LoggerFactory.getLogger(Gateway.class).warn("dropped client {} ({}): {} queued messages discarded",
        client.id, reason, discarded);
  }

  long droppedTotal() {
    return droppedTotal.get();
  }
}
