package org.fedmsg.status;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of listening for heartbeats.
 *
 * @param at when the report was made
 * @param alive publishers that sent at least one heartbeat, by name
 * @param silent configured services (keys of {@code endpoints}) none of whose heartbeats arrived
 */
public record StatusReport(Instant at, List<PublisherStatus> alive, List<String> silent) {
  public StatusReport {
    Objects.requireNonNull(at, "at");
    alive = List.copyOf(alive);
    silent = List.copyOf(silent);
  }

  /**
   * Publishers whose last heartbeat reports critical-bus messages lost ({@code lost} above zero):
   * a warning, with the ranges in their {@code lost_ranges}.
   */
  public List<PublisherStatus> warnings() {
    return alive.stream().filter(p -> p.body().path("lost").asLong(0) > 0).toList();
  }

  /** True when no configured service is silent. */
  public boolean allAlive() {
    return silent.isEmpty();
  }
}
