package org.fedmsg.wire;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last fedmsg/2 {@code seq} seen per (signer key, epoch). A new (signer, epoch) starts
 * tracking without a gap (a receiver that joins late has lost nothing it could have had);
 * afterwards a {@code seq} more than one above the last is a gap of the difference minus one, and
 * a {@code seq} at or below the last is a replay. Only messages that passed signature and policy
 * are observed ({@link #peek} checks without recording), so a signer without rights cannot
 * touch it. Bounded; idle publishers are forgotten after a day. Forgetting a sequence loses only
 * gap accounting: replays are refused by {@link ReplayGuard} whatever this tracker remembers.
 *
 * <p><b>Gaps being filled.</b> Each gap is also remembered as an open range (at most {@value
 * #MAX_OPEN_RANGES} per publisher, the oldest forgotten first). A message fetched by replay passes
 * {@link #fill} only when its {@code seq} lies in an open range, and takes that {@code seq} out of
 * it: so each missing {@code seq} is accepted exactly once, and every other {@code seq} at or
 * below the last stays a replay. A range given up as lost is {@linkplain #close closed}.
 */
final class SequenceTracker {
  /** Returned by {@link #observe} and {@link #peek} for a replayed (or reordered) message. */
  static final long REPLAY = -1;
  /** Open gap ranges kept per publisher. */
  static final int MAX_OPEN_RANGES = 256;

  /** One publisher's epoch: the last seq and the open gaps (from -> to, inclusive). */
  private static final class State {
    long last;
    final TreeMap<Long, Long> open = new TreeMap<>();

    State(long last) {
      this.last = last;
    }

    void openRange(long from, long to) {
      if (from > to) {
        return;
      }
      open.put(from, to);
      while (open.size() > MAX_OPEN_RANGES) {
        open.pollFirstEntry();
      }
    }

    boolean take(long seq) {
      Map.Entry<Long, Long> r = open.floorEntry(seq);
      if (r == null || r.getValue() < seq) {
        return false;
      }
      open.remove(r.getKey());
      openRange(r.getKey(), seq - 1);
      openRange(seq + 1, r.getValue());
      return true;
    }

    void closeRange(long from, long to) {
      for (long start : open.keySet().toArray(new Long[0])) {
        long end = open.get(start);
        if (end < from || start > to) {
          continue;
        }
        open.remove(start);
        openRange(start, Math.min(end, from - 1));
        openRange(Math.max(start, to + 1), end);
      }
    }
  }

  private final Cache<String, State> last;

  SequenceTracker(long maxPublishers) {
    this.last = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maxPublishers).expireAfterAccess(Duration.ofDays(1)).build();
  }

  /** Whether {@code seq} would be a replay ({@link #REPLAY}) or not (0); records nothing. */
  long peek(String signerKey, String epoch, long seq) {
    State s = last.getIfPresent(signerKey + ' ' + epoch);
    if (s == null) {
      return 0;
    }
    synchronized (s) {
      return seq <= s.last ? REPLAY : 0;
    }
  }

  /** Records {@code seq}; returns the number of messages missed before it, or {@link #REPLAY}. */
  long observe(String signerKey, String epoch, long seq) {
    long[] missed = {0};
    last.asMap().compute(signerKey + ' ' + epoch, (k, prev) -> {
      if (prev == null) {
        return new State(seq);
      }
      synchronized (prev) {
        if (seq <= prev.last) {
          missed[0] = REPLAY;
          return prev;
        }
        missed[0] = seq - prev.last - 1;
        prev.openRange(prev.last + 1, seq - 1);
        prev.last = seq;
      }
      return prev;
    });
    return missed[0];
  }

  /**
   * Accepts a {@code seq} fetched to fill a gap: true (and the {@code seq} is no longer open) when
   * it lies in an open gap of that publisher's epoch, false otherwise (a replay).
   */
  boolean fill(String signerKey, String epoch, long seq) {
    State s = last.getIfPresent(signerKey + ' ' + epoch);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.take(seq);
    }
  }

  /** Gives up the open gaps within [from, to]: a message fetched for them later is a replay. */
  void close(String signerKey, String epoch, long from, long to) {
    State s = last.getIfPresent(signerKey + ' ' + epoch);
    if (s != null) {
      synchronized (s) {
        s.closeRange(from, to);
      }
    }
  }

  /**
   * Opens [from, to] as a gap to fill for a (signer, epoch), starting its tracking at {@code to}
   * when it is not tracked yet: a restarted durable subscriber expects what it missed while down,
   * or the rest of an old epoch.
   */
  void expect(String signerKey, String epoch, long from, long to) {
    last.asMap().compute(signerKey + ' ' + epoch, (k, prev) -> {
      State s = prev != null ? prev : new State(to);
      synchronized (s) {
        s.openRange(from, to);
        s.last = Math.max(s.last, to);
      }
      return s;
    });
  }

  /**
   * Starts tracking a (signer, epoch) at {@code lastSeq} when it is not tracked yet (a durable
   * subscriber's saved position), so the first live message shows what was missed as a gap.
   */
  void resumeAt(String signerKey, String epoch, long lastSeq) {
    last.asMap().putIfAbsent(signerKey + ' ' + epoch, new State(lastSeq));
  }
}
