package org.fedmsg;

import org.fedmsg.reliable.DirectoryLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable subscriber's saved positions: per publisher (signer key) the epoch and {@code seq}
 * of the last message its handlers returned from, and the {@code msg_id}s of the last {@code
 * dedupe} messages delivered, so that a message fetched again after a restart (delivered, but
 * the process died before its position was written) is not handed to the handlers twice.
 *
 * <p>File {@code <dir>/positions.log}: one line per delivered message, {@code signer_key
 * fingerprint epoch seq msg_id signer_cn}, appended (written to the operating system, not forced:
 * a process crash loses nothing, a power cut the last lines, which means those messages are
 * delivered again) after the handlers return. Rewritten (temporary file, rename) with only the
 * positions and the dedupe window once it holds more than twice that. {@code <dir>/positions.lock}
 * keeps a second process with the same durable name out. Used in the ordered stage only.
 */
final class GapFillPositions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GapFillPositions.class);
  static final String FILE = "positions.log";
  static final String LOCK = "positions.lock";

  /** The last delivered message of one publisher. */
  record Position(String signerKey, String fingerprint, String epoch, long seq, String signer) {}

  private final Path dir;
  private final int dedupe;
  private final Map<String, Position> positions = new LinkedHashMap<>();
  private final LinkedHashSet<String> recentIds = new LinkedHashSet<>();
  private final List<Position> saved;
  private final DirectoryLock lock;
  private FileChannel log;
  private long lines;
  private boolean closed;

  private GapFillPositions(Path dir, int dedupe, DirectoryLock lock) throws IOException {
    this.dir = dir;
    this.dedupe = dedupe;
    this.lock = lock;
    Path file = dir.resolve(FILE);
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.split(" ", 6);
        if (f.length < 6) {
          continue;  // a torn last line
        }
        try {
          remember(new Position(f[0], f[1], f[2], Long.parseLong(f[3]), f[5]), f[4]);
        } catch (NumberFormatException e) {
          // a torn line: skip it
        }
      }
    }
    this.saved = List.copyOf(positions.values());
    rewrite();
  }

  /**
   * Opens (creating it) the positions of one durable subscriber.
   *
   * @throws ConfigException when the directory cannot be used or another process holds it
   */
  static GapFillPositions open(Path dir, int dedupe) {
    try {
      DirectoryLock lock = DirectoryLock.tryAcquire(dir, LOCK);
      if (lock == null) {
        throw new ConfigException("durable_name: the positions in " + dir + " are in use by another process ("
            + LOCK + " is locked)");
      }
      return new GapFillPositions(dir, dedupe, lock);
    } catch (IOException e) {
      throw new ConfigException("durable_name: cannot use " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The positions read at start, one per publisher: where the subscriber was when it stopped. */
  List<Position> saved() {
    return saved;
  }

  /** Whether a message with this id was delivered recently (within the dedupe window). */
  boolean seen(String msgId) {
    return recentIds.contains(msgId);
  }

  /** The present position of a publisher (by signer key), or null. */
  Position position(String signerKey) {
    return positions.get(signerKey);
  }

  /** Records a message whose handlers have returned. */
  void delivered(Receiver.Accepted a, String msgId) {
    if (closed || a.signerKey() == null || msgId == null || msgId.indexOf(' ') >= 0 || msgId.indexOf('\n') >= 0) {
      return;
    }
    Position p = new Position(a.signerKey(), a.fingerprint(), a.epoch(), a.seq(),
        a.message().signer().orElse("?").replace('\n', ' '));
    Position before = positions.get(p.signerKey());
    if (before != null && before.epoch().equals(p.epoch()) && before.seq() > p.seq()) {
      // a message delivered late (it filled a gap) does not move the position back
      p = before;
    }
    remember(p, msgId);
    append(line(p, msgId));
    if (lines > 2L * (dedupe + positions.size()) + 1024) {
      rewrite();
    }
  }

  /**
   * Records, for a publisher with no position yet, the position just before this message (it has
   * been accepted but not yet handled), so that a restart asks for it again.
   */
  void before(Receiver.Accepted a) {
    if (closed || a.signerKey() == null || positions.containsKey(a.signerKey())) {
      return;
    }
    Position p = new Position(a.signerKey(), a.fingerprint(), a.epoch(), a.seq() - 1,
        a.message().signer().orElse("?").replace('\n', ' '));
    positions.put(p.signerKey(), p);
    append(line(p, "-"));
  }

  /** Replaces every position with these and forgets the dedupe window (written at once). */
  void resetTo(List<Position> replacement) {
    positions.clear();
    recentIds.clear();
    for (Position p : replacement) {
      positions.put(p.signerKey(), p);
    }
    rewrite();
  }

  private void remember(Position p, String msgId) {
    positions.remove(p.signerKey());
    positions.put(p.signerKey(), p);
    recentIds.remove(msgId);
    recentIds.add(msgId);
    Iterator<String> it = recentIds.iterator();
    while (recentIds.size() > dedupe) {
      it.next();
      it.remove();
    }
  }

  private static String line(Position p, String msgId) {
    return p.signerKey() + ' ' + p.fingerprint() + ' ' + p.epoch() + ' ' + p.seq() + ' ' + msgId + ' ' + p.signer()
        + '\n';
  }

  private void append(String line) {
    if (log == null) {
      return;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        log.write(b);
      }
      lines++;
    } catch (IOException e) {
      LOG.warn("durable positions in {} cannot be written ({}): a restart will deliver again what follows the last"
          + " saved position", dir, e.toString());
      closeLog();
    }
  }

  /** Writes the present positions and dedupe window to a fresh file and appends to it from then on. */
  private void rewrite() {
    closeLog();
    Path tmp = dir.resolve(FILE + ".tmp");
    StringBuilder out = new StringBuilder();
    // every id of the window with the position of its publisher as it is now: ids first, positions last
    Position any = positions.isEmpty() ? null : positions.values().iterator().next();
    List<String> ids = new ArrayList<>(recentIds);
    long n = 0;
    for (int i = 0; i < ids.size() - positions.size() && any != null; i++) {
      out.append(line(any, ids.get(i)));
      n++;
    }
    int idIndex = Math.max(0, ids.size() - positions.size());
    for (Position p : positions.values()) {
      String id = idIndex < ids.size() ? ids.get(idIndex++) : "-";
      out.append(line(p, id));
      n++;
    }
    try {
      Files.writeString(tmp, out, StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      log = FileChannel.open(dir.resolve(FILE), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      lines = n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the durable positions in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void closeLog() {
    if (log != null) {
      try {
        log.close();
      } catch (IOException e) {
        // nothing left to save
      }
      log = null;
    }
  }

  @Override
  public void close() {
    closed = true;
    closeLog();
    try {
      lock.close();
    } catch (IOException e) {
      // released with the process anyway
    }
  }
}
