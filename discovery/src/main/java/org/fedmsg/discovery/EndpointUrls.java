package org.fedmsg.discovery;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks publisher endpoint URLs ({@code tcp://host:port}, {@code ipc://path}, {@code inproc://name}).
 *
 * <p>Stateless and thread-safe.
 */
public final class EndpointUrls {

  private static final Pattern TCP = Pattern.compile("tcp://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9*._-]+):(\\d{1,5})");
  private static final Pattern OTHER = Pattern.compile("(ipc|inproc)://\\S+");

  private EndpointUrls() {}

  /**
   * Explains why a text is not a usable endpoint URL.
   *
   * @param url the text, may be null
   * @return empty when valid, otherwise the reason
   */
  public static Optional<String> problem(String url) {
    if (url == null) {
      return Optional.of("not a string");
    }
    Matcher m = TCP.matcher(url);
    if (m.matches()) {
      int port = Integer.parseInt(m.group(2));
      return port >= 1 && port <= 65535 ? Optional.empty() : Optional.of("port out of range");
    }
    if (OTHER.matcher(url).matches()) {
      return Optional.empty();
    }
    return Optional.of("expected tcp://host:port, ipc://path or inproc://name");
  }
}
