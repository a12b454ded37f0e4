package org.fedmsg;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.LogText;
import org.fedmsg.reliable.LostRange;
import org.fedmsg.reliable.SeqRange;
import org.fedmsg.wire.MessageVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gap fill on the critical bus, between the ordered completion stage and delivery: subscribers,
 * the hub and the relay's inbound side use it alike.
 *
 * <p>A fedmsg/2 message that shows a gap in its publisher's epoch (sequence numbers skipped) opens
 * that range; a fetch of it is queued for the one gap-fill thread, which asks the replay endpoints
 * ({@link Fetcher}) off the receiving thread. Fetched frames are prepared (signature, chain,
 * policy) on that thread and completed in the ordered stage with {@link
 * MessageVerifier#completeFill}, which accepts each seq of an open gap exactly once.
 *
 * <p>Delivery, per {@code gap_fill.mode}:
 * <ul>
 *   <li>{@code hold} (default): while a range of a publisher's epoch is open, that publisher's
 *       later messages wait (at most {@code gap_fill.max_held} in all; beyond, the oldest open
 *       range is given up as {@code overflow}); filled messages join them, and they go out in seq
 *       order as soon as nothing below them is still open. A range still open after {@code
 *       gap_fill.max_wait} is given up (lost) and what waited behind it goes out.
 *   <li>{@code late}: nothing waits; a filled message goes out when it arrives, flagged {@link
 *       Message#late()}.
 * </ul>
 *
 * <p>What is not filled is reported ({@link #report}): counted, one audit line naming the
 * publisher and the exact range, {@link BusListener#onLoss}, and kept for the heartbeat ({@code
 * fedmsg status} goes WARNING). Its range is closed in the verifier, so a copy fetched later is
 * refused.
 *
 * <p>Threads: the per-publisher state is touched only in the ordered stage ({@link Ordered}), one
 * task at a time; the fetch thread and the timer only hand tasks to it.
 */
final class GapFill implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GapFill.class);
  /** A gap is fetched in requests of at most this many seqs. */
  static final long FETCH_CHUNK = 1_000;
  /** The rest of an old epoch is asked for in chunks of this many seqs. */
  static final long TAIL_CHUNK = 1_000;
  /** Fetches waiting for the gap-fill thread at most; beyond, a new gap is reported lost at once. */
  static final int MAX_QUEUED_FETCHES = 1_000;

  enum Mode {
    HOLD, LATE;

    static Mode parse(String text) {
      return switch (text) {
        case "hold" -> HOLD;
        case "late" -> LATE;
        default -> throw new ConfigException("gap_fill.mode: '" + text + "' is not one of hold, late");
      };
    }
  }

  /** Runs a task in the receiving pipeline's ordered stage (one at a time, with the live messages). */
  @FunctionalInterface
  interface Ordered {
    void run(Runnable task);
  }

  /** Where a message goes once its turn has come. */
  @FunctionalInterface
  interface Sink {
    void deliver(List<byte[]> frames, Receiver.Accepted accepted);
  }

  /** Asks the replay endpoints for a range of a publisher's epoch. Called on the gap-fill thread. */
  interface Fetcher {
    /**
     * @return the frames of the messages held (in seq order), with the ranges not held
     * @throws FetchFailure when no endpoint answered (retried until {@code gap_fill.max_wait})
     */
    Batch fetch(String fingerprint, String epoch, long from, long to) throws FetchFailure;

    /** Whether any replay endpoint is known at all (if not, gaps are lost at once: {@code no-endpoint}). */
    boolean available();
  }

  /** A fetch's answer: messages held, ranges the endpoint does not hold, ranges that were statistical. */
  record Batch(List<List<byte[]>> messages, List<SeqRange> missing, List<SeqRange> statistical) {
    Batch {
      messages = List.copyOf(messages);
      missing = List.copyOf(missing);
      statistical = List.copyOf(statistical);
    }
  }

  /** No endpoint could answer; {@code reason} is {@code unreachable} or {@code no-endpoint}. */
  static final class FetchFailure extends Exception {
    final String reason;

    FetchFailure(String reason, String detail) {
      super(detail);
      this.reason = reason;
    }
  }

  /** One message waiting for its turn. */
  private record Held(List<byte[]> frames, Receiver.Accepted accepted) {}

  /** One publisher's epoch: open ranges and, in hold mode, what waits behind them (by seq). */
  private static final class Publisher {
    final String signerKey;
    final String fingerprint;
    final String epoch;
    String signer;
    /** Open ranges, from -> to (each given up by its own timer after max_wait). */
    final TreeMap<Long, Long> open = new TreeMap<>();
    final TreeMap<Long, Held> held = new TreeMap<>();

    Publisher(String signerKey, String fingerprint, String epoch, String signer) {
      this.signerKey = signerKey;
      this.fingerprint = fingerprint;
      this.epoch = epoch;
      this.signer = signer;
    }

    long lowestOpen() {
      return open.isEmpty() ? Long.MAX_VALUE : open.firstKey();
    }

    /** Removes [from, to] from the open ranges; returns the parts that were open. */
    List<SeqRange> resolve(long from, long to) {
      List<SeqRange> was = new ArrayList<>();
      for (Long start : open.keySet().toArray(new Long[0])) {
        long end = open.get(start);
        if (end < from || start > to) {
          continue;
        }
        open.remove(start);
        was.add(new SeqRange(Math.max(start, from), Math.min(end, to)));
        if (start < from) {
          open.put(start, from - 1);
        }
        if (end > to) {
          open.put(to + 1, end);
        }
      }
      return was;
    }
  }

  private final Receiver receiver;
  private final MessageVerifier verifier;
  private final Ordered ordered;
  private final Sink sink;
  private final Fetcher fetcher;
  private final Mode mode;
  private final Duration maxWait;
  private final int maxHeld;
  private final BusListener listener;
  private final ScheduledExecutorService thread;
  private final AtomicInteger queued = new AtomicInteger();
  private final Map<String, Publisher> publishers = new HashMap<>();
  /** Saved positions of a resumed subscriber not yet matched with a live message (by signer key). */
  private final Map<String, GapFillPositions.Position> resumed = new HashMap<>();
  private int heldCount;
  private final LongAdder filled = new LongAdder();
  private final LongAdder lost = new LongAdder();
  /** Where this pipeline's lost ranges are kept (shared with its {@link ReferenceGapFill}). */
  private final RecentLosses recent;
  private volatile boolean closed;

  GapFill(Receiver receiver, MessageVerifier verifier, Ordered ordered, Sink sink, Fetcher fetcher, Mode mode,
      Duration maxWait, int maxHeld, BusListener listener, String name, RecentLosses recent) {
    if (maxHeld < 1 || maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("gap_fill bounds must be positive: max_held=" + maxHeld + " max_wait=" + maxWait);
    }
    this.receiver = receiver;
    this.verifier = verifier;
    this.ordered = ordered;
    this.sink = sink;
    this.fetcher = fetcher;
    this.mode = mode;
    this.maxWait = maxWait;
    this.maxHeld = maxHeld;
    this.listener = listener;
    this.recent = recent;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fedmsg-" + name + "-gapfill");
      t.setDaemon(true);
      return t;
    });
    receiver.fillsGaps(true);
  }

  /**
   * An accepted live message, in the ordered stage: delivered now, or held behind an open range of
   * its publisher; a gap it shows is opened and fetched.
   */
  void offer(List<byte[]> frames, Receiver.Accepted a) {
    if (a.signerKey() == null) {
      sink.deliver(frames, a);
      return;
    }
    if (!resumed.isEmpty()) {
      resumeOldEpoch(a);
    }
    Publisher p = publishers.get(key(a.signerKey(), a.epoch()));
    if (a.missed() > 0) {
      p = publisher(a);
      open(p, a.seq() - a.missed(), a.seq() - 1);
    }
    if (mode == Mode.HOLD && p != null && p.lowestOpen() < a.seq()) {
      hold(p, frames, a);
      release(p);
    } else {
      sink.deliver(frames, a);
    }
  }

  /**
   * A resumed subscriber's expectation, in the ordered stage: [from, to] of a publisher's epoch
   * were delivered to nobody while it was down; they are fetched as a gap.
   */
  void expect(String signerKey, String fingerprint, String epoch, String signer, long from, long to) {
    if (from > to) {
      return;
    }
    verifier.expectGap(signerKey, epoch, from, to);
    Publisher p = publishers.computeIfAbsent(key(signerKey, epoch), k -> new Publisher(signerKey, fingerprint, epoch,
        signer));
    open(p, from, to);
  }

  /**
   * A resumed subscriber's saved positions, in the ordered stage before any message: the first
   * live message of each publisher shows what was missed (a gap of the same epoch, filled as
   * usual); a publisher seen with a new epoch gets the rest of the saved epoch asked for too.
   */
  void resumeFrom(List<GapFillPositions.Position> saved) {
    for (GapFillPositions.Position pos : saved) {
      resumed.put(pos.signerKey(), pos);
    }
  }

  private void resumeOldEpoch(Receiver.Accepted a) {
    GapFillPositions.Position pos = resumed.remove(a.signerKey());
    if (pos == null || pos.epoch().equals(a.epoch())) {
      return;
    }
    LOG.info("the publisher signing as {} started epoch {}; asking for the rest of epoch {} after seq {}",
        LogText.escape(pos.signer()), LogText.escape(a.epoch()), LogText.escape(pos.epoch()), pos.seq());
    verifier.expectGap(pos.signerKey(), pos.epoch(), pos.seq() + 1, pos.seq() + TAIL_CHUNK);
    Publisher p = publishers.computeIfAbsent(key(pos.signerKey(), pos.epoch()),
        k -> new Publisher(pos.signerKey(), pos.fingerprint(), pos.epoch(), pos.signer()));
    open(p, pos.seq() + 1, pos.seq() + TAIL_CHUNK, true);
  }

  private Publisher publisher(Receiver.Accepted a) {
    Publisher p = publishers.computeIfAbsent(key(a.signerKey(), a.epoch()),
        k -> new Publisher(a.signerKey(), a.fingerprint(), a.epoch(), a.message().signer().orElse("?")));
    p.signer = a.message().signer().orElse(p.signer);
    return p;
  }

  private static String key(String signerKey, String epoch) {
    return signerKey + ' ' + epoch;
  }

  private void open(Publisher p, long from, long to) {
    open(p, from, to, false);
  }

  /**
   * @param tail the range is a chunk of the rest of an old epoch (a resumed subscriber whose
   *     publisher restarted with a new epoch): where the answer runs out, the epoch ended
   */
  private void open(Publisher p, long from, long to, boolean tail) {
    if (to - from >= FETCH_CHUNK) {
      if ((to - from) / FETCH_CHUNK >= MAX_QUEUED_FETCHES - queued.get()) {
        p.open.put(from, to);   // more than the fetch queue can take: lost at once, in one report
        giveUp(p, from, to, "overflow");
        return;
      }
      // one fetch per chunk: a large gap is never held in memory at once
      for (long start = from; start <= to && start > 0; start += FETCH_CHUNK) {
        open(p, start, Math.min(to, start + FETCH_CHUNK - 1), tail);
      }
      return;
    }
    if (!fetcher.available()) {
      p.open.put(from, to);
      giveUp(p, from, to, "no-endpoint");
      return;
    }
    if (queued.incrementAndGet() > MAX_QUEUED_FETCHES) {
      queued.decrementAndGet();
      p.open.put(from, to);
      giveUp(p, from, to, "overflow");
      return;
    }
    p.open.put(from, to);
    LOG.info("gap: {} message(s) of the publisher signing as {} (epoch {}, seq {}-{}) missed; asking the replay endpoints",
        to - from + 1, LogText.escape(p.signer), LogText.escape(p.epoch), from, to);
    long deadline = System.nanoTime() + maxWait.toNanos();
    try {
      thread.execute(() -> fetch(p, from, to, deadline, tail));
      thread.schedule(() -> ordered.run(() -> expire(p, from, to)), maxWait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      queued.decrementAndGet();
    }
  }

  /** On the gap-fill thread: fetch, retrying until the deadline, then hand the result to the ordered stage. */
  private void fetch(Publisher p, long from, long to, long deadline, boolean tail) {
    try {
      long backoffMillis = 100;
      while (!closed) {
        try {
          Batch batch = fetcher.fetch(p.fingerprint, p.epoch, from, to);
          List<Inbound.Pending> prepared = new ArrayList<>(batch.messages().size());
          for (List<byte[]> frames : batch.messages()) {
            prepared.add(receiver.prepare(java.util.Arrays.asList(frames.toArray(new byte[0][]))));
          }
          ordered.run(() -> apply(p, from, to, batch, prepared, tail));
          return;
        } catch (FetchFailure f) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || "no-endpoint".equals(f.reason)) {
            ordered.run(() -> giveUp(p, from, to, f.reason));
            return;
          }
          LOG.debug("replay fetch of {} seq {}-{} failed ({}), retrying", p.epoch, from, to, f.getMessage());
          try {
            Thread.sleep(Math.min(backoffMillis, TimeUnit.NANOSECONDS.toMillis(left) + 1));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          backoffMillis = Math.min(backoffMillis * 2, 2_000);
        } catch (RuntimeException e) {
          LOG.warn("replay fetch of {} seq {}-{} failed: {}", p.epoch, from, to, e.toString());
          ordered.run(() -> giveUp(p, from, to, "unreachable"));
          return;
        }
      }
    } finally {
      queued.decrementAndGet();
    }
  }

  /** In the ordered stage: a fetch's answer. */
  private void apply(Publisher p, long from, long to, Batch batch, List<Inbound.Pending> prepared, boolean tail) {
    long highest = from - 1;
    for (int i = 0; i < prepared.size(); i++) {
      if (prepared.get(i).prepared != null) {
        highest = Math.max(highest, prepared.get(i).prepared.seq());
      }
    }
    if (tail) {
      // the old epoch ended where the endpoint's messages end: nothing after them is a loss
      if (highest < to) {
        p.resolve(highest + 1, to);
        verifier.closeGap(p.signerKey, p.epoch, highest + 1, to);
      } else {
        verifier.expectGap(p.signerKey, p.epoch, to + 1, to + TAIL_CHUNK);
        open(p, to + 1, to + TAIL_CHUNK, true);
      }
    }
    for (int i = 0; i < prepared.size(); i++) {
      List<byte[]> frames = batch.messages().get(i);
      Receiver.Accepted a = receiver.completeAccepted(prepared.get(i), null, true);
      if (a == null || a.signerKey() == null) {
        continue;  // refused and counted by the receiver; its seq stays open and is reported below
      }
      if (!a.signerKey().equals(p.signerKey) || !a.epoch().equals(p.epoch)) {
        continue;  // another publisher's gap it filled; never expected here (the verifier only fills open gaps)
      }
      if (p.resolve(a.seq(), a.seq()).isEmpty()) {
        continue;
      }
      filled.increment();
      if (mode == Mode.HOLD && !p.held.isEmpty() || mode == Mode.HOLD && p.lowestOpen() < a.seq()) {
        hold(p, frames, a);
      } else if (mode == Mode.LATE) {
        sink.deliver(frames, new Receiver.Accepted(a.message().asLate(), 0, a.signerKey(), a.fingerprint(), a.epoch(),
            a.seq()));
      } else {
        sink.deliver(frames, a);
      }
    }
    for (SeqRange s : batch.statistical()) {
      p.resolve(s.from(), s.to());
      verifier.closeGap(p.signerKey, p.epoch, s.from(), s.to());
    }
    for (SeqRange m : batch.missing()) {
      if (!tail || m.from() <= highest) {
        giveUp(p, m.from(), Math.min(m.to(), tail ? highest : m.to()), "missing");
      }
    }
    // what the answer neither held nor named, or what failed verification
    giveUp(p, from, to, "refused");
    release(p);
  }

  /** In the ordered stage: a range still open after max_wait is lost. */
  private void expire(Publisher p, long from, long to) {
    giveUp(p, from, to, "unreachable");
  }

  /** Reports what is still open of [from, to] as lost, closes it, and lets what waited behind it go. */
  private void giveUp(Publisher p, long from, long to, String reason) {
    for (SeqRange r : p.resolve(from, to)) {
      verifier.closeGap(p.signerKey, p.epoch, r.from(), r.to());
      report(p, r, reason);
    }
    release(p);
  }

  private void hold(Publisher p, List<byte[]> frames, Receiver.Accepted a) {
    if (p.held.put(a.seq(), new Held(frames, a)) == null) {
      heldCount++;
    }
    while (heldCount > maxHeld) {
      Publisher oldest = oldestWithOpen();
      if (oldest == null) {
        break;
      }
      Map.Entry<Long, Long> first = oldest.open.firstEntry();
      giveUp(oldest, first.getKey(), first.getValue(), "overflow");
    }
  }

  private Publisher oldestWithOpen() {
    Publisher best = null;
    for (Publisher p : publishers.values()) {
      if (!p.open.isEmpty() && !p.held.isEmpty() && (best == null || p.held.size() > best.held.size())) {
        best = p;
      }
    }
    return best;
  }

  /** Delivers, in seq order, every held message with nothing open below it. */
  private void release(Publisher p) {
    long lowest = p.lowestOpen();
    Iterator<Map.Entry<Long, Held>> it = p.held.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Held> e = it.next();
      if (e.getKey() > lowest) {
        break;
      }
      it.remove();
      heldCount--;
      sink.deliver(e.getValue().frames(), e.getValue().accepted());
    }
    if (p.open.isEmpty() && p.held.isEmpty()) {
      publishers.remove(key(p.signerKey, p.epoch));
    }
  }

  private void report(Publisher p, SeqRange r, String reason) {
    lost.add(r.length());
    RejectionLog.AUDIT.warn("lost: {} message(s) of the publisher signing as {} (certificate sha256 {}), epoch {} seq {}:"
        + " {}", r.length(), LogText.escape(p.signer), p.fingerprint, LogText.escape(p.epoch), r, reason);
    recent.report(new LostRange(p.signer, p.fingerprint, p.epoch, r, reason), listener);
  }

  /** Messages fetched and delivered so far. */
  long filled() {
    return filled.sum();
  }

  /** Sequence numbers reported lost so far. */
  long lost() {
    return lost.sum();
  }

  /** The latest lost ranges, oldest first (at most {@value RecentLosses#CAPACITY}), the reference gap fill's too. */
  List<LostRange> recentLosses() {
    return recent.list();
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
