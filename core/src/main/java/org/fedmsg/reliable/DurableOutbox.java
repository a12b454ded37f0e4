package org.fedmsg.reliable;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox of one publisher on the critical bus: the exact signed frames of every
 * critical message, appended (written to the operating system) <em>before</em> the message is
 * sent, so a crash or {@code kill -9} of the publisher loses none of them. The outbox is what a
 * replay endpoint serves and what lets a restarted publisher continue its epoch.
 *
 * <h2>File</h2>
 * {@code <dir>/outbox.log}, append-only records, big-endian:
 * {@code record_len(4) seq(8) written_ms(8) epoch_len(1) epoch frame_count(1) (frame_len(4) frame)*}.
 * A torn last record (a crash while writing) is cut off when the file is read again. The file is
 * forced to disk at most once a second: a power cut can lose the last second, a process crash
 * nothing. It is rewritten (temporary file, then rename) when more than half of it holds records
 * that were evicted. {@code <dir>/outbox.lock} keeps a second process off the same outbox.
 *
 * <h2>Bounds</h2>
 * At most {@code maxMessages} records and {@code maxBytes} of frames, none older than
 * {@code maxAge}. Appending past a bound evicts the oldest records; records evicted by the
 * count or size bound while younger than {@code maxAge} are counted as {@link #overflowed()} and
 * logged (those are the messages a replay can no longer serve although a subscriber might still
 * ask for them). Age eviction is the normal end of a record and is not counted.
 *
 * <h2>Epochs</h2>
 * Every {@code seq} the publisher uses is written before its message is sent: kept messages as
 * records, the others (statistical topics) as small markers ({@link #mark}). {@link
 * #resumePoint()} is the epoch and last {@code seq} of the newest of them: a restarted
 * publisher continues that epoch from the next {@code seq}, so receivers see one unbroken epoch
 * (a message appended but never sent before the crash is a gap they fill by replay). When the
 * outbox is empty the publisher starts a fresh epoch.
 *
 * <p>Thread-safe (one lock).
 */
public final class DurableOutbox implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DurableOutbox.class);
  static final String FILE = "outbox.log";
  static final String LOCK = "outbox.lock";
  private static final long FORCE_INTERVAL_NANOS = 1_000_000_000L;

  /** One stored message. Frames are never handed out without a copy. */
  public record Entry(String epoch, long seq, long writtenMillis, List<byte[]> frames) {
    public Entry {
      Objects.requireNonNull(epoch, "epoch");
      frames = List.copyOf(frames);
    }

    /** A copy of the frames, exactly as they were signed. */
    public byte[][] framesCopy() {
      byte[][] out = new byte[frames.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = frames.get(i).clone();
      }
      return out;
    }

    long size() {
      long n = 0;
      for (byte[] f : frames) {
        n += f.length;
      }
      return n;
    }
  }

  /** Where a restarted publisher continues: an epoch and the last {@code seq} written in it. */
  public record ResumePoint(String epoch, long lastSeq) {}

  private final Path dir;
  private final int maxMessages;
  private final long maxBytes;
  private final Duration maxAge;
  private final Clock clock;
  private final Deque<Entry> entries = new ArrayDeque<>();
  /**
   * The seqs that went to statistical topics (markers), per epoch, as ranges start -> end: a
   * replay answers them as "statistical, nothing to fill" rather than as lost.
   */
  private final Map<String, TreeMap<Long, Long>> statistical = new HashMap<>();
  private int statisticalRanges;
  private final LongAdder overflowed = new LongAdder();
  private final DirectoryLock lock;
  private FileChannel log;
  private long bytes;
  private long deadRecords;
  private long lastForce;
  private boolean closed;
  /** The newest record of any kind (a kept message or a marker): where the epoch resumes. */
  private ResumePoint resume;

  private DurableOutbox(Path dir, int maxMessages, long maxBytes, Duration maxAge, Clock clock, DirectoryLock lock) {
    this.dir = dir;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.maxAge = maxAge;
    this.clock = clock;
    this.lock = lock;
  }

  /**
   * Opens (creating it if needed) the outbox in {@code dir} and reads what it holds.
   *
   * @throws IllegalArgumentException when a bound is not positive
   * @throws IllegalStateException when another process holds the outbox
   * @throws UncheckedIOException when the directory cannot be used
   */
  public static DurableOutbox open(Path dir, int maxMessages, long maxBytes, Duration maxAge, Clock clock) {
    if (maxMessages < 1 || maxBytes < 1 || maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("outbox bounds must be positive: max_messages=" + maxMessages + " max_bytes="
          + maxBytes + " max_age=" + maxAge);
    }
    try {
      DirectoryLock lock = DirectoryLock.tryAcquire(dir, LOCK);
      if (lock == null) {
        throw new IllegalStateException("the outbox " + dir + " is in use by another process (" + LOCK + " is locked)");
      }
      DurableOutbox box = new DurableOutbox(dir, maxMessages, maxBytes, maxAge, clock, lock);
      box.load();
      return box;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the outbox " + dir + ": " + e.getMessage(), e);
    }
  }

  private void load() throws IOException {
    Path file = dir.resolve(FILE);
    long good = 0;
    if (Files.exists(file)) {
      ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
      while (all.remaining() >= 4) {
        int len = all.getInt();
        if (len < 0 || len > all.remaining()) {
          break;
        }
        ByteBuffer rec = all.slice(all.position(), len);
        all.position(all.position() + len);
        Decoded d = decode(rec);
        if (d == null) {
          break;
        }
        Entry e = d.entry();
        if (!e.frames().isEmpty()) {
          entries.addLast(e);
          bytes += e.size();
        } else if (d.markTo() >= e.seq()) {
          addMarker(e.epoch(), e.seq(), d.markTo());
        }
        resume = new ResumePoint(e.epoch(), Math.max(e.seq(), d.markTo()));
        good = all.position();
      }
      if (good < all.capacity()) {
        LOG.warn("outbox {}: cut off {} bytes of a torn last record", dir, all.capacity() - good);
      }
    }
    log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    log.truncate(good);
    log.position(good);
    evict();
  }

  /**
   * A record read back. A record without frames is a marker of one seq ({@code markTo == seq}),
   * of a range written by a compaction ({@code markTo > seq}), or only the resume point
   * ({@code markTo == -1}).
   */
  private record Decoded(Entry entry, long markTo) {}

  private static Decoded decode(ByteBuffer rec) {
    try {
      long seq = rec.getLong();
      long written = rec.getLong();
      int epochLen = rec.get() & 0xff;
      byte[] epoch = new byte[epochLen];
      rec.get(epoch);
      int count = rec.get() & 0xff;
      List<byte[]> frames = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int n = rec.getInt();
        if (n < 0 || n > rec.remaining()) {
          return null;
        }
        byte[] f = new byte[n];
        rec.get(f);
        frames.add(f);
      }
      Entry e = new Entry(new String(epoch, StandardCharsets.UTF_8), seq, written, frames);
      if (!rec.hasRemaining()) {
        return new Decoded(e, frames.isEmpty() ? seq : -1);
      }
      if (count != 0) {
        return null;
      }
      if (rec.remaining() == Long.BYTES) {
        long to = rec.getLong();
        return to < seq ? null : new Decoded(e, to);
      }
      return rec.remaining() == 1 && rec.get() == RESUME_ONLY ? new Decoded(e, -1) : null;
    } catch (java.nio.BufferUnderflowException e) {
      return null;
    }
  }

  private static final byte RESUME_ONLY = 'R';

  private static byte[] encode(Entry e) {
    return encode(e, null);
  }

  /** @param tail extra bytes after a frameless record: a range's end, or the resume-only tag */
  private static byte[] encode(Entry e, byte[] tail) {
    try {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(body);
      out.writeLong(e.seq());
      out.writeLong(e.writtenMillis());
      byte[] epoch = e.epoch().getBytes(StandardCharsets.UTF_8);
      out.writeByte(epoch.length);
      out.write(epoch);
      out.writeByte(e.frames().size());
      for (byte[] f : e.frames()) {
        out.writeInt(f.length);
        out.write(f);
      }
      if (tail != null) {
        out.write(tail);
      }
      byte[] b = body.toByteArray();
      return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
  }

  /**
   * Appends a message's exact frames; returns once they are written to the operating system.
   * Call before sending the message.
   *
   * @throws UncheckedIOException when the write fails (the caller must not send the message as
   *     critical then: it would not be replayable)
   */
  public synchronized void append(String epoch, long seq, byte[][] frames) {
    if (closed) {
      throw new IllegalStateException("the outbox " + dir + " is closed");
    }
    if (frames.length > 255 || epoch.length() > 64) {
      throw new IllegalArgumentException("at most 255 frames and a 64-character epoch");
    }
    List<byte[]> copy = new ArrayList<>(frames.length);
    for (byte[] f : frames) {
      copy.add(f.clone());
    }
    Entry e = new Entry(epoch, seq, clock.millis(), copy);
    write(e);
    entries.addLast(e);
    bytes += e.size();
    evict();
  }

  /**
   * Records that {@code seq} of {@code epoch} was used by a message that is not kept (a
   * statistical topic), so that a restart never reuses it: a small marker record, written before
   * the message is sent.
   */
  public synchronized void mark(String epoch, long seq) {
    if (closed) {
      throw new IllegalStateException("the outbox " + dir + " is closed");
    }
    write(new Entry(epoch, seq, clock.millis(), List.of()));
    addMarker(epoch, seq, seq);
    if (deadRecords > 1024 && deadRecords > entries.size()) {
      compact();
    }
  }

  private void write(Entry e) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(encode(e));
      while (buf.hasRemaining()) {
        log.write(buf);
      }
      long now = System.nanoTime();
      if (now - lastForce > FORCE_INTERVAL_NANOS) {
        log.force(false);
        lastForce = now;
      }
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot append to the outbox " + dir + ": " + ex.getMessage(), ex);
    }
    resume = new ResumePoint(e.epoch(), e.seq());
    deadRecords += e.frames().isEmpty() ? 1 : 0;
  }

  private void evict() throws UncheckedIOException {
    long cutoff = clock.millis() - maxAge.toMillis();
    long overflowNow = 0;
    Entry oldestLost = null;
    while (!entries.isEmpty()) {
      Entry first = entries.peekFirst();
      boolean old = first.writtenMillis() < cutoff;
      boolean over = entries.size() > maxMessages || bytes > maxBytes;
      if (!old && !over) {
        break;
      }
      entries.removeFirst();
      bytes -= first.size();
      deadRecords++;
      if (!old) {
        overflowNow++;
        if (oldestLost == null) {
          oldestLost = first;
        }
      }
    }
    if (overflowNow > 0) {
      overflowed.add(overflowNow);
      LOG.warn("outbox {}: full (max_messages={}, max_bytes={}): {} message(s) younger than max_age={} evicted, "
          + "from epoch {} seq {}; they can no longer be replayed ({} so far)", dir, maxMessages, maxBytes, overflowNow,
          maxAge, oldestLost.epoch(), oldestLost.seq(), overflowed.sum());
    }
    if (deadRecords > 1024 && deadRecords > entries.size()) {
      compact();
    }
  }

  /** Rewrites the file with the live records only (temporary file, forced, then renamed). */
  private void compact() {
    Path tmp = dir.resolve(FILE + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      pruneMarkers();
      List<byte[]> records = new ArrayList<>();
      long now = clock.millis();
      // Marker ranges first, then the messages, then the resume point: the last record read back
      // is where the epoch resumes.
      for (Map.Entry<String, TreeMap<Long, Long>> epoch : statistical.entrySet()) {
        for (Map.Entry<Long, Long> r : epoch.getValue().entrySet()) {
          records.add(encode(new Entry(epoch.getKey(), r.getKey(), now, List.of()),
              ByteBuffer.allocate(Long.BYTES).putLong(r.getValue()).array()));
        }
      }
      for (Entry e : entries) {
        records.add(encode(e));
      }
      if (resume != null) {
        records.add(encode(new Entry(resume.epoch(), resume.lastSeq(), now, List.of()), new byte[] {RESUME_ONLY}));
      }
      for (byte[] r : records) {
        ByteBuffer buf = ByteBuffer.wrap(r);
        while (buf.hasRemaining()) {
          out.write(buf);
        }
      }
      out.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compact the outbox " + dir + ": " + e.getMessage(), e);
    }
    try {
      log.close();
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      log = FileChannel.open(dir.resolve(FILE), StandardOpenOption.WRITE);
      log.position(log.size());
      deadRecords = 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace the outbox " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The epoch and last {@code seq} used (kept or marked), if any: where a restarted publisher
   * continues.
   */
  public synchronized Optional<ResumePoint> resumePoint() {
    return Optional.ofNullable(resume);
  }

  /**
   * The stored messages of {@code epoch} with {@code from <= seq <= to}, oldest first, at most
   * {@code limit} of them.
   *
   * @throws IllegalStateException when the outbox is closed
   */
  public synchronized List<Entry> range(String epoch, long from, long to, int limit) {
    if (closed) {
      throw new IllegalStateException("the outbox " + dir + " is closed");
    }
    evict();
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (out.size() >= limit) {
        break;
      }
      if (e.epoch().equals(epoch) && e.seq() >= from && e.seq() <= to) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * The seqs of {@code epoch} within {@code [from, to]} that went to statistical topics (marked,
   * not kept), as ranges in order.
   */
  public synchronized List<SeqRange> statistical(String epoch, long from, long to) {
    TreeMap<Long, Long> ranges = statistical.get(epoch);
    List<SeqRange> out = new ArrayList<>();
    if (ranges == null) {
      return out;
    }
    Long start = ranges.floorKey(from);
    for (Map.Entry<Long, Long> r : ranges.tailMap(start == null ? from : start, true).entrySet()) {
      if (r.getKey() > to) {
        break;
      }
      long a = Math.max(from, r.getKey());
      long b = Math.min(to, r.getValue());
      if (a <= b) {
        out.add(new SeqRange(a, b));
      }
    }
    return out;
  }

  private void addMarker(String epoch, long from, long to) {
    TreeMap<Long, Long> ranges = statistical.computeIfAbsent(epoch, k -> new TreeMap<>());
    Map.Entry<Long, Long> before = ranges.floorEntry(from);
    if (before != null && before.getValue() >= from - 1) {
      // Extends (or lies inside) the range before it: markers come in seq order.
      if (to > before.getValue()) {
        ranges.put(before.getKey(), to);
      }
    } else {
      ranges.put(from, to);
      statisticalRanges++;
    }
    Map.Entry<Long, Long> after = ranges.higherEntry(from);
    if (after != null && after.getKey() <= ranges.floorEntry(from).getValue() + 1) {
      Map.Entry<Long, Long> merged = ranges.floorEntry(from);
      ranges.put(merged.getKey(), Math.max(merged.getValue(), after.getValue()));
      ranges.remove(after.getKey());
      statisticalRanges--;
    }
    if (statisticalRanges > maxMessages + 64) {
      pruneMarkers();
    }
  }

  /**
   * Forgets marker ranges nobody can need: those of epochs without kept messages (except the
   * current one), and those older than the oldest kept message of their epoch; then, if still
   * more than {@code maxMessages}, the oldest ones.
   */
  private void pruneMarkers() {
    Map<String, Long> oldestKept = new HashMap<>();
    for (Entry e : entries) {
      oldestKept.putIfAbsent(e.epoch(), e.seq());
    }
    int count = 0;
    for (Iterator<Map.Entry<String, TreeMap<Long, Long>>> it = statistical.entrySet().iterator(); it.hasNext();) {
      Map.Entry<String, TreeMap<Long, Long>> epoch = it.next();
      Long oldest = oldestKept.get(epoch.getKey());
      boolean current = resume != null && resume.epoch().equals(epoch.getKey());
      if (oldest == null && !current) {
        it.remove();
        continue;
      }
      if (oldest != null) {
        epoch.getValue().headMap(oldest, false).entrySet().removeIf(r -> r.getValue() < oldest);
      }
      while (epoch.getValue().size() > maxMessages) {
        epoch.getValue().pollFirstEntry();
      }
      count += epoch.getValue().size();
    }
    statisticalRanges = count;
  }

  /** Messages held now. */
  public synchronized int size() {
    return entries.size();
  }

  /** Messages evicted by the count or size bound before their age limit, so far. */
  public long overflowed() {
    return overflowed.sum();
  }

  /** The outbox directory. */
  public Path directory() {
    return dir;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      log.force(false);
      log.close();
      lock.close();
    } catch (IOException e) {
      LOG.warn("closing the outbox {}: {}", dir, e.toString());
    }
  }
}
