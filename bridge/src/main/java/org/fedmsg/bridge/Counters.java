package org.fedmsg.bridge;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** The counters behind {@link BridgeStats}; thread-safe. */
final class Counters {
  final LongAdder forwarded = new LongAdder();
  final LongAdder loopsSkipped = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder connects = new LongAdder();
  private final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> deadLettered = new ConcurrentHashMap<>();
  volatile boolean connected;

  void drop(String reason) {
    drop(reason, 1);
  }

  void drop(String reason, long n) {
    dropped.computeIfAbsent(reason, r -> new LongAdder()).add(n);
  }

  void deadLetter(String reason) {
    deadLettered.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  BridgeStats snapshot(LongSupplier buffered, LongSupplier spooled) {
    return new BridgeStats(forwarded.sum(), loopsSkipped.sum(), duplicates.sum(), sums(dropped), sums(deadLettered),
        buffered.getAsLong(), spooled.getAsLong(), retries.sum(), connects.sum(), connected);
  }

  private static Map<String, Long> sums(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
