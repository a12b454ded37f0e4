package org.fedmsg.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Finds mistakes in a policy that loads but probably does not say what its author meant: rules
 * that can never match, rules shadowed or made redundant by others, topics that break the
 * fedmsg naming rules (lower case, singular fields, no empty tokens), unknown effects, and, given
 * the issued certificates' common names, signer patterns that match none of them.
 *
 * <p>Stateless and thread-safe. Coverage between globs is decided soundly: a rule is reported as
 * shadowed or redundant only when it really is.
 */
public final class PolicyLinter {
  private PolicyLinter() {}

  /**
   * Lints a policy.
   *
   * @param policy the policy
   * @param issuedCommonNames the CNs of every issued certificate, or {@code null} to skip the
   *     signer checks
   * @return the findings, grouped by rule in rule order; empty if none
   */
  public static List<LintFinding> lint(CompiledPolicy policy, Collection<String> issuedCommonNames) {
    List<LintFinding> out = new ArrayList<>();
    RuleIndex index = policy.index();
    List<TopicRule> rules = policy.rules();
    TopicNamespace ns = policy.namespace();
    if (policy.defaultEffect() == Effect.ALLOW) {
      out.add(new LintFinding(LintFinding.Kind.PERMISSIVE_DEFAULT, "default",
          policy.defaultLabel() + ": topics no rule mentions are open to every certificate; "
              + "prefer default: deny"));
    }
    for (int r = 0; r < rules.size(); r++) {
      TopicRule rule = rules.get(r);
      String where = policy.label(r);
      if (rule.effect() == Effect.UNKNOWN) {
        out.add(new LintFinding(LintFinding.Kind.UNKNOWN_EFFECT, where,
            "the effect is missing or not allow/deny; the rule acts as deny"));
      }
      for (String topic : rule.topics()) {
        checkTopic(ns, where, topic, out);
      }
      if (issuedCommonNames != null) {
        checkSigners(index.signerGlobs(r), where, issuedCommonNames, out);
      }
      checkCoverage(policy, r, out);
    }
    return out;
  }

  private static void checkTopic(TopicNamespace ns, String where, String pattern, List<LintFinding> out) {
    if (!ns.isAbsolute(pattern)) {
      checkWrittenAsAbsolute(ns, where, pattern, out);
    }
    String rest = pattern;
    if (ns.isAbsolute(pattern)) {
      rest = pattern.length() > ns.topicPrefix().length() ? pattern.substring(ns.topicPrefix().length() + 1) : "";
      int dot = rest.indexOf('.');
      String env = dot < 0 ? rest : rest.substring(0, dot);
      if (!hasWildcard(env) && !env.equals(ns.environment())) {
        out.add(new LintFinding(LintFinding.Kind.NEVER_MATCHES, where, "topic '" + pattern
            + "' names environment '" + env + "' and can never match in environment '" + ns.environment() + "'"));
      }
      rest = dot < 0 ? "" : rest.substring(dot + 1);
      if (rest.isEmpty() && !hasWildcard(env)) {
        out.add(new LintFinding(LintFinding.Kind.NAMING, where,
            "topic '" + pattern + "' has no service, object or event after the environment"));
        return;
      }
    }
    String[] tokens = rest.split("\\.", -1);
    for (String token : tokens) {
      if (token.isEmpty()) {
        out.add(new LintFinding(LintFinding.Kind.NAMING, where,
            "topic '" + pattern + "' has an empty token (a leading, trailing or doubled dot)"));
        return;
      }
    }
    for (String token : tokens) {
      if (hasWildcard(token)) {
        continue;
      }
      if (!token.equals(token.toLowerCase(Locale.ROOT))) {
        out.add(new LintFinding(LintFinding.Kind.NAMING, where,
            "topic '" + pattern + "': field '" + token + "' is not lower case"));
      } else if (looksPlural(token)) {
        out.add(new LintFinding(LintFinding.Kind.NAMING, where,
            "topic '" + pattern + "': field '" + token + "' looks plural; topic fields are singular"));
      }
    }
  }

  /** Environment names a pattern may start with when its author meant it absolute. */
  private static final List<String> ENVIRONMENTS = List.of("dev", "stg", "prod");

  /**
   * A relative pattern is prefixed with {@code <topic_prefix>.<environment>.}; one that starts
   * with a wildcard token before a service ({@code *.pkgdb.*}), with the prefix's first token
   * ({@code org.fedoraproject.prod.pkgdb.*} under another prefix, or without its first token:
   * {@code fedoraproject.prod...}), or with an environment name reads as if it were absolute and
   * cannot match the topics it names: the wildcard or prefix ends up after the environment.
   */
  private static void checkWrittenAsAbsolute(TopicNamespace ns, String where, String pattern, List<LintFinding> out) {
    String[] tokens = pattern.split("\\.", -1);
    String[] prefix = ns.topicPrefix().split("\\.");
    String resolved = ns.absolute(pattern);
    String reason = null;
    String meant = null;
    if (tokens.length >= 3 && isAllStars(tokens[0]) && !hasWildcard(tokens[1]) && !tokens[1].isEmpty()) {
      // `*.pkgdb.*`: the star stands for "prefix and environment", but it lands after them.
      String service = pattern.substring(tokens[0].length() + 1);
      reason = "'" + tokens[1] + "' is matched after a service token, never as the service itself";
      meant = "'" + service + "' for this environment or '" + ns.topicPrefix() + ".*." + service + "' for every environment";
    } else if (tokens.length >= 2 && (tokens[0].equals(prefix[0])
        || prefix.length > 1 && tokens[0].equals(prefix[1]))) {
      reason = "it starts like a topic prefix ('" + tokens[0] + "') but is not under '" + ns.topicPrefix() + ".'";
      meant = "the full '" + ns.topicPrefix() + ".<environment>...' form, or the part after the environment";
    } else if (tokens.length >= 2 && (tokens[0].equals(ns.environment()) || ENVIRONMENTS.contains(tokens[0]))) {
      reason = "it starts with the environment name '" + tokens[0] + "', which the prefix already ends with";
      meant = "'" + pattern.substring(tokens[0].length() + 1) + "'"
          + (tokens[0].equals(ns.environment()) ? "" : " under environment '" + tokens[0] + "'");
    }
    if (reason != null) {
      out.add(new LintFinding(LintFinding.Kind.LOOKS_ABSOLUTE, where, "topic '" + pattern + "' is relative, so it means '"
          + resolved + "', which cannot match the topics it seems to name: " + reason + "; write " + meant));
    }
  }

  private static boolean isAllStars(String token) {
    return !token.isEmpty() && token.chars().allMatch(c -> c == '*');
  }

  /** A heuristic for English plurals ({@code packages}, {@code builds}), sparing {@code status}, {@code analysis}. */
  static boolean looksPlural(String token) {
    return token.length() > 3 && token.endsWith("s") && !token.endsWith("ss") && !token.endsWith("us")
        && !token.endsWith("is") && !token.endsWith("os");
  }

  private static boolean hasWildcard(String s) {
    return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
  }

  private static void checkSigners(Glob[] signers, String where, Collection<String> issued,
      List<LintFinding> out) {
    int matching = 0;
    for (Glob g : signers) {
      boolean any = false;
      for (String cn : issued) {
        if (g.matches(cn)) {
          any = true;
          break;
        }
      }
      if (any) {
        matching++;
      } else {
        out.add(new LintFinding(LintFinding.Kind.UNMATCHED_SIGNER, where,
            "signer '" + g.pattern() + "' matches no issued certificate"));
      }
    }
    if (matching == 0 && signers.length > 0) {
      out.add(new LintFinding(LintFinding.Kind.NEVER_MATCHES, where,
          "no signer pattern matches an issued certificate, so the rule never applies"));
    }
  }

  private static void checkCoverage(CompiledPolicy policy, int r, List<LintFinding> out) {
    List<TopicRule> rules = policy.rules();
    RuleIndex index = policy.index();
    boolean allows = rules.get(r).effect().allows();
    for (int s = 0; s < rules.size(); s++) {
      if (s == r) {
        continue;
      }
      boolean otherAllows = rules.get(s).effect().allows();
      if (allows && !otherAllows && covers(index, s, r)) {
        out.add(new LintFinding(LintFinding.Kind.SHADOWED, policy.label(r), "never allows anything: "
            + policy.label(s) + " denies all its topics to all its signers"));
        return;
      }
      if (allows == otherAllows && covers(index, s, r)) {
        // Two rules covering each other: report only the later one.
        if (s > r && covers(index, r, s)) {
          continue;
        }
        out.add(new LintFinding(LintFinding.Kind.REDUNDANT, policy.label(r),
            "adds nothing: " + policy.label(s) + " has the same effect for all its topics and signers"));
        return;
      }
    }
  }

  /** Whether rule {@code wide} matches every (topic, signer) that rule {@code narrow} matches. */
  private static boolean covers(RuleIndex index, int wide, int narrow) {
    return coversAll(index.topicGlobs(wide), index.topicGlobs(narrow))
        && coversAll(index.signerGlobs(wide), index.signerGlobs(narrow));
  }

  private static boolean coversAll(Glob[] wide, Glob[] narrow) {
    for (Glob n : narrow) {
      boolean covered = false;
      for (Glob w : wide) {
        if (n.literalPrefix().startsWith(w.literalPrefix()) && Glob.covers(w, n)) {
          covered = true;
          break;
        }
      }
      if (!covered) {
        return false;
      }
    }
    return true;
  }
}
