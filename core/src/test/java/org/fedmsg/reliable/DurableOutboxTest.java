package org.fedmsg.reliable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableOutboxTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));

  private DurableOutbox open(int maxMessages, long maxBytes, Duration maxAge) {
    return DurableOutbox.open(dir.resolve("outbox"), maxMessages, maxBytes, maxAge, clock);
  }

  private static byte[][] frames(long seq) {
    return new byte[][] {"org.fedoraproject.dev.pkgdb.x".getBytes(StandardCharsets.UTF_8),
        ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2, (byte) seq}};
  }

  @Test
  void appended_framesSurviveReopen_exactBytes_andTheEpochResumes() {
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      assertThat(box.resumePoint()).isEmpty();
      for (long s = 1; s <= 5; s++) {
        box.append("e1", s, frames(s));
      }
    }
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      assertThat(box.resumePoint()).hasValue(new DurableOutbox.ResumePoint("e1", 5));
      List<DurableOutbox.Entry> got = box.range("e1", 2, 4, 100);
      assertThat(got).extracting(DurableOutbox.Entry::seq).containsExactly(2L, 3L, 4L);
      assertThat(got.get(0).framesCopy()).isDeepEqualTo(frames(2));
      assertThat(box.range("other", 1, 5, 100)).isEmpty();
      assertThat(box.range("e1", 1, 5, 2)).extracting(DurableOutbox.Entry::seq).containsExactly(1L, 2L);
    }
  }

  @Test
  void markedSeqs_advanceTheResumePoint_areNotServed_andSurviveCompaction() {
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      box.append("e1", 1, frames(1));
      for (long s = 2; s <= 3000; s++) {
        box.mark("e1", s);      // statistical messages: seq used, frames not kept
      }
    }
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      assertThat(box.resumePoint()).hasValue(new DurableOutbox.ResumePoint("e1", 3000));
      assertThat(box.range("e1", 1, 3000, 10)).extracting(DurableOutbox.Entry::seq).containsExactly(1L);
    }
  }

  @Test
  void tornLastRecord_isCutOff_theRestKept() throws Exception {
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      box.append("e1", 1, frames(1));
      box.append("e1", 2, frames(2));
    }
    Path file = dir.resolve("outbox").resolve(DurableOutbox.FILE);
    Files.write(file, new byte[] {0, 0, 0, 100, 1, 2, 3}, StandardOpenOption.APPEND);   // a crash mid-write
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      assertThat(box.size()).isEqualTo(2);
      box.append("e1", 3, frames(3));
    }
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofHours(1))) {
      assertThat(box.range("e1", 1, 3, 10)).extracting(DurableOutbox.Entry::seq).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void countBound_evictsOldest_andCountsTheOverflow() {
    try (DurableOutbox box = open(3, 1 << 20, Duration.ofHours(1))) {
      for (long s = 1; s <= 5; s++) {
        box.append("e1", s, frames(s));
      }
      assertThat(box.size()).isEqualTo(3);
      assertThat(box.overflowed()).isEqualTo(2);
      assertThat(box.range("e1", 1, 5, 10)).extracting(DurableOutbox.Entry::seq).containsExactly(3L, 4L, 5L);
    }
  }

  @Test
  void byteBound_evictsOldest_andCountsTheOverflow() {
    long one = 0;
    for (byte[] f : frames(1)) {
      one += f.length;
    }
    try (DurableOutbox box = open(100, 2 * one, Duration.ofHours(1))) {
      for (long s = 1; s <= 4; s++) {
        box.append("e1", s, frames(s));
      }
      assertThat(box.size()).isEqualTo(2);
      assertThat(box.overflowed()).isEqualTo(2);
    }
  }

  @Test
  void ageBound_expiresOldRecords_withoutCountingAnOverflow() {
    try (DurableOutbox box = open(100, 1 << 20, Duration.ofMinutes(10))) {
      box.append("e1", 1, frames(1));
      clock.advance(Duration.ofMinutes(11));
      box.append("e1", 2, frames(2));
      assertThat(box.range("e1", 1, 2, 10)).extracting(DurableOutbox.Entry::seq).containsExactly(2L);
      assertThat(box.overflowed()).isZero();
    }
  }

  @Test
  void manyEvictions_compactTheFile_andReopenStillWorks() throws Exception {
    try (DurableOutbox box = open(10, 1 << 20, Duration.ofHours(1))) {
      for (long s = 1; s <= 3000; s++) {
        box.append("e1", s, frames(s));
      }
    }
    long size = Files.size(dir.resolve("outbox").resolve(DurableOutbox.FILE));
    long record = 24 + 4 * 3;
    for (byte[] f : frames(3000)) {
      record += f.length;
    }
    assertThat(size).isLessThan(1500 * record);   // compacted: not 3,000 records
    try (DurableOutbox box = open(10, 1 << 20, Duration.ofHours(1))) {
      assertThat(box.resumePoint()).hasValue(new DurableOutbox.ResumePoint("e1", 3000));
      assertThat(box.size()).isEqualTo(10);
    }
  }

  @Test
  void secondOpener_isRefused_badBoundsRefused() {
    try (DurableOutbox box = open(10, 1000, Duration.ofHours(1))) {
      assertThatThrownBy(() -> open(10, 1000, Duration.ofHours(1))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use");
    }
    assertThatThrownBy(() -> open(0, 1000, Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> open(10, 1000, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
