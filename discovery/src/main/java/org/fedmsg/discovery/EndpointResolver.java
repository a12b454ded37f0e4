package org.fedmsg.discovery;

/**
 * A source of publisher endpoints: the {@code endpoints} map of the configuration, DNS SRV records, the
 * directory service, or a plug-in.
 *
 * <p>Implementations are created by an {@link EndpointResolverProvider} from one entry of the
 * {@code discovery} configuration list. They must be safe to call from one thread at a time; {@link Discovery}
 * never calls one resolver concurrently.
 */
public interface EndpointResolver extends AutoCloseable {

  /**
   * The label recorded as {@link Endpoint#source()}, unique among the configured resolvers (e.g.
   * {@code file}, {@code dns-srv}, {@code dns-srv#2} when two DNS entries are configured).
   *
   * @return the label, never null
   */
  String label();

  /**
   * Looks up the endpoints now. Expected faults (timeouts, missing records, malformed entries, rejected
   * registrations) are reported as {@link Problem}s in the result and logged, never thrown.
   *
   * @return the answer, never null
   */
  Resolution resolve();

  /** Releases sockets or threads held by the resolver. The default does nothing. */
  @Override
  default void close() {}
}
