package org.fedmsg.reliable;

/**
 * An inclusive range of sequence numbers of one publisher epoch, {@code from <= to}.
 *
 * @param from the first seq of the range
 * @param to the last seq of the range (inclusive)
 */
public record SeqRange(long from, long to) {
  /**
   * @throws IllegalArgumentException when {@code from > to} or {@code from} is negative
   */
  public SeqRange {
    if (from < 0 || from > to) {
      throw new IllegalArgumentException("a seq range needs 0 <= from <= to: [" + from + ", " + to + "]");
    }
  }

  /** How many seqs the range holds. */
  public long length() {
    return to - from + 1;
  }

  /** Whether {@code seq} is in the range. */
  public boolean contains(long seq) {
    return seq >= from && seq <= to;
  }

  @Override
  public String toString() {
    return from == to ? Long.toString(from) : from + ".." + to;
  }
}
