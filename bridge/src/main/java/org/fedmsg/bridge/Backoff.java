package org.fedmsg.bridge;

import java.time.Duration;

/** Pauses between reconnection attempts: 100 ms, doubling up to a maximum; reset on success. */
final class Backoff {
  private static final long FIRST_MILLIS = 100;
  private final long maxMillis;
  private long next = FIRST_MILLIS;

  Backoff(Duration max) {
    this.maxMillis = Math.max(FIRST_MILLIS, max.toMillis());
  }

  long nextMillis() {
    long now = next;
    next = Math.min(maxMillis, next * 2);
    return now;
  }

  void reset() {
    next = FIRST_MILLIS;
  }
}
