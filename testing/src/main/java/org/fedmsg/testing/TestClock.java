package org.fedmsg.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/** A settable {@link Clock} (UTC) for tests of time-dependent code. Thread-safe. */
public final class TestClock extends Clock {
  private volatile Instant now;

  /** A clock reading {@code start}. */
  public TestClock(Instant start) {
    this.now = Objects.requireNonNull(start);
  }

  /** Sets the time. */
  public void set(Instant instant) {
    this.now = Objects.requireNonNull(instant);
  }

  /** Moves the time forward (or back, for a negative duration). */
  public synchronized void advance(Duration d) {
    this.now = now.plus(d);
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("TestClock is always UTC");
  }
}
