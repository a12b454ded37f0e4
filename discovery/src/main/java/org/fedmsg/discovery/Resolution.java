package org.fedmsg.discovery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one resolver found at one moment: its endpoints and the problems it met.
 *
 * <p>Immutable.
 *
 * @param source the label of the resolver
 * @param endpoints the endpoints, in the resolver's preference order (e.g. SRV priority and weight)
 * @param problems what went wrong, empty when everything answered
 * @param resolvedAt when the answer was obtained
 * @param ttl how long the answer may be cached, when the source says so (the smallest DNS TTL, the
 *     earliest expiry of a directory registration); empty means "use the refresh interval"
 * @param since for endpoints whose statement is older than the resolution, when it was made (a directory
 *     registration's {@code issued_at}); endpoints not in the map date from {@code resolvedAt}
 */
public record Resolution(String source, List<Endpoint> endpoints, List<Problem> problems, Instant resolvedAt,
    Optional<Duration> ttl, Map<Endpoint, Instant> since) {

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if any argument or element is null
   * @throws IllegalArgumentException if the TTL is negative
   */
  public Resolution {
    Objects.requireNonNull(source, "source");
    endpoints = List.copyOf(endpoints);
    problems = List.copyOf(problems);
    Objects.requireNonNull(resolvedAt, "resolvedAt");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isPresent() && ttl.get().isNegative()) {
      throw new IllegalArgumentException("ttl must not be negative");
    }
    since = Map.copyOf(since);
  }

  /**
   * A resolution whose endpoints all date from {@code resolvedAt}.
   *
   * @param source the label of the resolver
   * @param endpoints the endpoints
   * @param problems the problems
   * @param resolvedAt when the answer was obtained
   * @param ttl the cache lifetime, if the source gives one
   */
  public Resolution(String source, List<Endpoint> endpoints, List<Problem> problems, Instant resolvedAt,
      Optional<Duration> ttl) {
    this(source, endpoints, problems, resolvedAt, ttl, Map.of());
  }

  /**
   * When the statement behind an endpoint was made: its {@code since} entry, else {@code resolvedAt}.
   *
   * @param endpoint one of {@link #endpoints()}
   * @return the instant
   */
  public Instant since(Endpoint endpoint) {
    return since.getOrDefault(endpoint, resolvedAt);
  }

  /**
   * Whether the source could not be consulted: at least one problem is of a
   * {@linkplain Problem.Kind#sourceDown() source-down} kind. The answer of a failed resolution is
   * incomplete, so {@link Discovery} keeps the source's last known good answer instead.
   *
   * @return true when some query of this source failed for want of an answer
   */
  public boolean failed() {
    return problems.stream().anyMatch(p -> p.kind().sourceDown());
  }
}
