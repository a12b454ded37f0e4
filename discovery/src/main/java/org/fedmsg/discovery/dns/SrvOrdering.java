package org.fedmsg.discovery.dns;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.xbill.DNS.SRVRecord;

/**
 * Orders SRV records: by ascending priority, and within one priority either by the weighted random
 * selection of RFC 2782 or deterministically (descending weight, then target and port) for reproducible
 * tests and operators who want a stable order.
 */
final class SrvOrdering {

  /** How records of equal priority are ordered. */
  enum Mode {
    /** RFC 2782 weighted random selection (the default). */
    WEIGHTED,
    /** Descending weight, then target name, then port. */
    DETERMINISTIC
  }

  private SrvOrdering() {}

  static List<SRVRecord> order(List<SRVRecord> records, Mode mode, Random random) {
    TreeMap<Integer, List<SRVRecord>> byPriority = new TreeMap<>();
    for (SRVRecord r : records) {
      byPriority.computeIfAbsent(r.getPriority(), k -> new ArrayList<>()).add(r);
    }
    List<SRVRecord> out = new ArrayList<>(records.size());
    for (List<SRVRecord> group : byPriority.values()) {
      // Sorting first makes the weighted draw depend only on the random source, not on answer order.
      group.sort(Comparator.comparingInt(SRVRecord::getWeight).reversed()
          .thenComparing(r -> r.getTarget().toString())
          .thenComparingInt(SRVRecord::getPort));
      if (mode == Mode.WEIGHTED) {
        out.addAll(weighted(group, random));
      } else {
        out.addAll(group);
      }
    }
    return out;
  }

  /** RFC 2782: zero-weight records first, then repeatedly pick with probability proportional to weight. */
  private static List<SRVRecord> weighted(List<SRVRecord> group, Random random) {
    List<SRVRecord> remaining = new ArrayList<>();
    group.stream().filter(r -> r.getWeight() == 0).forEach(remaining::add);
    group.stream().filter(r -> r.getWeight() != 0).forEach(remaining::add);
    List<SRVRecord> out = new ArrayList<>(group.size());
    while (!remaining.isEmpty()) {
      int total = remaining.stream().mapToInt(SRVRecord::getWeight).sum();
      int pick = total == 0 ? 0 : random.nextInt(total + 1);
      int running = 0;
      for (int i = 0; i < remaining.size(); i++) {
        running += remaining.get(i).getWeight();
        if (running >= pick) {
          out.add(remaining.remove(i));
          break;
        }
      }
    }
    return out;
  }
}
