package org.fedmsg.discovery;

import java.util.Objects;
import java.util.Set;

/**
 * A change of the merged endpoint set, delivered to a {@link DiscoveryListener}.
 *
 * <p>Immutable. Endpoints carry their source, so a URL that moved from one source to another appears in
 * both sets; subscribers that connect once per URL should compare {@link Snapshot#endpoints()} URLs, which
 * {@link #current()} gives.
 *
 * @param added endpoints present now and not before
 * @param removed endpoints present before and not now
 * @param current the whole new snapshot
 */
public record EndpointChange(Set<Endpoint> added, Set<Endpoint> removed, Snapshot current) {

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if an argument is null
   */
  public EndpointChange {
    added = Set.copyOf(added);
    removed = Set.copyOf(removed);
    Objects.requireNonNull(current, "current");
  }
}
