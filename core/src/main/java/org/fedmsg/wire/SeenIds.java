package org.fedmsg.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * One signer's remembered message ids, oldest first: for each, the first 128 bits of the SHA-256
 * of the id and its timestamp, in primitive arrays (a ring, and an open-addressing index into it).
 *
 * <p>Why not a map of strings: a busy signer's replay memory is up to 100,000 ids that each live
 * some seconds, and as objects (entry, string, bytes, boxed timestamp: about 144 bytes in four
 * objects) they aged through the collector's survivor spaces, where every young collection copied
 * all of them again: 10–16 MB per pause (docs/performance.md, "End to end"). Here a signer's
 * memory is four arrays, 40 bytes per id, that only grow.
 *
 * <p>A digest stands for its id: two ids are taken as the same when their 128-bit digests are. A
 * collision would need 2^64 ids of one signer for an even chance; and only the signer, whose ids
 * these are, could try to make one, to have its own message refused.
 *
 * <p>Not thread-safe: {@link ReplayGuard} uses it under its lock.
 */
final class SeenIds {
  /** An id's digest: the first 128 bits of the SHA-256 of its UTF-8 bytes. */
  record Digest(long hi, long lo) {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JDK", e);
      }
    });

    static Digest of(String msgId) {
      ByteBuffer d = ByteBuffer.wrap(SHA256.get().digest(msgId.getBytes(StandardCharsets.UTF_8)));
      return new Digest(d.getLong(), d.getLong());
    }

    /** The digest written as 32 hex digits (the replay journal's form). */
    String hex() {
      return String.format("%016x%016x", hi, lo);
    }

    /** Reads {@link #hex()}. */
    static Digest parseHex(String hex) {
      if (hex.length() != 32) {
        throw new IllegalArgumentException("not a 32-digit digest: " + hex);
      }
      return new Digest(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    }
  }

  /** Receives the ids oldest first. */
  @FunctionalInterface
  interface Visitor {
    void visit(Digest digest, double timestamp);
  }

  private static final int INITIAL_CAPACITY = 16;

  // The ring: slot (head + i) & (capacity - 1) holds the i-th oldest id.
  private long[] his = new long[INITIAL_CAPACITY];
  private long[] los = new long[INITIAL_CAPACITY];
  private double[] times = new double[INITIAL_CAPACITY];
  private int head;
  private int size;
  /** Open addressing, linear probing: ring slot + 1, or 0 for an empty cell; twice the ring's size. */
  private int[] index = new int[2 * INITIAL_CAPACITY];

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  boolean contains(Digest d) {
    return find(d.hi(), d.lo()) >= 0;
  }

  /** Adds an id not already present (callers check with {@link #contains}) as the newest. */
  void add(Digest d, double timestamp) {
    if (size == his.length) {
      grow();
    }
    int slot = (head + size) & (his.length - 1);
    his[slot] = d.hi();
    los[slot] = d.lo();
    times[slot] = timestamp;
    size++;
    int mask = index.length - 1;
    int cell = cellOf(d.hi(), mask);
    while (index[cell] != 0) {
      cell = (cell + 1) & mask;
    }
    index[cell] = slot + 1;
  }

  /** The oldest id's timestamp; only when not {@link #isEmpty}. */
  double oldestTimestamp() {
    return times[head];
  }

  /** Forgets the oldest id; only when not {@link #isEmpty}. */
  void removeOldest() {
    int cell = find(his[head], los[head]);
    // ids are unique, so the cell found is the head's own
    deleteCell(cell);
    head = (head + 1) & (his.length - 1);
    size--;
  }

  void forEach(Visitor visitor) {
    int mask = his.length - 1;
    for (int i = 0; i < size; i++) {
      int slot = (head + i) & mask;
      visitor.visit(new Digest(his[slot], los[slot]), times[slot]);
    }
  }

  private static int cellOf(long hi, int mask) {
    // the digest is already uniform: its low bits make a good start cell
    return (int) hi & mask;
  }

  /** The index cell of the id, or -1. */
  private int find(long hi, long lo) {
    int mask = index.length - 1;
    for (int cell = cellOf(hi, mask); index[cell] != 0; cell = (cell + 1) & mask) {
      int slot = index[cell] - 1;
      if (his[slot] == hi && los[slot] == lo) {
        return cell;
      }
    }
    return -1;
  }

  /**
   * Empties a cell and moves later cells of the same probe run back into the gap (no tombstones,
   * so lookups never slow down with churn).
   */
  private void deleteCell(int cell) {
    int mask = index.length - 1;
    int gap = cell;
    int next = (gap + 1) & mask;
    while (index[next] != 0) {
      int home = cellOf(his[index[next] - 1], mask);
      // move the entry at next into the gap when its home is not in (gap, next] cyclically
      boolean homeBetween = gap <= next ? gap < home && home <= next : gap < home || home <= next;
      if (!homeBetween) {
        index[gap] = index[next];
        gap = next;
      }
      next = (next + 1) & mask;
    }
    index[gap] = 0;
  }

  private void grow() {
    int capacity = his.length * 2;
    long[] newHis = new long[capacity];
    long[] newLos = new long[capacity];
    double[] newTimes = new double[capacity];
    int mask = his.length - 1;
    for (int i = 0; i < size; i++) {
      int slot = (head + i) & mask;
      newHis[i] = his[slot];
      newLos[i] = los[slot];
      newTimes[i] = times[slot];
    }
    his = newHis;
    los = newLos;
    times = newTimes;
    head = 0;
    index = new int[2 * capacity];
    int indexMask = index.length - 1;
    for (int slot = 0; slot < size; slot++) {
      int cell = cellOf(his[slot], indexMask);
      while (index[cell] != 0) {
        cell = (cell + 1) & indexMask;
      }
      index[cell] = slot + 1;
    }
  }

  @Override
  public String toString() {
    return "SeenIds[" + size + " of " + his.length + ", index " + Arrays.stream(index).filter(c -> c != 0).count() + "]";
  }
}
