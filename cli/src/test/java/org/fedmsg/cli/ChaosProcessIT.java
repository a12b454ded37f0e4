package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.fedmsg.reliable.DurableOutbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bus under failure, as real processes: a named {@code fedmsg logger} (an active publisher with
 * a state directory) → TcpProxy → validating {@code fedmsg relay} → one TcpProxy each → two
 * {@code fedmsg tail --json}. During 5,000 messages the test cuts links twice (once the publisher's
 * and one subscriber's, once the other subscriber's while the first one's is a black hole), kills
 * the relay with {@code kill -9} while messages flow and restarts it, and kills the publisher with
 * {@code kill -9} and restarts it.
 *
 * <ul>
 *   <li>Statistical topics: messages are lost, and every subscriber reports exactly how many: the
 *       gaps it reported plus the lines it printed make 5,000, each printed once, in order.
 *   <li>Critical topics (the publisher keeps an outbox and serves it, the relay keeps one per
 *       upstream signer and serves it, both fill their gaps by replay): both subscribers print
 *       all 5,000, each once, in order, and their counters show every gap filled.
 * </ul>
 */
@Timeout(300)
class ChaosProcessIT {
  private static final int MESSAGES = 5_000;

  @Test
  void statisticalTopics_linksCutRelayAndPublisherKilled_everySubscriberReportsExactlyWhatItLost(@TempDir Path dir)
      throws Exception {
    try (ChaosBus bus = ChaosBus.start(dir, false)) {
      runSchedule(bus);
      for (ChaosBus.Subscriber s : List.of(bus.first, bus.second)) {
        List<Integer> got = s.lines();
        assertThat(got).as("%s: printed in order, each once", s.name).isSorted().doesNotHaveDuplicates();
        assertThat(got).as("%s", s.name).allMatch(n -> n >= 1 && n <= MESSAGES).contains(MESSAGES);
        ChaosBus.Counters counters = s.counters();
        // The figures for docs/reliability.md ("Measured").
        System.out.printf("chaos statistical: %s printed %d of %d; counters %s; gap lines sum %d%n", s.name, got.size(),
            MESSAGES, counters, s.gapsReported());
        assertThat(counters.missed()).as("%s: missed == 5,000 - printed (%d); %s", s.name, got.size(), s.reports())
            .isEqualTo(MESSAGES - got.size());
        assertThat(counters.delivered()).isEqualTo(got.size());
        assertThat(counters.filled()).isZero();
      }
    }
  }

  /**
   * Every fault at once on critical topics: each subscriber ends with all 5,000, once, in order,
   * every gap filled. The relay killed after taking lines it had not yet kept is the hard case: the
   * restarted relay continues the publisher's sequence from its outbox, so the next line shows
   * them as a gap, which it fills from the publisher's replay endpoint.
   */
  @Test
  void criticalTopics_linksCutRelayAndPublisherKilled_everySubscriberGetsAll5000ExactlyOnceInOrder(@TempDir Path dir)
      throws Exception {
    try (ChaosBus bus = ChaosBus.start(dir, true)) {
      runSchedule(bus);
      long[] disk = bus.outboxBytes();
      System.out.printf("chaos critical: outboxes on disk after 5,000 messages: publisher %,d B, relay %,d B%n", disk[0],
          disk[1]);
      for (ChaosBus.Subscriber s : List.of(bus.first, bus.second)) {
        ChaosBus.Counters counters = s.counters();
        System.out.printf("chaos critical: %s printed %d of %d; counters %s%n", s.name, s.lines().size(), MESSAGES,
            counters);
        assertThat(s.lines()).as("%s: all 5,000, each once, in order; %s", s.name, s.reports())
            .containsExactlyElementsOf(oneToN(MESSAGES));
        assertThat(counters.lost()).as("%s", s.name).isZero();
        assertThat(counters.filled()).as("%s: every gap filled", s.name).isEqualTo(counters.missed());
        assertThat(counters.delivered()).isEqualTo(MESSAGES);
      }
      // The faults made gaps: at the subscribers, or at the relay, which fills the gaps of its
      // inbound side (a restarted relay continues the publisher's sequence from its outbox) before
      // forwarding, in order, so that its subscribers may see none.
      System.out.printf("chaos critical: the relays missed and asked for %d message(s)%n", bus.relayGapsAsked());
      assertThat(bus.first.counters().missed() + bus.second.counters().missed() + bus.relayGapsAsked())
          .as("gaps made by the faults").isPositive();
    }
  }

  /**
   * The failures, between chunks of lines. Each fault is followed by a chunk sent on the healed
   * bus and a wait until both subscribers printed its last line, so that every loss is followed by
   * a message that reveals it, and the next fault starts from a known state.
   */
  static void runSchedule(ChaosBus bus) throws Exception {
    long start = System.nanoTime();
    bus.startPublisher();
    bus.feed(500);
    bus.awaitBothReached(500);
    phase(start, "reached " + 500);

    // Cut 1: the publisher's link and the first subscriber's.
    long pubMark = bus.publisherLink.bytesDown();
    long firstMark = bus.first.link.bytesUp();
    bus.publisherLink.cut();
    bus.first.link.cut();
    bus.feed(750);
    bus.publisherLink.restore();
    bus.first.link.restore();
    bus.awaitPublisherLinkUp(pubMark);
    bus.first.awaitLinkUp(firstMark);
    bus.feed(1_250);
    bus.awaitBothReached(1_250);
    phase(start, "reached " + 1_250);

    // Cut 2: the second subscriber's link, while the first one's passes nothing.
    long secondMark = bus.second.link.bytesUp();
    bus.second.link.cut();
    bus.first.link.blackhole();
    bus.feed(1_500);
    bus.second.link.restore();
    bus.first.link.restore();
    bus.second.awaitLinkUp(secondMark);
    bus.feed(2_000);
    bus.awaitBothReached(2_000);
    phase(start, "reached " + 2_000);

    // kill -9 of the relay while lines flow, and a new relay.
    bus.feed(2_250);
    bus.killAndRestartRelay();
    bus.feed(2_750);
    bus.awaitBothReached(2_750);
    phase(start, "reached " + 2_750);

    // kill -9 of the publisher, and a new one.
    Path outbox = bus.publisherOutbox();
    if (Files.isDirectory(outbox)) {
      // It keeps an outbox: kill it while what it sends goes nowhere; the new one continues its
      // epoch after the last line the outbox holds (the publisher sends nothing but lines).
      bus.publisherLink.blackhole();
      bus.feed(3_000);
      bus.killPublisher();
      bus.publisherLink.restore();
      bus.rewindTo(lastSeq(outbox) + 1);
    } else {
      // No outbox: the new publisher starts a new epoch; what the old one had not sent would be
      // lost without a trace, so it is killed once everything it was given arrived.
      bus.killPublisher();
    }
    bus.startPublisher();
    bus.feed(3_500);
    bus.awaitBothReached(3_500);
    phase(start, "reached " + 3_500);

    bus.feed(MESSAGES);
    bus.finishPublisher();
    bus.awaitBothReached(MESSAGES);
    phase(start, "reached " + MESSAGES);
    bus.first.stop();
    bus.second.stop();
  }

  /** Progress on the test's output: where the time goes on a loaded machine. */
  private static void phase(long start, String what) {
    System.out.printf("chaos: %5.1f s %s%n", (System.nanoTime() - start) / 1e9, what);
  }

  private static int lastSeq(Path outbox) {
    try (DurableOutbox o = DurableOutbox.open(outbox, 1_000_000, 1L << 30, Duration.ofDays(7), Clock.systemUTC())) {
      return (int) o.resumePoint().orElseThrow().lastSeq();
    }
  }

  static List<Integer> oneToN(int n) {
    return IntStream.rangeClosed(1, n).boxed().toList();
  }
}
