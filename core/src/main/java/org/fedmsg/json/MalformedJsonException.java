package org.fedmsg.json;

/**
 * Input that is not a JSON document a Python {@code json.loads} would read: syntax error, bad
 * UTF-8, trailing data, nesting or number length beyond the limits. The message says what and
 * where; it never contains more than a short excerpt of the input.
 */
public final class MalformedJsonException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final long offset;
  private final boolean duplicateKey;

  /**
   * @param message what is wrong, for logs
   * @param offset the character (for text) or byte (for bytes) offset of the problem, or -1
   * @param cause the parser's exception, or null
   */
  public MalformedJsonException(String message, long offset, Throwable cause) {
    this(message, offset, cause, false);
  }

  MalformedJsonException(String message, long offset, Throwable cause, boolean duplicateKey) {
    super(message, cause);
    this.offset = offset;
    this.duplicateKey = duplicateKey;
  }

  /**
   * Whether the input was refused only because an object repeats a key ({@link
   * CanonicalJson#parseUnique(byte[])}): receivers count this cause on its own.
   */
  public boolean isDuplicateKey() {
    return duplicateKey;
  }

  /** Where in the input the problem was found, or -1 when unknown. */
  public long offset() {
    return offset;
  }
}
