package org.fedmsg.policy;

/**
 * A policy that cannot be loaded: unreadable file, YAML syntax error, wrong shape, bad pattern.
 * The message reads {@code <source>:<line>:<column>: <path>: <cause>} (line and column when the
 * text had them, as a YAML file does; a policy from an already-merged config has only the path).
 *
 * <p>Unchecked, like the project's {@code ConfigException}, into which the config layer may wrap it.
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final int column;
  private final String path;
  private final String reason;

  /**
   * @param source the file name or a label such as {@code fedmsg.d config}; not null
   * @param line 1-based line, or 0 if unknown
   * @param column 1-based column, or 0 if unknown
   * @param path where in the document, e.g. {@code rules[2].effect}; empty for the whole document
   * @param reason what is wrong
   * @param cause the underlying exception, or null
   */
  public PolicyException(String source, int line, int column, String path, String reason, Throwable cause) {
    super(format(source, line, column, path, reason), cause);
    this.source = source;
    this.line = line;
    this.column = column;
    this.path = path;
    this.reason = reason;
  }

  private static String format(String source, int line, int column, String path, String reason) {
    StringBuilder sb = new StringBuilder(source);
    if (line > 0) {
      sb.append(':').append(line);
      if (column > 0) {
        sb.append(':').append(column);
      }
    }
    sb.append(": ");
    if (path != null && !path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(reason).toString();
  }

  /** The file name or label of the policy's source. */
  public String source() {
    return source;
  }

  /** The 1-based line of the error, or 0 if unknown. */
  public int line() {
    return line;
  }

  /** The 1-based column of the error, or 0 if unknown. */
  public int column() {
    return column;
  }

  /** Where in the document, e.g. {@code rules[2].effect}; empty for the whole document. */
  public String path() {
    return path;
  }

  /** What is wrong, without the location. */
  public String reason() {
    return reason;
  }
}
