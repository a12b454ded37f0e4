package org.fedmsg.discovery.directory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Resolution;

/**
 * The {@code directory} resolver: every endpoint of every verified, unexpired, non-withdrawn registration
 * from the replicas; the answer's TTL is the time to the earliest expiry.
 */
final class DirectoryResolver implements EndpointResolver {

  private final String label;
  private final DirectoryClient client;
  private final Clock clock;

  DirectoryResolver(String label, DirectoryClient client, Clock clock) {
    this.label = label;
    this.client = client;
    this.clock = clock;
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public Resolution resolve() {
    DirectoryClient.QueryResult result = client.query(null);
    Instant now = clock.instant();
    List<Endpoint> endpoints = new ArrayList<>();
    Map<Endpoint, Instant> since = new HashMap<>();
    // No TTL: a registration's expiry is an upper bound, not a freshness promise. A service can
    // withdraw, or a new one register, at any time, so the directory is asked on every refresh.
    Optional<Duration> ttl = Optional.empty();
    for (DirectoryClient.Verified v : result.registrations()) {
      Registration r = v.registration().registration();
      for (String url : r.endpoints()) {
        Endpoint e = new Endpoint(r.service(), url, r.curveServerKey(), label);
        if (!endpoints.contains(e)) {
          endpoints.add(e);
          since.put(e, r.issuedAt());
        }
      }
    }
    return new Resolution(label, endpoints, result.problems(), now, ttl, since);
  }

  @Override
  public void close() {
    client.close();
  }
}
