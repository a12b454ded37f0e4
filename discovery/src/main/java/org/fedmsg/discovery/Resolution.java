package org.fedmsg.discovery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 */
public record Resolution(
    String source, List<Endpoint> endpoints, List<Problem> problems, Instant resolvedAt, Optional<Duration> ttl) {

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
