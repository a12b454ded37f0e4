package org.fedmsg.loadgen;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * What one subscriber received from each publisher, by sequence number: distinct messages,
 * duplicates, and so what is missing. Not thread-safe: a subscriber's handler runs on one thread.
 */
final class SequenceLedger {
  private final Map<String, Entry> publishers = new HashMap<>();
  private long distinct;
  private long duplicates;

  private static final class Entry {
    final BitSet seen = new BitSet();
    long distinct;
    long highest;
    long planned;
  }

  /** Records {@code seq} from {@code publisher}; false when it was a duplicate. */
  boolean record(String publisher, long seq, long planned) {
    Entry e = publishers.computeIfAbsent(publisher, k -> new Entry());
    e.planned = Math.max(e.planned, planned);
    e.highest = Math.max(e.highest, seq);
    // BitSet indexes are ints: a run of more than 2^31 messages per publisher wraps onto older
    // bits, which only makes loss under-counted, never invented.
    int bit = (int) (seq & Integer.MAX_VALUE);
    if (e.seen.get(bit)) {
      duplicates++;
      return false;
    }
    e.seen.set(bit);
    e.distinct++;
    distinct++;
    return true;
  }

  /** Distinct messages received over all publishers. */
  long distinct() {
    return distinct;
  }

  long duplicates() {
    return duplicates;
  }

  /** Publishers heard from. */
  int publishers() {
    return publishers.size();
  }

  /**
   * Messages missing: per publisher, what it sent (from {@code sent} when the run knows it, else
   * what it said it planned, else the highest sequence number seen) minus what arrived; a
   * publisher in {@code sent} that was never heard from counts whole.
   */
  long lost(Map<String, Long> sent) {
    long lost = 0;
    for (Map.Entry<String, Entry> pe : publishers.entrySet()) {
      Entry e = pe.getValue();
      Long known = sent.get(pe.getKey());
      long expected = known != null ? known : e.planned > 0 ? e.planned : e.highest;
      lost += Math.max(0, expected - e.distinct);
    }
    for (Map.Entry<String, Long> s : sent.entrySet()) {
      if (!publishers.containsKey(s.getKey())) {
        lost += s.getValue();
      }
    }
    return lost;
  }
}
