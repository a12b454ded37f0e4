package org.fedmsg.bridge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/** Message ids seen within a window, to drop duplicates; bounded in size as well as in time. */
final class SeenIds {
  private final Cache<String, Boolean> seen;

  SeenIds(Duration window) {
    seen = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(1_000_000).build();
  }

  boolean contains(String id) {
    return seen.getIfPresent(id) != null;
  }

  /** Records {@code id}; true when it was not seen within the window. */
  boolean add(String id) {
    return seen.asMap().putIfAbsent(id, Boolean.TRUE) == null;
  }
}
