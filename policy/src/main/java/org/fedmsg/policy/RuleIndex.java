package org.fedmsg.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The compiled rules: every topic glob is filed in a character trie under its literal prefix (the
 * characters before its first wildcard), so a decision visits only the globs whose prefix the
 * topic starts with, instead of all of them. Built once; immutable and thread-safe.
 */
final class RuleIndex {
  private static final int NONE = Integer.MAX_VALUE;
  private static final Decision.Basis[] BASES = Decision.Basis.values();

  /** Trie node: children by next character (sorted for binary search), and the globs ending here. */
  private static final class TrieNode {
    final char[] keys;
    final TrieNode[] children;
    final int[] ruleIds;
    final Glob[] globs;

    TrieNode(char[] keys, TrieNode[] children, int[] ruleIds, Glob[] globs) {
      this.keys = keys;
      this.children = children;
      this.ruleIds = ruleIds;
      this.globs = globs;
    }

    TrieNode child(char c) {
      int i = Arrays.binarySearch(keys, c);
      return i >= 0 ? children[i] : null;
    }
  }

  /** Mutable trie node used while building. */
  private static final class Draft {
    final TreeMap<Character, Draft> children = new TreeMap<>();
    final List<Integer> ruleIds = new ArrayList<>();
    final List<Glob> globs = new ArrayList<>();

    TrieNode freeze() {
      char[] keys = new char[children.size()];
      TrieNode[] kids = new TrieNode[children.size()];
      int i = 0;
      for (var e : children.entrySet()) {
        keys[i] = e.getKey();
        kids[i++] = e.getValue().freeze();
      }
      return new TrieNode(keys, kids, ruleIds.stream().mapToInt(Integer::intValue).toArray(),
          globs.toArray(Glob[]::new));
    }
  }

  private final TrieNode root;
  /** Per rule: the absolute topic globs, the signer globs and the effect. */
  private final Glob[][] topicGlobs;
  private final Glob[][] signerGlobs;
  private final boolean[] allows;

  RuleIndex(List<TopicRule> rules, TopicNamespace namespace) {
    int n = rules.size();
    topicGlobs = new Glob[n][];
    signerGlobs = new Glob[n][];
    allows = new boolean[n];
    Draft top = new Draft();
    for (int r = 0; r < n; r++) {
      TopicRule rule = rules.get(r);
      boolean exact = rule.origin() == TopicRule.Origin.ROUTING_POLICY;
      allows[r] = rule.effect().allows();
      topicGlobs[r] = rule.topics().stream()
          .map(t -> exact ? Glob.literal(t) : Glob.compile(namespace.absolute(t)))
          .toArray(Glob[]::new);
      signerGlobs[r] = rule.signers().stream()
          .map(s -> exact ? Glob.literal(s) : Glob.compile(s))
          .toArray(Glob[]::new);
      for (Glob g : topicGlobs[r]) {
        Draft node = top;
        String key = g.literalPrefix();
        for (int i = 0; i < key.length(); i++) {
          node = node.children.computeIfAbsent(key.charAt(i), c -> new Draft());
        }
        node.ruleIds.add(r);
        node.globs.add(g);
      }
    }
    root = top.freeze();
  }

  /** The absolute topic globs of rule {@code r} (for the linter). */
  Glob[] topicGlobs(int r) {
    return topicGlobs[r];
  }

  /** The signer globs of rule {@code r} (for the linter). */
  Glob[] signerGlobs(int r) {
    return signerGlobs[r];
  }

  /**
   * Applies the semantics: deny beats allow; a topic some rule mentions is closed to every signer
   * those rules do not allow; returns {@code null} when no rule mentions the topic (the caller
   * applies the default). Ties go to the lowest rule index so that explanations are stable.
   *
   * @return {@code {basis ordinal, rule index}} packed as a long, or -1 when no rule mentions the topic
   */
  long evaluate(String topic, String signer) {
    int mentioned = NONE;
    int deny = NONE;
    int allow = NONE;
    TrieNode node = root;
    int i = 0;
    int len = topic.length();
    while (node != null) {
      int[] ids = node.ruleIds;
      Glob[] globs = node.globs;
      for (int k = 0; k < ids.length; k++) {
        int r = ids[k];
        if (!globs[k].matches(topic)) {
          continue;
        }
        if (r < mentioned) {
          mentioned = r;
        }
        if (allows[r]) {
          if (r < allow && signerMatches(r, signer)) {
            allow = r;
          }
        } else if (r < deny && signerMatches(r, signer)) {
          deny = r;
        }
      }
      if (i == len) {
        break;
      }
      node = node.child(topic.charAt(i++));
    }
    if (deny != NONE) {
      return pack(Decision.Basis.DENY_RULE, deny);
    }
    if (allow != NONE) {
      return pack(Decision.Basis.ALLOW_RULE, allow);
    }
    if (mentioned != NONE) {
      return pack(Decision.Basis.NOT_ALLOWED_FOR_TOPIC, mentioned);
    }
    return -1;
  }

  private boolean signerMatches(int r, String signer) {
    for (Glob g : signerGlobs[r]) {
      if (g.matches(signer)) {
        return true;
      }
    }
    return false;
  }

  private static long pack(Decision.Basis basis, int rule) {
    return ((long) basis.ordinal() << 32) | rule;
  }

  static Decision.Basis basis(long packed) {
    return BASES[(int) (packed >>> 32)];
  }

  static int rule(long packed) {
    return (int) packed;
  }
}
