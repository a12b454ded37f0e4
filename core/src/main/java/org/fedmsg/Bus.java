package org.fedmsg;

import java.util.List;
import java.util.Set;

/**
 * A connection to the fedmsg bus: publish with one call, subscribe with a handler.
 *
 * <pre>{@code
 * try (Bus bus = Bus.create(BusOptions.builder().name("pkgdb").endpoint("pkgdb", List.of("tcp://127.0.0.1:3000")).build())) {
 *   bus.publish("package.update", Map.of("package", "kernel"));
 * }
 * }</pre>
 *
 * <p>Thread-safe: any thread may publish and subscribe. Handlers run one message at a time in
 * arrival order on the bus's receiving side (see {@link MessageHandler}).
 */
public interface Bus extends AutoCloseable {

  /** Opens a bus: binds (or connects) its publisher, if it has a name, at once. */
  static Bus create(BusOptions options) {
    return new FedmsgBus(options);
  }

  /**
   * Publishes {@code msg} on {@code <topic_prefix>.<environment>.<modname>.<topic>}, the modname
   * guessed from the caller's package (see {@link ModnameRule}).
   *
   * @param msg a POJO, record, map or Jackson tree, serialised with Jackson; a falsy value
   *     ({@code null}, empty, zero, false) becomes {@code {}} as in the reference
   * @return the message as sent
   * @throws IllegalStateException if this bus has no publisher
   * @throws TransportException if ZeroMQ refused the message
   */
  Message publish(String topic, Object msg);

  /** As {@link #publish(String, Object)} with an explicit modname. */
  Message publish(String modname, String topic, Object msg);

  /**
   * Publishes a message that comes from another system (a bridge), keeping its identity: the topic
   * is used as given, {@code msgId} becomes the {@code msg_id}, and {@code extraFields} are added as
   * top-level envelope fields (e.g. {@code headers}). Signed, checked against the publish policy and
   * sent like {@link #publish(String, Object)}.
   *
   * @param fullTopic a full topic starting with {@code <topic_prefix>.}
   * @throws IllegalArgumentException if the topic lacks the prefix or an extra field names an
   *     envelope field the bus writes itself ({@code topic}, {@code msg_id}, {@code signature}, ...)
   * @throws IllegalStateException if this bus has no publisher
   * @throws TransportException if ZeroMQ refused the message
   */
  Message publishForwarded(String fullTopic, Object msg, String msgId,
      java.util.Map<String, ? extends com.fasterxml.jackson.databind.JsonNode> extraFields);

  /**
   * Delivers every accepted message whose topic starts with {@code topicPrefix} ({@code ""}:
   * all) to {@code handler}, connecting to every configured endpoint on first use.
   */
  Subscription subscribe(String topicPrefix, MessageHandler handler);

  /** The endpoint the publisher bound or connected, or null when this bus does not publish. */
  String publisherEndpoint();

  /**
   * The replay endpoint this bus serves its durable outbox on ({@code replay_endpoints[<name>]},
   * see {@code docs/reliability.md}), with the port actually bound; empty when it serves none.
   */
  default java.util.Optional<String> replayEndpoint() {
    return java.util.Optional.empty();
  }

  /** The counters of this bus's replay endpoint ({@link org.fedmsg.reliable.ReplayStats#NONE} without one). */
  default org.fedmsg.reliable.ReplayStats replayStats() {
    return org.fedmsg.reliable.ReplayStats.NONE;
  }

  /**
   * The replay endpoints of the publishers the subscriber is connected to, as discovery announces
   * them (file {@code replay_endpoints}, DNS SRV {@code _fedmsg-replay._tcp}, directory
   * registrations; service names end with {@link org.fedmsg.discovery.Endpoint#REPLAY_SUFFIX}):
   * where to ask for messages missed from them. Empty before the first subscription.
   */
  default List<org.fedmsg.discovery.Endpoint> replayEndpoints() {
    return List.of();
  }

  /** The endpoints the subscriber is connected to. */
  Set<String> connectedEndpoints();

  /** A snapshot of the counters. */
  BusStats stats();

  /**
   * Critical bus: the latest ranges of missed messages that could not be fetched (at most 20,
   * oldest first), as {@link BusListener#onLoss} reported them; {@link BusStats#lost()} counts them
   * all. Heartbeats carry them, and {@code fedmsg status} shows them as a warning.
   */
  default java.util.List<org.fedmsg.reliable.LostRange> lostRanges() {
    return java.util.List.of();
  }

  /** Closes every socket; pending messages get the configured linger time. Idempotent. */
  @Override
  void close();
}
