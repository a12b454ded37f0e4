package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * Live-traffic replay protection: the {@code timestamp} must be within {@code window} of now,
 * and a signer's {@code msg_id} is accepted once.
 *
 * <ul>
 *   <li><b>Keyed on the signer's key</b> ({@link SignerKeys}), not on the certificate bytes, which
 *       a fedmsg/1 signature does not cover: a re-encoded or renewed certificate of the same key
 *       cannot make a seen message new.
 *   <li><b>Two steps</b>: {@link #check} before the policy (rejects what is known), {@link
 *       #record} only once signature and policy have passed; so a signer without rights cannot
 *       put anything in the memory.
 *   <li><b>Bounded per signer</b>: each signer has its own {@code maxIdsPerSigner} ids, so no
 *       signer can evict another's. When a signer exceeds its bound, its oldest id is dropped and
 *       its <i>floor</i> rises to that id's timestamp: from then on its messages must be newer
 *       than the floor, so a forgotten id can never come back. At most {@code maxSigners}
 *       signers are kept (least recently active dropped first, with the same floor rule for
 *       signers seen afterwards).
 *   <li><b>Restarts</b>: with a state directory every recorded id is appended to a journal
 *       ({@link ReplayJournal}) and read back at start. Without one, or when the journal cannot
 *       be used, the <i>start rule</i> applies: a message whose timestamp is before the second
 *       this guard was created is refused (until the window has passed, the window check does
 *       it anyway), because the previous process may have accepted it.
 * </ul>
 *
 * A message accepted at t has a timestamp within [t - window, t + window], so an id is useful
 * only while its timestamp is within the window: it is forgotten once its timestamp is more than
 * a window in the past. Thread-safe: the bookkeeping (not the signature checks) runs under one
 * lock.
 */
final class ReplayGuard implements AutoCloseable {
  private static final int SWEEP_EVERY = 4096;

  private final double windowSeconds;
  private final long windowSecondsRounded;
  private final int maxIdsPerSigner;
  private final int maxSigners;
  private final Clock clock;
  /** Timestamps below this are refused (the start rule), or -infinity when memory was restored. */
  private double startFloor = Double.NEGATIVE_INFINITY;
  private final ReplayJournal journal;
  private final LinkedHashMap<String, SignerIds> signers = new LinkedHashMap<>(64, 0.75f, true);
  /** The floor a signer without state starts with: raised when a signer's state is dropped. */
  private double newSignerFloor = Double.NEGATIVE_INFINITY;
  private long recordsSinceSweep;

  /** One signer's remembered ids, oldest first, and its floor. */
  private static final class SignerIds {
    final SeenIds ids = new SeenIds();
    double floor;
    double newest = Double.NEGATIVE_INFINITY;

    SignerIds(double floor) {
      this.floor = floor;
    }
  }

  /**
   * @param stateDir where the journal is kept, or null for memory only (then the start rule)
   */
  ReplayGuard(Duration window, long maxIdsPerSigner, long maxSigners, Clock clock, Path stateDir) {
    this.windowSeconds = window.toMillis() / 1000.0;
    this.windowSecondsRounded = window.toSeconds();
    this.maxIdsPerSigner = (int) Math.min(Integer.MAX_VALUE, maxIdsPerSigner);
    this.maxSigners = (int) Math.min(Integer.MAX_VALUE, maxSigners);
    this.clock = clock;
    ReplayJournal opened = stateDir == null ? null : ReplayJournal.open(stateDir);
    boolean restored = opened != null && opened.load(this::restore);
    if (!restored) {
      // Whole seconds: fedmsg/1 timestamps are integer seconds, and a message signed in the
      // second the receiver starts must pass (a process restart takes longer than a second).
      startFloor = Math.max(startFloor, clock.instant().getEpochSecond());
    }
    if (opened != null) {
      // a fresh journal from the present state: from here on it holds everything accepted
      opened.startAppending(snapshot());
    }
    this.journal = opened;
  }

  /** Whether ids survive a restart (a state directory was given and its journal is usable). */
  synchronized boolean persistent() {
    return journal != null && journal.usable();
  }

  /**
   * The window, start-rule, floor and duplicate checks; records nothing.
   *
   * @return null if the message may pass, else the rejection
   */
  VerificationResult check(JsonNode body, String signerKey, Instant now) {
    JsonNode ts = body.get("timestamp");
    if (ts == null || ts.isNull()) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW, "no timestamp");
    }
    if (!ts.isNumber() || !Double.isFinite(ts.doubleValue())) {
      return VerificationResult.invalid(Reason.MALFORMED, "timestamp is not a number");
    }
    double t = ts.doubleValue();
    double skewSeconds = Math.abs(now.toEpochMilli() / 1000.0 - t);
    if (skewSeconds > windowSeconds) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW,
          String.format("timestamp %s is %.0f s from now (window %d s)", ts.asText(), skewSeconds, windowSecondsRounded));
    }
    double floor;
    synchronized (this) {
      floor = startFloor;
    }
    if (t < floor) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW, "timestamp " + ts.asText()
          + " is before this receiver started, and no replay memory survived the restart");
    }
    JsonNode id = body.get("msg_id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      return VerificationResult.invalid(Reason.MALFORMED, "no msg_id (needed for replay protection)");
    }
    SeenIds.Digest digest = SeenIds.Digest.of(id.textValue());
    synchronized (this) {
      SignerIds s = signers.get(signerKey);
      return refusal(s, s == null ? newSignerFloor : s.floor, t, id.textValue(), digest);
    }
  }

  /**
   * Remembers a message that passed every check, unless the same id was recorded meanwhile (two
   * copies verified at once).
   *
   * @return null if recorded, else the rejection (the id is a duplicate after all)
   */
  VerificationResult record(JsonNode body, String signerKey, Instant now) {
    double t = body.get("timestamp").doubleValue();
    String id = body.get("msg_id").textValue();
    SeenIds.Digest digest = SeenIds.Digest.of(id);
    synchronized (this) {
      SignerIds s = signers.get(signerKey);
      VerificationResult refused = refusal(s, s == null ? newSignerFloor : s.floor, t, id, digest);
      if (refused != null) {
        return refused;
      }
      if (s == null) {
        s = newSigner(signerKey);
      }
      double oldFloor = s.floor;
      add(s, digest, t, now.toEpochMilli() / 1000.0);
      if (journal != null) {
        journal.appendId(signerKey, t, id);
        if (s.floor != oldFloor) {
          journal.appendFloor(signerKey, s.floor);
        }
        if (journal.wantsCompaction(size())) {
          journal.compact(snapshot());
        }
      }
      if (++recordsSinceSweep >= SWEEP_EVERY) {
        recordsSinceSweep = 0;
        sweep(now.toEpochMilli() / 1000.0);
      }
      return null;
    }
  }

  /**
   * The checks for a message fetched by replay to fill a gap (its {@code seq} is checked apart,
   * exactly once, by {@link SequenceTracker#fill}): a {@code msg_id}, and a timestamp no further in
   * the future than the window. Unlike {@link #check} the timestamp
   * may be older than the window and than this receiver's start: the message is judged relative
   * to its own signing time, which the gap it fills vouches for.
   *
   * @return null if the message may pass, else the rejection
   */
  VerificationResult checkFill(JsonNode body, String signerKey, Instant now) {
    JsonNode ts = body.get("timestamp");
    if (ts == null || !ts.isNumber() || !Double.isFinite(ts.doubleValue())) {
      return VerificationResult.invalid(Reason.MALFORMED, "timestamp is not a number");
    }
    double ahead = ts.doubleValue() - now.toEpochMilli() / 1000.0;
    if (ahead > windowSeconds) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW,
          String.format("fetched message's timestamp %s is %.0f s in the future (window %d s)", ts.asText(), ahead,
              windowSecondsRounded));
    }
    JsonNode id = body.get("msg_id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      return VerificationResult.invalid(Reason.MALFORMED, "no msg_id (needed for replay protection)");
    }
    // An id seen before does not refuse a fill: ids are recorded when a message is verified, and a
    // process stopped between verifying a message and delivering it (its journal survives) must
    // still get it back. The open gap admits each seq once, which is the replay protection here.
    return null;
  }

  /**
   * Remembers a fetched message's id when its timestamp is still inside the window (a live copy
   * of it would then be a duplicate); an older one fails the live window check anyway.
   */
  void recordFill(JsonNode body, String signerKey, Instant now) {
    double t = body.get("timestamp").doubleValue();
    if (Math.abs(now.toEpochMilli() / 1000.0 - t) <= windowSeconds) {
      record(body, signerKey, now);
    }
  }

  private static VerificationResult refusal(SignerIds s, double floor, double t, String id, SeenIds.Digest digest) {
    if (t <= floor) {
      return VerificationResult.invalid(Reason.DUPLICATE, "msg_id " + id + ": timestamp is not after "
          + floor + ", the newest forgotten id of this signer (replay memory full)");
    }
    if (s != null && s.ids.contains(digest)) {
      return VerificationResult.invalid(Reason.DUPLICATE, "msg_id " + id + " already seen");
    }
    return null;
  }

  private SignerIds newSigner(String signerKey) {
    SignerIds s = new SignerIds(newSignerFloor);
    signers.put(signerKey, s);
    if (signers.size() > maxSigners) {
      Iterator<Map.Entry<String, SignerIds>> eldest = signers.entrySet().iterator();
      SignerIds dropped = eldest.next().getValue();
      eldest.remove();
      // the dropped signer's ids are forgotten: whoever appears next starts above them
      newSignerFloor = Math.max(newSignerFloor, Math.max(dropped.floor, dropped.newest));
      if (journal != null) {
        journal.appendNewSignerFloor(newSignerFloor);
      }
    }
    return s;
  }

  /** Adds an id, expiring old ids of this signer and raising its floor if it is over its bound. */
  private void add(SignerIds s, SeenIds.Digest digest, double t, double nowSeconds) {
    expire(s, nowSeconds);
    if (s.ids.contains(digest)) {
      return;  // only when restoring a journal that holds an id twice
    }
    s.ids.add(digest, t);
    s.newest = Math.max(s.newest, t);
    while (s.ids.size() > maxIdsPerSigner) {
      s.floor = Math.max(s.floor, s.ids.oldestTimestamp());
      s.ids.removeOldest();
    }
  }

  /** Drops ids whose timestamp is out of the window (they fail the window check anyway). */
  private void expire(SignerIds s, double nowSeconds) {
    while (!s.ids.isEmpty() && s.ids.oldestTimestamp() < nowSeconds - windowSeconds) {
      s.ids.removeOldest();
    }
  }

  private void sweep(double nowSeconds) {
    Iterator<SignerIds> it = signers.values().iterator();
    while (it.hasNext()) {
      SignerIds s = it.next();
      expire(s, nowSeconds);
      if (s.ids.isEmpty() && s.floor < nowSeconds - windowSeconds) {
        it.remove();
      }
    }
  }

  private long size() {
    long n = 0;
    for (SignerIds s : signers.values()) {
      n += s.ids.size();
    }
    return n;
  }

  /** Called by the journal for each stored line, oldest first. */
  private void restore(ReplayJournal.Entry e) {
    double nowSeconds = clock.millis() / 1000.0;
    switch (e.kind()) {
      case ID, DIGEST -> {
        if (e.timestamp() >= nowSeconds - windowSeconds) {
          SignerIds s = signers.get(e.signerKey());
          add(s != null ? s : newSigner(e.signerKey()), e.digest(), e.timestamp(), nowSeconds);
        }
      }
      case FLOOR -> {
        SignerIds s = signers.get(e.signerKey());
        s = s != null ? s : newSigner(e.signerKey());
        s.floor = Math.max(s.floor, e.timestamp());
      }
      case NEW_SIGNER_FLOOR -> newSignerFloor = Math.max(newSignerFloor, e.timestamp());
      case START_FLOOR -> startFloor = Math.max(startFloor, e.timestamp());
    }
  }

  /** Everything the journal must hold to restore the present state. */
  private List<ReplayJournal.Entry> snapshot() {
    List<ReplayJournal.Entry> out = new ArrayList<>();
    if (startFloor >= clock.millis() / 1000.0 - windowSeconds) {
      out.add(ReplayJournal.Entry.startFloor(startFloor));
    }
    if (newSignerFloor > Double.NEGATIVE_INFINITY) {
      out.add(ReplayJournal.Entry.newSignerFloor(newSignerFloor));
    }
    signers.forEach((key, s) -> {
      if (s.floor > Double.NEGATIVE_INFINITY) {
        out.add(ReplayJournal.Entry.floor(key, s.floor));
      }
      s.ids.forEach((digest, t) -> out.add(ReplayJournal.Entry.digest(key, t, digest)));
    });
    return out;
  }

  @Override
  public synchronized void close() {
    if (journal != null) {
      journal.close();
    }
  }
}
