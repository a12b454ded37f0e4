package org.fedmsg.reliable;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox remembers which seqs were statistical, across reopening and compaction. */
class DurableOutboxStatisticalTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));

  private DurableOutbox open() {
    return DurableOutbox.open(dir.resolve("outbox"), 100, 1 << 20, Duration.ofHours(1), clock);
  }

  @Test
  void markers_areRanges_clippedToTheQuery_andSurviveReopenAndCompaction() {
    try (DurableOutbox box = open()) {
      box.append("e1", 1, ReplayServerTest.frames(1));
      for (long s = 2; s <= 3000; s++) {   // enough dead records to compact the file
        box.mark("e1", s);
      }
      box.append("e1", 3001, ReplayServerTest.frames(3001));
      box.mark("e1", 3002);
      assertThat(box.statistical("e1", 1, 5000)).containsExactly(new SeqRange(2, 3000), new SeqRange(3002, 3002));
      assertThat(box.statistical("e1", 10, 20)).containsExactly(new SeqRange(10, 20));
      assertThat(box.statistical("other", 1, 5000)).isEmpty();
    }
    try (DurableOutbox box = open()) {
      assertThat(box.statistical("e1", 1, 5000)).containsExactly(new SeqRange(2, 3000), new SeqRange(3002, 3002));
      assertThat(box.resumePoint()).hasValue(new DurableOutbox.ResumePoint("e1", 3002));
      assertThat(box.range("e1", 1, 5000, 10)).extracting(DurableOutbox.Entry::seq).containsExactly(1L, 3001L);
    }
  }

  @Test
  void markersOfAnEpochWithNothingKept_areForgottenAtCompaction_exceptTheCurrentEpochs() {
    try (DurableOutbox box = open()) {
      box.mark("old", 1);
      for (long s = 1; s <= 3000; s++) {
        box.mark("new", s);
      }
      assertThat(box.statistical("old", 1, 1)).isEmpty();
      assertThat(box.statistical("new", 1, 3000)).containsExactly(new SeqRange(1, 3000));
    }
  }
}
