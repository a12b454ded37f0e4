package org.fedmsg;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How {@code publish(topic, msg)} finds the service token ("modname") of a topic when the caller
 * gives none. The reference takes the top-level Python package of the calling module; Java
 * packages are reverse domain names, so the default rule skips the domain:
 *
 * <ul>
 *   <li>{@code auto} (default): the calling class is the first stack frame outside
 *       {@code org.fedmsg}; if its package starts with a well-known top-level domain
 *       ({@code org}, {@code com}, {@code net}, {@code io}, ...) the token after the two domain
 *       tokens is used ({@code org.fedoraproject.pkgdb.web} → {@code pkgdb}), otherwise the first
 *       token ({@code pkgdb.web} → {@code pkgdb}); a class in the default package gives
 *       {@code main};
 *   <li>{@code package:N}: the N-th package token (1-based) of the calling class;
 *   <li>{@code fixed:NAME}: always {@code NAME}.
 * </ul>
 * Config key: {@code modname_rule}.
 */
final class ModnameRule {
  private static final Set<String> DOMAINS = Set.of(
      "org", "com", "net", "io", "edu", "gov", "dev", "info", "eu", "de", "fr", "uk", "cz", "us", "ch", "nl");
  private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

  private final String spec;
  private final int token;
  private final String fixed;

  private ModnameRule(String spec, int token, String fixed) {
    this.spec = spec;
    this.token = token;
    this.fixed = fixed;
  }

  /** The default rule. */
  public static ModnameRule auto() {
    return new ModnameRule("auto", 0, null);
  }

  /**
   * Parses {@code auto}, {@code package:N} or {@code fixed:NAME}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static ModnameRule parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String s = spec.strip();
    if (s.equals("auto")) {
      return auto();
    }
    if (s.startsWith("package:")) {
      try {
        int n = Integer.parseInt(s.substring("package:".length()));
        if (n >= 1) {
          return new ModnameRule(s, n, null);
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    } else if (s.startsWith("fixed:") && s.length() > "fixed:".length()) {
      return new ModnameRule(s, 0, s.substring("fixed:".length()));
    }
    throw new IllegalArgumentException("modname_rule must be auto, package:N (N >= 1) or fixed:NAME, not '" + spec + "'");
  }

  /** The modname for a call made now, from the calling class outside {@code org.fedmsg}. */
  String guess() {
    if (fixed != null) {
      return fixed;
    }
    Class<?> caller = WALKER.walk(frames -> frames
        .map(StackWalker.StackFrame::getDeclaringClass)
        .filter(c -> !c.getName().startsWith("org.fedmsg.") || c.getName().startsWith("org.fedmsg.examples."))
        .findFirst()
        .orElse(null));
    return caller == null ? "fedmsg" : forPackage(caller.getPackageName());
  }

  /** The modname this rule gives for a package name. */
  String forPackage(String packageName) {
    if (fixed != null) {
      return fixed;
    }
    if (packageName.isEmpty()) {
      return "main";
    }
    String[] tokens = packageName.split("\\.");
    if (token > 0) {
      return tokens[Math.min(token, tokens.length) - 1].toLowerCase(Locale.ROOT);
    }
    boolean reverseDomain = tokens.length >= 3 && DOMAINS.contains(tokens[0]);
    return (reverseDomain ? tokens[2] : tokens[0]).toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return spec;
  }
}
