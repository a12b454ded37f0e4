package org.fedmsg.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted resolver for {@link Discovery} tests: answers what the test last set. */
final class TestResolver implements EndpointResolver {
  private final String label;
  private final Clock clock;
  private volatile List<Endpoint> endpoints = List.of();
  private volatile List<Problem> problems = List.of();
  private volatile Optional<Duration> ttl = Optional.empty();
  final AtomicInteger calls = new AtomicInteger();

  TestResolver(String label, Clock clock) {
    this.label = label;
    this.clock = clock;
  }

  void answer(String... urls) {
    List<Endpoint> eps = new ArrayList<>();
    for (String u : urls) {
      eps.add(Endpoint.of("svc", u, label));
    }
    endpoints = eps;
    problems = List.of();
  }

  void fail() {
    endpoints = List.of();
    problems = List.of(new Problem(label, Problem.Kind.TIMEOUT, "x", "scripted timeout"));
  }

  void ttl(Duration d) {
    ttl = Optional.of(d);
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public Resolution resolve() {
    calls.incrementAndGet();
    return new Resolution(label, endpoints, problems, clock.instant(), ttl);
  }
}
