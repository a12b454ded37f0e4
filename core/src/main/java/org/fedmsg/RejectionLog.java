package org.fedmsg;

import java.lang.ref.WeakReference;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.LogText;
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

  /** Every log, weakly: one daemon timer flushes them all, and a log nobody holds goes away. */
  private static final Set<WeakReference<RejectionLog>> LIVE = ConcurrentHashMap.newKeySet();
  private static final ScheduledExecutorService FLUSHER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fedmsg-audit-flush");
    t.setDaemon(true);
    return t;
  });

  static {
    FLUSHER.scheduleWithFixedDelay(RejectionLog::flushAll, INTERVAL_MILLIS, INTERVAL_MILLIS / 2, TimeUnit.MILLISECONDS);
  }

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
    LIVE.add(new WeakReference<>(this));
  }

  private static void flushAll() {
    LIVE.removeIf(ref -> {
      RejectionLog log = ref.get();
      if (log == null) {
        return true;
      }
      try {
        log.flushSuppressed();
      } catch (RuntimeException e) {
        AUDIT.warn("audit flush failed: {}", e.toString());
      }
      return false;
    });
  }

  /**
   * Counts and (rate-limited) logs a rejection. Every field that came off the wire is escaped
   * ({@link LogText}): one rejection is always one line.
   *
   * @param signer the verified signer (a good signature whose message failed a later check), or null
   * @param peer who delivered the message (remote address and our endpoint), or null if unknown
   */
  void record(Rejection rejection, String signer, String msgId, String peer) {
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
    AUDIT.warn("rejected message: reason={} cause={} topic={} signer={} msg_id={} peer={} detail={}{}",
        rejection.reason(), LogText.escape(rejection.cause()),
        rejection.topic().isEmpty() ? "-" : LogText.escape(rejection.topic()),
        LogText.escape(signer), LogText.escape(msgId), LogText.escape(peer), LogText.escape(rejection.detail()),
        quiet > 0 ? " (" + quiet + " more like it not logged)" : "");
  }

  void record(Rejection rejection, String signer, String msgId) {
    record(rejection, signer, msgId, null);
  }

  /**
   * Reports the rejections the rate limit held back, with their count, once their cause has been
   * quiet for an interval: a flood that stops is still accounted for in the log. Called on a
   * timer ({@link #FLUSHER}); returns the number of lines written.
   */
  int flushSuppressed() {
    long now = clock.millis();
    int lines = 0;
    for (Map.Entry<String, LongAdder> e : suppressed.entrySet()) {
      AtomicLong last = lastLogged.get(e.getKey());
      if (last == null || now - last.get() < INTERVAL_MILLIS || e.getValue().sum() == 0) {
        continue;
      }
      long n = e.getValue().sumThenReset();
      if (n > 0) {
        last.set(now);
        linesLogged.increment();
        lines++;
        AUDIT.warn("rejected messages: {} more with reason/cause {} not logged (rate limit, {} s)",
            n, LogText.escape(e.getKey()), INTERVAL_MILLIS / 1000);
      }
    }
    return lines;
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
