package org.fedmsg.reliable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per client: {@code burst} requests at once, then {@code perSecond}. Remembers
 * the most recently seen {@value #MAX_CLIENTS} clients (a forgotten one starts with a full
 * bucket, which costs at most one burst). Not thread-safe: the replay endpoint's one thread uses it.
 */
final class RateLimiter {
  static final int MAX_CLIENTS = 10_000;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final double perNano;
  private final int burst;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > MAX_CLIENTS;
    }
  };

  RateLimiter(int perSecond, int burst, LongSupplier nanoTime) {
    this.perNano = perSecond / (double) NANOS_PER_SECOND;
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  /** Takes a token of {@code client}'s bucket; false when it is empty. */
  boolean tryAcquire(String client) {
    long now = nanoTime.getAsLong();
    Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(burst, now));
    b.tokens = Math.min(burst, b.tokens + (now - b.last) * perNano);
    b.last = now;
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  private static final class Bucket {
    double tokens;
    long last;

    Bucket(double tokens, long last) {
      this.tokens = tokens;
      this.last = last;
    }
  }
}
