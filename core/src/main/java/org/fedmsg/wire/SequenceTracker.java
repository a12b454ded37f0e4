package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * The last fedmsg/2 {@code seq} seen per (signer, epoch). A new (signer, epoch) starts tracking
 * without a gap (a receiver that joins late has lost nothing it could have had); afterwards a
 * {@code seq} more than one above the last is a gap of the difference minus one, and a {@code
 * seq} at or below the last is a replay. Bounded; idle publishers are forgotten after a day.
 */
final class SequenceTracker {
  /** Returned by {@link #observe} for a replayed (or reordered) message. */
  static final long REPLAY = -1;

  private final Cache<String, Long> last;

  SequenceTracker(long maxPublishers) {
    this.last = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maxPublishers).expireAfterAccess(Duration.ofDays(1)).build();
  }

  /** Records {@code seq}; returns the number of messages missed before it, or {@link #REPLAY}. */
  long observe(String signerFingerprint, String epoch, long seq) {
    long[] missed = {0};
    last.asMap().compute(signerFingerprint + ' ' + epoch, (k, prev) -> {
      if (prev == null) {
        return seq;
      }
      if (seq <= prev) {
        missed[0] = REPLAY;
        return prev;
      }
      missed[0] = seq - prev - 1;
      return seq;
    });
    return missed[0];
  }
}
