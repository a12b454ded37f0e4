package org.fedmsg.discovery;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The merged answer of every configured source at one moment.
 *
 * <p>Immutable.
 *
 * @param sources per source, in configuration order
 * @param at when the snapshot was taken
 */
public record Snapshot(List<SourceState> sources, Instant at) {

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if an argument or element is null
   */
  public Snapshot {
    sources = List.copyOf(sources);
    Objects.requireNonNull(at, "at");
  }

  /**
   * Every endpoint used, source after source in configuration order, each source in its own preference
   * order, without duplicates (the same URL from two sources appears twice, once per source).
   *
   * @return the endpoints
   */
  public List<Endpoint> endpoints() {
    return select(false);
  }

  /**
   * The replay endpoints found ({@link Endpoint#isReplay()}), in the same order: where publishers
   * serve their outboxes again. Never part of {@link #endpoints()}.
   *
   * @return the replay endpoints
   */
  public List<Endpoint> replayEndpoints() {
    return select(true);
  }

  private List<Endpoint> select(boolean replay) {
    Set<Endpoint> out = new LinkedHashSet<>();
    for (SourceState s : sources) {
      for (Endpoint e : s.effective().endpoints()) {
        if (e.isReplay() == replay) {
          out.add(e);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Whether the latest attempt of every source failed (the whole answer comes from last known good
   * answers, or is empty).
   *
   * @return true when no source answered; false when there are no sources
   */
  public boolean allSourcesFailed() {
    return !sources.isEmpty() && sources.stream().allMatch(s -> s.attempt().failed());
  }
}
