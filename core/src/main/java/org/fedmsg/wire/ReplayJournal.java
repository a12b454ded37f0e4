package org.fedmsg.wire;

import org.fedmsg.reliable.DirectoryLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay memory on disk: {@code <state dir>/seen-ids.journal}, a text file that starts with
 * {@value #HEADER} and then has one line per fact, appended as it happens:
 *
 * <pre>
 *   I &lt;signer key&gt; &lt;timestamp&gt; &lt;msg_id, base64url&gt;   an id accepted from that signer
 *   H &lt;signer key&gt; &lt;timestamp&gt; &lt;32 hex digits&gt;        the same, by its digest (written when the
 *                                                 journal is compacted: memory keeps only digests)
 *   F &lt;signer key&gt; &lt;floor&gt;                        that signer's floor was raised
 *   G &lt;floor&gt;                                     the floor of signers without state was raised
 *   S &lt;floor&gt;                                     the start rule is in force: older timestamps refused
 * </pre>
 *
 * Each accepted message costs one {@code write} of about 120 bytes (no buffering in the process,
 * so a crash or {@code kill -9} loses nothing; the file is forced to disk at most once a second);
 * when the file holds more than twice the live entries (and at least {@value #MIN_COMPACT} lines)
 * it is rewritten from memory into a temporary file and renamed over the old one. The write cost
 * per message is therefore bounded and constant on average.
 *
 * <p>Only one process uses a journal at a time: {@code seen-ids.lock} is locked for the guard's
 * life. A second process with the same state directory, a journal that is missing (first start,
 * or removed), unreadable or not of this format, or a journal that stops being writable, each
 * give a one-line warning (except the first start) and the caller falls back to the start rule
 * (which is then itself recorded, so that the next start still applies it while it matters); the
 * guarantee is never lost silently. A torn last line (a crash during a write) is ignored.
 *
 * <p>Not thread-safe: {@link ReplayGuard} calls it under its lock.
 */
final class ReplayJournal implements AutoCloseable {
  static final String FILE = "seen-ids.journal";
  static final String LOCK = "seen-ids.lock";
  static final String HEADER = "fedmsg-seen-ids 1";
  static final long MIN_COMPACT = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(ReplayJournal.class);
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{32}");
  private static final long FORCE_INTERVAL_NANOS = 1_000_000_000L;

  /** One line of the journal. */
  record Entry(Kind kind, String signerKey, double timestamp, String msgId, SeenIds.Digest idDigest) {
    enum Kind { ID, DIGEST, FLOOR, NEW_SIGNER_FLOOR, START_FLOOR }

    static Entry id(String key, double t, String id) {
      return new Entry(Kind.ID, key, t, id, null);
    }

    static Entry digest(String key, double t, SeenIds.Digest digest) {
      return new Entry(Kind.DIGEST, key, t, null, digest);
    }

    static Entry floor(String key, double floor) {
      return new Entry(Kind.FLOOR, key, floor, null, null);
    }

    static Entry newSignerFloor(double floor) {
      return new Entry(Kind.NEW_SIGNER_FLOOR, null, floor, null, null);
    }

    static Entry startFloor(double floor) {
      return new Entry(Kind.START_FLOOR, null, floor, null, null);
    }

    /** The digest of an {@code ID} or {@code DIGEST} entry's id. */
    SeenIds.Digest digest() {
      return idDigest != null ? idDigest : SeenIds.Digest.of(msgId);
    }

    String line() {
      return switch (kind) {
        case ID -> "I " + signerKey + ' ' + timestamp + ' '
            + Base64.getUrlEncoder().withoutPadding().encodeToString(msgId.getBytes(StandardCharsets.UTF_8)) + '\n';
        case DIGEST -> "H " + signerKey + ' ' + timestamp + ' ' + idDigest.hex() + '\n';
        case FLOOR -> "F " + signerKey + ' ' + timestamp + '\n';
        case NEW_SIGNER_FLOOR -> "G " + timestamp + '\n';
        case START_FLOOR -> "S " + timestamp + '\n';
      };
    }
  }

  private final Path dir;
  private final Path file;
  private final DirectoryLock lock;
  private FileChannel out;
  private long lines;
  private long lastForce = System.nanoTime();

  private ReplayJournal(Path dir, DirectoryLock lock) {
    this.dir = dir;
    this.file = dir.resolve(FILE);
    this.lock = lock;
  }

  /** The journal of {@code dir}, locked for this process; null (after a warning) if unusable. */
  static ReplayJournal open(Path dir) {
    DirectoryLock lock = null;
    try {
      lock = DirectoryLock.tryAcquire(dir, LOCK);
      if (lock == null) {
        LOG.warn("replay memory in {} is used by another receiver: this one refuses messages signed before it "
            + "started, for one replay window", dir);
        return null;
      }
      return new ReplayJournal(dir, lock);
    } catch (IOException | RuntimeException e) {
      closeQuietly(lock);
      LOG.warn("replay memory in {} cannot be used ({}): refusing messages signed before start, for one replay "
          + "window", dir, e.toString());
      return null;
    }
  }

  /**
   * Feeds every stored entry to {@code sink}, oldest first.
   *
   * @return whether the journal was read whole (false after a one-line warning, or silently
   *     when there is no journal yet: then the caller uses the start rule)
   */
  boolean load(Consumer<Entry> sink) {
    try {
      String data = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
      int headerEnd = data.indexOf('\n');
      if (headerEnd < 0 || !HEADER.equals(data.substring(0, headerEnd))) {
        LOG.warn("replay memory {} is not a '{}' file: ignoring it, refusing messages signed before start, for "
            + "one replay window", file, HEADER);
        return false;
      }
      int start = headerEnd + 1;
      int n = 0;
      while (true) {
        int end = data.indexOf('\n', start);
        if (end < 0) {
          break; // a torn last line: the process died while writing it, before accepting the message
        }
        sink.accept(parse(data.substring(start, end)));
        start = end + 1;
        n++;
      }
      lines = n;
      LOG.info("replay memory: read {} entries from {}", n, file);
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException | RuntimeException e) {
      LOG.warn("replay memory {} cannot be read ({}): refusing messages signed before start, for one replay window",
          file, e.toString());
      return false;
    }
  }

  private static Entry parse(String line) {
    String[] f = line.split(" ", -1);
    switch (f.length > 0 ? f[0] : "") {
      case "I":
        if (f.length == 4 && KEY.matcher(f[1]).matches()) {
          String id = new String(Base64.getUrlDecoder().decode(f[3]), StandardCharsets.UTF_8);
          return Entry.id(f[1], finite(f[2]), id);
        }
        break;
      case "H":
        if (f.length == 4 && KEY.matcher(f[1]).matches() && DIGEST.matcher(f[3]).matches()) {
          return Entry.digest(f[1], finite(f[2]), SeenIds.Digest.parseHex(f[3]));
        }
        break;
      case "F":
        if (f.length == 3 && KEY.matcher(f[1]).matches()) {
          return Entry.floor(f[1], finite(f[2]));
        }
        break;
      case "G":
        if (f.length == 2) {
          return Entry.newSignerFloor(finite(f[1]));
        }
        break;
      case "S":
        if (f.length == 2) {
          return Entry.startFloor(finite(f[1]));
        }
        break;
      default:
        break;
    }
    throw new IllegalArgumentException("bad line '" + (line.length() > 40 ? line.substring(0, 40) + "..." : line) + "'");
  }

  private static double finite(String s) {
    double d = Double.parseDouble(s);
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("not a finite number: " + s);
    }
    return d;
  }

  /** Rewrites the journal from {@code entries} and keeps appending to it. */
  void startAppending(List<Entry> entries) {
    compact(entries);
  }

  boolean usable() {
    return out != null;
  }

  void appendId(String signerKey, double timestamp, String msgId) {
    append(Entry.id(signerKey, timestamp, msgId).line());
  }

  void appendFloor(String signerKey, double floor) {
    append(Entry.floor(signerKey, floor).line());
  }

  void appendNewSignerFloor(double floor) {
    append(Entry.newSignerFloor(floor).line());
  }

  private void append(String line) {
    if (out == null) {
      return;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        out.write(b);
      }
      lines++;
      long now = System.nanoTime();
      if (now - lastForce > FORCE_INTERVAL_NANOS) {
        lastForce = now;
        out.force(false);
      }
    } catch (IOException e) {
      fail("cannot append to", e);
    }
  }

  boolean wantsCompaction(long liveEntries) {
    return out != null && lines > Math.max(MIN_COMPACT, 2 * liveEntries);
  }

  /** Writes {@code entries} to a temporary file, forces it, renames it over the journal. */
  void compact(List<Entry> entries) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, FILE, ".tmp");
      try (FileChannel w = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        StringBuilder sb = new StringBuilder(64 + entries.size() * 120).append(HEADER).append('\n');
        for (Entry e : entries) {
          sb.append(e.line());
        }
        ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
          w.write(b);
        }
        w.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      closeQuietly(out);
      out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      lines = entries.size();
    } catch (IOException | RuntimeException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file is harmless: it never becomes the journal
        }
      }
      fail("cannot rewrite", e);
    }
  }

  /**
   * Stops persisting. The journal no longer holds everything this process accepted, so it is
   * removed if possible: the next start then applies the start rule instead of trusting it.
   */
  private void fail(String what, Exception e) {
    closeQuietly(out);
    out = null;
    boolean removed;
    try {
      Files.deleteIfExists(file);
      removed = true;
    } catch (IOException | RuntimeException ex) {
      removed = false;
    }
    LOG.warn("replay memory: {} {} ({}); ids are now kept in memory only{}", what, file, e.toString(),
        removed ? ", and the next start refuses messages signed before it for one replay window"
            : "; REMOVE THE FILE before restarting, or replays of messages accepted from now on are possible");
  }

  @Override
  public void close() {
    if (out != null) {
      try {
        out.force(false);
      } catch (IOException e) {
        LOG.warn("replay memory: cannot flush {}: {}", file, e.toString());
      }
    }
    closeQuietly(out);
    out = null;
    closeQuietly(lock);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // nothing more to do while giving up
      }
    }
  }
}
