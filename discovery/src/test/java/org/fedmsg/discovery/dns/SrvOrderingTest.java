package org.fedmsg.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;

class SrvOrderingTest {

  private static SRVRecord srv(int priority, int weight, String target) throws Exception {
    return new SRVRecord(Name.fromString("_fedmsg._tcp.example.test."), DClass.IN, 60, priority, weight, 1,
        Name.fromString(target + ".example.test."));
  }

  @Test
  void weighted_lowerPriority_alwaysFirst() throws Exception {
    List<SRVRecord> in = List.of(srv(20, 1000, "b"), srv(10, 1, "a"), srv(30, 0, "c"));
    for (int seed = 0; seed < 200; seed++) {
      assertThat(SrvOrdering.order(in, SrvOrdering.Mode.WEIGHTED, new Random(seed)))
          .extracting(r -> r.getTarget().toString()).containsExactly("a.example.test.", "b.example.test.", "c.example.test.");
    }
  }

  @Test
  void weighted_sharesFollowWeights() throws Exception {
    List<SRVRecord> in = List.of(srv(10, 90, "heavy"), srv(10, 10, "light"));
    int heavyFirst = 0;
    int n = 2000;
    Random random = new Random(42);
    for (int i = 0; i < n; i++) {
      if (SrvOrdering.order(in, SrvOrdering.Mode.WEIGHTED, random).get(0).getTarget().toString().startsWith("heavy")) {
        heavyFirst++;
      }
    }
    // Expected share 90/101 ~ 0.89 (RFC 2782 draws in [0, sum]); a fixed seed keeps this reproducible.
    assertThat(heavyFirst).isBetween((int) (n * 0.85), (int) (n * 0.93));
  }

  @Test
  void weighted_allZeroWeights_everyRecordKept() throws Exception {
    List<SRVRecord> in = List.of(srv(10, 0, "a"), srv(10, 0, "b"), srv(10, 0, "c"));
    assertThat(SrvOrdering.order(in, SrvOrdering.Mode.WEIGHTED, new Random(1))).containsExactlyInAnyOrderElementsOf(in);
  }

  @Test
  void deterministic_sameInputAnyOrder_sameOutput() throws Exception {
    List<SRVRecord> in = List.of(srv(10, 5, "b"), srv(10, 5, "a"), srv(10, 9, "c"));
    List<SRVRecord> reversed = List.of(in.get(2), in.get(1), in.get(0));
    assertThat(SrvOrdering.order(in, SrvOrdering.Mode.DETERMINISTIC, new Random()))
        .isEqualTo(SrvOrdering.order(reversed, SrvOrdering.Mode.DETERMINISTIC, new Random()))
        .extracting(r -> r.getTarget().toString()).containsExactly("c.example.test.", "a.example.test.", "b.example.test.");
  }
}
