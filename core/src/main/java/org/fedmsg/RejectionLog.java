package org.fedmsg;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every rejection by reason and by cause, and writes it to the audit logger
 * ({@code org.fedmsg.audit}) at most once per cause per interval, with the number suppressed
 * since the last line, so a flood of bad input cannot flood the log.
 */
final class RejectionLog {
  static final Logger AUDIT = LoggerFactory.getLogger("org.fedmsg.audit");
  private static final long INTERVAL_MILLIS = 10_000;

  private final Clock clock;
  private final Map<Reason, LongAdder> byReason = new EnumMap<>(Reason.class);
  private final Map<String, LongAdder> byCause = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lastLogged = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> suppressed = new ConcurrentHashMap<>();
  private final LongAdder linesLogged = new LongAdder();

  RejectionLog(Clock clock) {
    this.clock = clock;
    for (Reason reason : Reason.values()) {
      byReason.put(reason, new LongAdder());
    }
  }

  void record(Rejection rejection, String signer, String msgId) {
    byReason.get(rejection.reason()).increment();
    String key = rejection.reason() + "/" + rejection.cause();
    byCause.computeIfAbsent(key, k -> new LongAdder()).increment();
    long now = clock.millis();
    AtomicLong last = lastLogged.computeIfAbsent(key, k -> new AtomicLong(Long.MIN_VALUE));
    long previous = last.get();
    if (previous != Long.MIN_VALUE && now - previous < INTERVAL_MILLIS || !last.compareAndSet(previous, now)) {
      suppressed.computeIfAbsent(key, k -> new LongAdder()).increment();
      return;
    }
    linesLogged.increment();
    LongAdder dropped = suppressed.get(key);
    long quiet = dropped == null ? 0 : dropped.sumThenReset();
    AUDIT.warn("rejected message: reason={} cause={} topic={} signer={} msg_id={} detail={}{}",
        rejection.reason(), rejection.cause(), rejection.topic().isEmpty() ? "-" : rejection.topic(),
        signer == null ? "-" : signer, msgId == null ? "-" : msgId, rejection.detail(),
        quiet > 0 ? " (" + quiet + " more like it not logged)" : "");
  }

  /** Audit lines written so far (for tests of the rate limit). */
  long linesLogged() {
    return linesLogged.sum();
  }

  long count(Reason reason) {
    return byReason.get(reason).sum();
  }

  Map<Reason, Long> byReason() {
    Map<Reason, Long> out = new EnumMap<>(Reason.class);
    byReason.forEach((reason, n) -> {
      long sum = n.sum();
      if (sum > 0) {
        out.put(reason, sum);
      }
    });
    return out;
  }

  Map<String, Long> byCause() {
    Map<String, Long> out = new TreeMap<>();
    byCause.forEach((cause, n) -> out.put(cause, n.sum()));
    return out;
  }
}
