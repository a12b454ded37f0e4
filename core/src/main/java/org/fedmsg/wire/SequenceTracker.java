package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * The last fedmsg/2 {@code seq} seen per (signer key, epoch). A new (signer, epoch) starts
 * tracking without a gap (a receiver that joins late has lost nothing it could have had);
 * afterwards a {@code seq} more than one above the last is a gap of the difference minus one, and
 * a {@code seq} at or below the last is a replay. Only messages that passed signature and policy
 * are observed ({@link #peek} checks without recording), so a signer without rights cannot
 * touch it. Bounded; idle publishers are forgotten after a day. Forgetting a sequence loses only
 * gap accounting: replays are refused by {@link ReplayGuard} whatever this tracker remembers.
 */
final class SequenceTracker {
  /** Returned by {@link #observe} and {@link #peek} for a replayed (or reordered) message. */
  static final long REPLAY = -1;

  private final Cache<String, Long> last;

  SequenceTracker(long maxPublishers) {
    this.last = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maxPublishers).expireAfterAccess(Duration.ofDays(1)).build();
  }

  /** Whether {@code seq} would be a replay ({@link #REPLAY}) or not (0); records nothing. */
  long peek(String signerKey, String epoch, long seq) {
    Long prev = last.getIfPresent(signerKey + ' ' + epoch);
    return prev != null && seq <= prev ? REPLAY : 0;
  }

  /** Records {@code seq}; returns the number of messages missed before it, or {@link #REPLAY}. */
  long observe(String signerKey, String epoch, long seq) {
    long[] missed = {0};
    last.asMap().compute(signerKey + ' ' + epoch, (k, prev) -> {
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
