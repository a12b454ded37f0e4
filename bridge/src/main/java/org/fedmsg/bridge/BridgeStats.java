package org.fedmsg.bridge;

import java.util.Map;

/**
 * A snapshot of one direction's counters.
 *
 * @param forwarded messages carried across (bus to AMQP: confirmed by the broker; AMQP to bus: accepted
 *     by the bus and acknowledged)
 * @param loopsSkipped messages not carried because a bridge brought them from the other side
 * @param duplicates messages not carried because their {@code msg_id} was seen within the window
 * @param dropped messages lost, per reason ({@code buffer_full}, {@code spool_full}, ...); every one is
 *     also logged
 * @param deadLettered AMQP messages the bus refused, moved to the dead-letter queue, per reason
 * @param buffered messages waiting in memory for the broker
 * @param spooled messages on critical topics waiting on disk for the broker
 * @param retries publish attempts repeated (broker unreachable, unconfirmed, bus refused for now)
 * @param connects connections opened to the broker (the first and every reconnection)
 * @param connected whether a connection is open now
 */
public record BridgeStats(
    long forwarded,
    long loopsSkipped,
    long duplicates,
    Map<String, Long> dropped,
    Map<String, Long> deadLettered,
    long buffered,
    long spooled,
    long retries,
    long connects,
    boolean connected) {

  public BridgeStats {
    dropped = Map.copyOf(dropped);
    deadLettered = Map.copyOf(deadLettered);
  }

  /** All messages lost, over every reason. */
  public long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** All messages dead-lettered, over every reason. */
  public long deadLetteredTotal() {
    return deadLettered.values().stream().mapToLong(Long::longValue).sum();
  }
}
