package org.fedmsg.hub;

import java.util.List;
import java.util.Objects;

/**
 * One consumer's counters, a snapshot. {@code received = consumed + failed + dropped + backlog}
 * (plus any message being handled right now).
 *
 * @param name the consumer's {@link Consumer#name()}
 * @param topics the topic prefixes it is subscribed to
 * @param received messages the bus handed to this consumer
 * @param consumed messages {@link Consumer#consume} returned from normally
 * @param failed messages {@link Consumer#consume} threw on
 * @param dropped messages not queued because the queue was full (or still queued when a drain
 *     timed out)
 * @param backlog messages waiting in the queue
 * @param queueCapacity the queue's capacity
 */
public record ConsumerStats(String name, List<String> topics, long received, long consumed, long failed,
    long dropped, int backlog, int queueCapacity) {
  public ConsumerStats {
    Objects.requireNonNull(name, "name");
    topics = List.copyOf(topics);
  }
}
