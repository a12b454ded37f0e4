package org.fedmsg;

/** A configuration that cannot be used: unreadable file, wrong type, missing required key. */
public final class ConfigException extends BusException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
