package org.fedmsg.discovery.directory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.fedmsg.crypto.LogText;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code directory} resolver: every endpoint of every verified, unexpired, non-withdrawn registration
 * from the replicas; the answer's TTL is the time to the earliest expiry.
 *
 * <p>A URL that live registrations list with different CURVE keys is a conflict (two signers claim it, or
 * replicas disagree): it is reported ({@code BAD_CURVE_KEY}, logged, counted) and the URL keeps the key
 * this resolver served for it before; a URL never served before is left out until the conflict is gone.
 * So a newer claim never moves subscribers to another key.
 *
 * <p>Resolution is linear in the number of endpoints (hash look-ups only).
 */
final class DirectoryResolver implements EndpointResolver {

  private static final Logger LOG = LoggerFactory.getLogger(DirectoryResolver.class);

  private final String label;
  private final DirectoryClient client;
  private final Clock clock;
  /** URL -> the CURVE key last served for it: what a conflict cannot move it away from. */
  private Map<String, Optional<String>> servedKeys = Map.of();
  private long keyConflicts;
  private long steps;

  DirectoryResolver(String label, DirectoryClient client, Clock clock) {
    this.label = label;
    this.client = client;
    this.clock = clock;
  }

  @Override
  public String label() {
    return label;
  }

  /** How many times a URL was seen with different CURVE keys in one answer. */
  synchronized long keyConflicts() {
    return keyConflicts;
  }

  /** Work done by {@link #resolve()} so far (one step per endpoint listed per pass). */
  synchronized long steps() {
    return steps;
  }

  @Override
  public synchronized Resolution resolve() {
    DirectoryClient.QueryResult result = client.query(null);
    Instant now = clock.instant();
    List<Problem> problems = new ArrayList<>(result.problems());
    // First pass: every CURVE key each URL is listed with.
    Map<String, Set<Optional<String>>> keysByUrl = new LinkedHashMap<>();
    for (DirectoryClient.Verified v : result.registrations()) {
      Registration r = v.registration().registration();
      boolean announced = false;
      for (String url : r.endpoints()) {
        steps++;
        keysByUrl.computeIfAbsent(DirectoryServer.address(url), u -> new LinkedHashSet<>()).add(r.curveServerKey());
      }
    }
    // The key each URL is served with; a conflicting URL keeps its previous key, or is left out.
    Map<String, Optional<String>> chosen = new HashMap<>();
    keysByUrl.forEach((url, keys) -> {
      if (keys.size() == 1) {
        chosen.put(url, keys.iterator().next());
        return;
      }
      keyConflicts++;
      Optional<String> previous = servedKeys.get(url);
      boolean keep = previous != null && keys.contains(previous);
      Set<String> shown = new TreeSet<>();
      keys.forEach(k -> shown.add(k.orElse("none")));
      String detail = "live registrations give this URL different CURVE keys " + shown + "; "
          + (keep ? "keeping the key served before (" + previous.orElse("none") + ")"
              : "not serving it until they agree");
      LOG.warn("Directory source {}: {}: {}", label, LogText.escape(url), LogText.escape(detail));
      problems.add(new Problem(label, Problem.Kind.BAD_CURVE_KEY, url, detail));
      if (keep) {
        chosen.put(url, previous);
      }
    });
    Set<Endpoint> endpoints = new LinkedHashSet<>();
    Map<Endpoint, Instant> since = new HashMap<>();
    for (DirectoryClient.Verified v : result.registrations()) {
      Registration r = v.registration().registration();
      boolean announced = false;
      for (String url : r.endpoints()) {
        steps++;
        Optional<String> key = chosen.get(DirectoryServer.address(url));
        if (key == null || !key.equals(r.curveServerKey())) {
          continue;
        }
        Endpoint e = new Endpoint(r.service(), url, r.curveServerKey(), label);
        announced = true;
        if (endpoints.add(e)) {
          since.put(e, r.issuedAt());
        }
      }
      // The replay endpoint of a service whose publish endpoints were taken: signed with them.
      if (announced && r.replay().isPresent()) {
        Endpoint e = Endpoint.replay(r.service(), r.replay().get(), r.curveServerKey(), label);
        if (endpoints.add(e)) {
          since.put(e, r.issuedAt());
        }
      }
    }
    servedKeys = Map.copyOf(chosen);
    // No TTL: a registration's expiry is an upper bound, not a freshness promise. A service can
    // withdraw, or a new one register, at any time, so the directory is asked on every refresh.
    return new Resolution(label, new ArrayList<>(endpoints), problems, now, Optional.<Duration>empty(), since);
  }

  @Override
  public void close() {
    client.close();
  }
}
