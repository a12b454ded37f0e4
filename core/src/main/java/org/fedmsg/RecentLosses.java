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
  /** How many ranges are kept; older ones are only counted ({@link BusStats#lost()}). */
  static final int CAPACITY = 20;

  private final Deque<LostRange> recent = new ArrayDeque<>();

  void add(LostRange loss) {
    synchronized (recent) {
      recent.addLast(loss);
      while (recent.size() > CAPACITY) {
        recent.removeFirst();
      }
    }
  }

  /** The latest ranges, oldest first (at most {@value #CAPACITY}). */
  List<LostRange> list() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }
}
