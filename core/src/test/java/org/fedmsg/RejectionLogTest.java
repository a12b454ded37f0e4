package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.fedmsg.crypto.LogText;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.Test;

class RejectionLogTest {
  private static final Rejection NOT_JSON = new Rejection(Reason.MALFORMED, "not-json", "body is not JSON", "t");
  private static final Rejection NOT_UTF8 = new Rejection(Reason.MALFORMED, "not-utf8", "not UTF-8", "t");

  @Test
  void record_floodOfOneCause_loggedOncePerIntervalButAllCounted() {
    TestClock clock = new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    RejectionLog log = new RejectionLog(clock);
    for (int i = 0; i < 1000; i++) {
      log.record(NOT_JSON, null, null);
    }
    assertThat(log.linesLogged()).isEqualTo(1);
    assertThat(log.count(Reason.MALFORMED)).isEqualTo(1000);

    clock.advance(Duration.ofSeconds(9));
    log.record(NOT_JSON, null, null);
    assertThat(log.linesLogged()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    log.record(NOT_JSON, null, null);
    assertThat(log.linesLogged()).isEqualTo(2);
    assertThat(log.byCause()).containsEntry("MALFORMED/not-json", 1002L);
  }

  @Test
  void record_eachCause_hasItsOwnLimit() {
    RejectionLog log = new RejectionLog(new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z")));
    log.record(NOT_JSON, null, null);
    log.record(NOT_UTF8, null, null);
    log.record(NOT_UTF8, null, null);
    assertThat(log.linesLogged()).isEqualTo(2);
    assertThat(log.byReason()).containsEntry(Reason.MALFORMED, 3L);
  }

  @Test
  void flushSuppressed_floodThatStops_reportedWithCountWithoutRecurrence() {
    TestClock clock = new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    RejectionLog log = new RejectionLog(clock);
    for (int i = 0; i < 50; i++) {
      log.record(NOT_JSON, null, null);
    }
    assertThat(log.flushSuppressed()).as("not before the interval").isZero();
    clock.advance(Duration.ofSeconds(11));
    assertThat(log.flushSuppressed()).isEqualTo(1);
    assertThat(log.linesLogged()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(11));
    assertThat(log.flushSuppressed()).as("nothing left to report").isZero();
  }

  @Test
  void escape_controlAndBidiCharacters_visibleOnOneLine() {
    assertThat(LogText.escape("a\nb\r\u001b[2J\u202e\u0085c\\")).isEqualTo("a\\nb\\r\\x1b[2J\\u202e\\x85c\\\\");
    assertThat(LogText.escape(null)).isEqualTo("-");
    assertThat(LogText.escape("plain.topic")).isEqualTo("plain.topic");
  }
}
