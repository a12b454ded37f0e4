package org.fedmsg.policy;

import java.util.Objects;

/**
 * One problem {@link PolicyLinter} found in a policy.
 *
 * @param kind what sort of problem
 * @param where the rule label ({@code rules[2]}, {@code routing_policy["t"]}) or {@code default}
 * @param message a sentence for the operator
 */
public record LintFinding(Kind kind, String where, String message) {

  /** The sorts of problem. */
  public enum Kind {
    /** The rule (or one of its patterns) can never match a message. */
    NEVER_MATCHES,
    /** An allow rule that never allows anything because deny rules cover it. */
    SHADOWED,
    /** A rule another rule of the same effect already covers. */
    REDUNDANT,
    /** A missing or unknown effect, which acts as deny. */
    UNKNOWN_EFFECT,
    /** A topic that breaks the naming rules: lower case, singular fields, no empty tokens. */
    NAMING,
    /** A signer pattern matching no issued certificate's CN. */
    UNMATCHED_SIGNER,
    /** {@code default: allow}: topics no rule mentions are open to every certificate. */
    PERMISSIVE_DEFAULT,
    /**
     * A relative topic pattern written as if absolute ({@code *.pkgdb.*}, {@code org.fedoraproject...}
     * under another prefix, {@code prod.pkgdb.*}): prefixed with {@code <topic_prefix>.<environment>.}
     * it cannot match the topics it seems to name.
     */
    LOOKS_ABSOLUTE
  }

  /** @throws NullPointerException if any argument is null */
  public LintFinding {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(where, "where");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return where + ": " + kind + ": " + message;
  }
}
