package org.fedmsg.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeenIdsTest {
  @Test
  void digest_isTheFirst128BitsOfTheSha256_andReadsBackFromHex() {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad
    SeenIds.Digest d = SeenIds.Digest.of("abc");
    assertThat(d.hex()).isEqualTo("ba7816bf8f01cfea414140de5dae2223");
    assertThat(SeenIds.Digest.parseHex(d.hex())).isEqualTo(d);
    assertThat(SeenIds.Digest.of("abd")).isNotEqualTo(d);
  }

  /**
   * Random adds, lookups and removals of the oldest against a LinkedHashMap (what the replay
   * memory used before), through growth, wrap-around of the ring and long probe runs.
   */
  @Test
  void behavesAsAnInsertionOrderedSet_underRandomChurn() {
    Random random = new Random(42);
    SeenIds ids = new SeenIds();
    Map<SeenIds.Digest, Double> model = new LinkedHashMap<>();
    List<SeenIds.Digest> everSeen = new ArrayList<>();
    for (int step = 0; step < 50_000; step++) {
      int op = random.nextInt(10);
      if (op < 5) {
        // few distinct low bits: many ids share a start cell, so probe runs and backward shifts happen
        SeenIds.Digest d = new SeenIds.Digest(random.nextInt(64), random.nextLong());
        if (!model.containsKey(d)) {
          double t = step;
          ids.add(d, t);
          model.put(d, t);
          everSeen.add(d);
        }
      } else if (op < 8 && !model.isEmpty()) {
        SeenIds.Digest oldest = model.keySet().iterator().next();
        assertThat(ids.oldestTimestamp()).isEqualTo(model.get(oldest));
        ids.removeOldest();
        model.remove(oldest);
      } else if (!everSeen.isEmpty()) {
        SeenIds.Digest probe = everSeen.get(random.nextInt(everSeen.size()));
        assertThat(ids.contains(probe)).isEqualTo(model.containsKey(probe));
      }
      assertThat(ids.size()).isEqualTo(model.size());
    }
    List<SeenIds.Digest> order = new ArrayList<>();
    ids.forEach((d, t) -> {
      order.add(d);
      assertThat(t).isEqualTo(model.get(d));
    });
    assertThat(order).containsExactlyElementsOf(model.keySet());
    for (SeenIds.Digest d : everSeen) {
      assertThat(ids.contains(d)).isEqualTo(model.containsKey(d));
    }
  }

  @Test
  void emptiedCompletely_thenRefilled() {
    SeenIds ids = new SeenIds();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 1000; i++) {
        ids.add(SeenIds.Digest.of(round + "-" + i), i);
      }
      assertThat(ids.contains(SeenIds.Digest.of(round + "-999"))).isTrue();
      while (!ids.isEmpty()) {
        ids.removeOldest();
      }
      assertThat(ids.contains(SeenIds.Digest.of(round + "-999"))).isFalse();
    }
  }
}
