package org.fedmsg.discovery;

/**
 * Told when the merged endpoint set changes, so a subscriber can connect to new publishers and disconnect
 * from vanished ones without a restart.
 *
 * <p>Called on the thread that refreshed (the discovery timer thread or the caller of
 * {@link Discovery#refresh()}), one call at a time; it should return quickly. Exceptions it throws are logged
 * and ignored.
 */
@FunctionalInterface
public interface DiscoveryListener {

  /**
   * The endpoint set changed.
   *
   * @param change what was added and removed, and the new snapshot
   */
  void endpointsChanged(EndpointChange change);
}
