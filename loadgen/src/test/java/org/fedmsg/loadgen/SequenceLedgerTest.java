package org.fedmsg.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SequenceLedgerTest {

  @Test
  void lost_gapsInTheMiddleAndAtTheEnd_countedExactly() {
    SequenceLedger ledger = new SequenceLedger();
    for (long seq = 1; seq <= 10; seq++) {
      if (seq != 3 && seq != 4 && seq != 10) {
        ledger.record("a", seq, 10);
      }
    }
    assertThat(ledger.distinct()).isEqualTo(7);
    assertThat(ledger.lost(Map.of())).isEqualTo(3);
  }

  @Test
  void lost_knownSentCountWins_overAnnouncedCount() {
    SequenceLedger ledger = new SequenceLedger();
    ledger.record("a", 1, 0);
    ledger.record("a", 2, 0);
    // A timed run announces no count: without the sent count, only gaps below the highest show.
    assertThat(ledger.lost(Map.of())).isZero();
    assertThat(ledger.lost(Map.of("a", 5L))).isEqualTo(3);
  }

  @Test
  void lost_publisherNeverHeard_countsWhole() {
    SequenceLedger ledger = new SequenceLedger();
    ledger.record("a", 1, 1);
    assertThat(ledger.lost(Map.of("a", 1L, "b", 7L))).isEqualTo(7);
  }

  @Test
  void record_duplicate_countedOnceAndReported() {
    SequenceLedger ledger = new SequenceLedger();
    assertThat(ledger.record("a", 1, 2)).isTrue();
    assertThat(ledger.record("a", 1, 2)).isFalse();
    assertThat(ledger.record("a", 2, 2)).isTrue();
    assertThat(ledger.distinct()).isEqualTo(2);
    assertThat(ledger.duplicates()).isEqualTo(1);
    assertThat(ledger.lost(Map.of())).isZero();
  }
}
