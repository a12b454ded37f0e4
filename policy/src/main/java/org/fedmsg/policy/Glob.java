package org.fedmsg.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled glob: {@code *} matches any run of characters (dots included, possibly empty) and
 * {@code ?} exactly one character; every other character matches itself, case-sensitively.
 *
 * <p>Compiled once, when a policy is built, into a literal prefix, a literal suffix and the
 * fixed-length pieces between the stars; matching is then a handful of region comparisons, with
 * no regular expression and no allocation. A literal glob (built by {@link #literal}) treats
 * {@code *} and {@code ?} as ordinary characters: the reference {@code routing_policy} compares
 * exact strings. Immutable and thread-safe.
 */
final class Glob {
  private final String pattern;
  private final boolean literal;
  /** The pieces between stars; a pattern without a star has exactly one piece. */
  private final String[] pieces;
  private final boolean hasStar;
  private final int minLength;
  /** Characters before the first wildcard: the key of the prefix index. */
  private final String literalPrefix;

  private Glob(String pattern, boolean literal) {
    this.pattern = pattern;
    this.literal = literal;
    if (literal) {
      this.pieces = new String[] {pattern};
      this.hasStar = false;
      this.literalPrefix = pattern;
    } else {
      List<String> split = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < pattern.length(); i++) {
        if (pattern.charAt(i) == '*') {
          split.add(pattern.substring(start, i));
          start = i + 1;
        }
      }
      split.add(pattern.substring(start));
      this.pieces = split.toArray(String[]::new);
      this.hasStar = pieces.length > 1;
      int firstWild = firstWildcard(pattern);
      this.literalPrefix = firstWild < 0 ? pattern : pattern.substring(0, firstWild);
    }
    int min = 0;
    for (String piece : pieces) {
      min += piece.length();
    }
    this.minLength = min;
  }

  /** A glob where {@code *} and {@code ?} are wildcards. */
  static Glob compile(String pattern) {
    return new Glob(pattern, false);
  }

  /** A pattern matching exactly {@code text} (wildcard characters are literal). */
  static Glob literal(String text) {
    return new Glob(text, true);
  }

  String pattern() {
    return pattern;
  }

  /** True when this glob matches exactly one string, its pattern text. */
  boolean isLiteral() {
    return literal || firstWildcard(pattern) < 0;
  }

  /** The characters before the first wildcard; the whole pattern for a literal. */
  String literalPrefix() {
    return literalPrefix;
  }

  /** Whether {@code s} matches this glob as a whole. */
  boolean matches(String s) {
    if (literal) {
      return pattern.equals(s);
    }
    int len = s.length();
    if (len < minLength) {
      return false;
    }
    if (!hasStar) {
      return len == minLength && regionMatches(s, 0, pieces[0]);
    }
    String head = pieces[0];
    String tail = pieces[pieces.length - 1];
    if (!regionMatches(s, 0, head) || !regionMatches(s, len - tail.length(), tail)) {
      return false;
    }
    // Pieces have fixed lengths, so taking the leftmost occurrence of each middle piece is
    // never worse than any later one: greedy leftmost matching is exact for '*' and '?'.
    int from = head.length();
    int limit = len - tail.length();
    for (int p = 1; p < pieces.length - 1; p++) {
      String piece = pieces[p];
      int at = indexOf(s, piece, from, limit);
      if (at < 0) {
        return false;
      }
      from = at + piece.length();
    }
    return true;
  }

  private static boolean regionMatches(String s, int offset, String piece) {
    int n = piece.length();
    for (int i = 0; i < n; i++) {
      char c = piece.charAt(i);
      if (c != '?' && c != s.charAt(offset + i)) {
        return false;
      }
    }
    return true;
  }

  /** Leftmost {@code at >= from} with {@code piece} matching at {@code at} and ending by {@code limit}. */
  private static int indexOf(String s, String piece, int from, int limit) {
    int last = limit - piece.length();
    if (piece.indexOf('?') < 0) {
      int at = s.indexOf(piece, from);
      return at >= 0 && at <= last ? at : -1;
    }
    for (int at = from; at <= last; at++) {
      if (regionMatches(s, at, piece)) {
        return at;
      }
    }
    return -1;
  }

  private static int firstWildcard(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether every string {@code narrower} matches is also matched by {@code wider}. Sound: when
   * this returns true the inclusion holds; it may miss a few exotic inclusions, which only makes
   * the linter quieter.
   */
  static boolean covers(Glob wider, Glob narrower) {
    String a = wider.literal ? null : wider.pattern;
    String b = narrower.literal ? null : narrower.pattern;
    if (a == null) {
      return narrower.isLiteral() && wider.pattern.equals(narrower.pattern);
    }
    if (b == null) {
      return wider.matches(narrower.pattern);
    }
    // dp[i][j]: wider[i..] covers narrower[j..]; a narrower '*' can only be absorbed by a wider
    // '*', a narrower '?' by a wider '?' or '*'.
    int m = a.length();
    int n = b.length();
    boolean[][] dp = new boolean[m + 1][n + 1];
    dp[m][n] = true;
    for (int i = m - 1; i >= 0; i--) {
      char ca = a.charAt(i);
      for (int j = n; j >= 0; j--) {
        boolean r;
        if (ca == '*') {
          r = dp[i + 1][j] || (j < n && dp[i][j + 1]);
        } else if (j == n) {
          r = false;
        } else {
          char cb = b.charAt(j);
          if (ca == '?') {
            r = cb != '*' && dp[i + 1][j + 1];
          } else {
            r = cb == ca && dp[i + 1][j + 1];
          }
        }
        dp[i][j] = r;
      }
    }
    return dp[0][0];
  }

  @Override
  public String toString() {
    return pattern;
  }
}
