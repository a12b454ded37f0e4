package org.fedmsg;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.fedmsg.reliable.LostRange;

/**
 * The latest lost ranges of one receiving pipeline, oldest first, for {@link Bus#lostRanges()}
 * and the heartbeat. Shared by the critical bus's {@link GapFill} and the fedmsg/1 {@link
 * ReferenceGapFill}, so that one list keeps the order in which both reported. Thread-safe.
 */
final class RecentLosses {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RecentLosses.class);
  /** How many ranges are kept; older ones are only counted ({@link BusStats#lost()}). */
  static final int CAPACITY = 20;

  private final Deque<LostRange> recent = new ArrayDeque<>();

  /**
   * Keeps {@code loss} and tells {@code listener} (whose failure is logged, not thrown: the
   * delivery stage that found the loss goes on).
   */
  void report(LostRange loss, BusListener listener) {
    synchronized (recent) {
      recent.addLast(loss);
      while (recent.size() > CAPACITY) {
        recent.removeFirst();
      }
    }
    try {
      listener.onLoss(loss.signer(), loss.fingerprint(), loss.epoch(), loss.range(), loss.reason());
    } catch (RuntimeException e) {
      LOG.warn("bus listener failed: {}", e.toString());
    }
  }

  /** The latest ranges, oldest first (at most {@value #CAPACITY}). */
  List<LostRange> list() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }
}
