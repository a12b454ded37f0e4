package org.fedmsg.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.fedmsg.ConfigException;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPatterns;

/**
 * The bridge's settings, the {@code amqp:} keys of the configuration (see {@code docs/amqp.md}).
 *
 * @param url the broker, {@code amqp://user:password@host:port/vhost} (plain, for loopback development)
 *     or {@code amqps://host:port/vhost} (TLS)
 * @param caCert the CA bundle the broker's certificate must chain to (amqps only)
 * @param cert this bridge's client certificate (PEM); with {@code key} it logs in with EXTERNAL
 * @param key the client certificate's private key (PEM)
 * @param exchange the exchange bus messages are published to, and the AMQP queue is bound on
 * @param topics bus topic prefixes forwarded to AMQP ({@code ""}: all)
 * @param queue the durable queue consumed by the AMQP-to-bus direction
 * @param bindings routing keys the queue is bound to ({@code #}: all)
 * @param deadLetterQueue where refused AMQP messages go, with a reason header
 * @param bufferSize messages held in memory while the broker is unreachable; beyond it they are
 *     dropped and counted
 * @param spoolDir where messages on critical topics wait on disk while the broker is unreachable
 * @param spoolLimit critical messages the spool holds at most
 * @param criticalTopics the topics whose messages go to the disk spool rather than memory: the
 *     bus-wide {@code critical_topics} (the same patterns and matcher as the bus's critical bus),
 *     plus the deprecated {@code amqp.critical_topics} prefixes, converted
 * @param dedupeWindow how long a {@code msg_id} is remembered to drop duplicates
 * @param reconnectMax the longest pause between reconnection attempts (they start at 100 ms, doubling)
 * @param priority the AMQP priority property of published messages (also mirrored in a header)
 * @param maxMessageSize the largest AMQP body put on the bus, in bytes
 * @param userPointers JSON pointers into a bus message's payload naming users (per-user headers)
 * @param packagePointers JSON pointers into the payload naming packages (per-package headers)
 */
public record AmqpSettings(
    URI url,
    Optional<Path> caCert,
    Optional<Path> cert,
    Optional<Path> key,
    String exchange,
    List<String> topics,
    String queue,
    List<String> bindings,
    String deadLetterQueue,
    int bufferSize,
    Optional<Path> spoolDir,
    int spoolLimit,
    TopicPatterns criticalTopics,
    Duration dedupeWindow,
    Duration reconnectMax,
    int priority,
    long maxMessageSize,
    List<String> userPointers,
    List<String> packagePointers) {

  static final List<String> DEFAULT_USER_POINTERS = List.of("/agent", "/owner", "/user", "/username", "/usernames");
  static final List<String> DEFAULT_PACKAGE_POINTERS = List.of("/package", "/package/name", "/packages");

  public AmqpSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(criticalTopics, "criticalTopics");
    String scheme = url.getScheme();
    if (!"amqp".equals(scheme) && !"amqps".equals(scheme)) {
      throw new ConfigException("amqp.url must be amqp:// or amqps://, not " + url);
    }
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigException("amqp.cert and amqp.key go together (client-certificate login)");
    }
    if (cert.isPresent() && !"amqps".equals(scheme)) {
      throw new ConfigException("amqp.cert needs an amqps:// url: a client certificate is only sent over TLS");
    }
    if (bufferSize < 1 || spoolLimit < 1) {
      throw new ConfigException("amqp.buffer_size and amqp.spool_limit must be positive");
    }
    if (priority < 0 || priority > 255) {
      throw new ConfigException("amqp.priority must be between 0 and 255, not " + priority);
    }
    topics = List.copyOf(topics);
    bindings = List.copyOf(bindings);
    userPointers = List.copyOf(userPointers);
    packagePointers = List.copyOf(packagePointers);
  }

  /** Settings for a broker at {@code url} with every other value at its default. */
  public static AmqpSettings of(URI url) {
    return new AmqpSettings(url, Optional.empty(), Optional.empty(), Optional.empty(), "amq.topic", List.of(""),
        "fedmsg-bridge", List.of("#"), "fedmsg-bridge.dlq", 10_000, Optional.empty(), 100_000, TopicPatterns.none(),
        Duration.ofMinutes(10), Duration.ofSeconds(30), 0, 1 << 20, DEFAULT_USER_POINTERS, DEFAULT_PACKAGE_POINTERS);
  }

  /** The {@code amqp:} keys of {@code config}; {@code amqp.url} is required. */
  public static AmqpSettings from(FedmsgConfig fedmsgConfig) {
    JsonNode config = fedmsgConfig.get("amqp").orElseThrow(() -> new ConfigException("amqp.url is not set"));
    if (!config.isObject()) {
      throw new ConfigException("key 'amqp' must be a mapping, not " + config);
    }
    String url = text(config, "url").orElseThrow(() -> new ConfigException("amqp.url is not set"));
    AmqpSettings d;
    try {
      d = of(URI.create(url));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("amqp.url is not a URL: " + e.getMessage());
    }
    String queue = text(config, "queue").orElse(d.queue());
    Optional<Path> spool = text(config, "spool_dir").map(Path::of)
        .or(() -> fedmsgConfig.get("state_dir").filter(JsonNode::isTextual)
            .map(n -> Path.of(n.textValue(), "bridge-spool")));
    return new AmqpSettings(d.url(),
        text(config, "ca_cert").map(Path::of),
        text(config, "cert").map(Path::of),
        text(config, "key").map(Path::of),
        text(config, "exchange").orElse(d.exchange()),
        list(config, "topics").orElse(d.topics()),
        queue,
        list(config, "bindings").orElse(d.bindings()),
        text(config, "dead_letter_queue").orElse(queue + ".dlq"),
        integer(config, "buffer_size").orElse(d.bufferSize()),
        spool,
        integer(config, "spool_limit").orElse(d.spoolLimit()),
        criticalTopics(fedmsgConfig, list(config, "critical_topics").orElse(List.of())),
        duration(config, "dedupe_window").orElse(d.dedupeWindow()),
        duration(config, "reconnect_max").orElse(d.reconnectMax()),
        integer(config, "priority").orElse(d.priority()),
        get(config, "max_message_size").map(JsonNode::asLong).orElse(fedmsgConfig.maxMessageSize() > 0
            ? fedmsgConfig.maxMessageSize() : d.maxMessageSize()),
        list(config, "user_pointers").orElse(d.userPointers()),
        list(config, "package_pointers").orElse(d.packagePointers()));
  }

  /** A copy with other AMQP-to-bus queue names. */
  public AmqpSettings withQueue(String queue, List<String> bindings) {
    return new AmqpSettings(url, caCert, cert, key, exchange, topics, queue, bindings, queue + ".dlq", bufferSize,
        spoolDir, spoolLimit, criticalTopics, dedupeWindow, reconnectMax, priority, maxMessageSize, userPointers,
        packagePointers);
  }

  /** A copy with TLS files. */
  public AmqpSettings withTls(Path caCert, Path cert, Path key) {
    return new AmqpSettings(url, Optional.of(caCert), Optional.ofNullable(cert), Optional.ofNullable(key), exchange,
        topics, queue, bindings, deadLetterQueue, bufferSize, spoolDir, spoolLimit, criticalTopics, dedupeWindow,
        reconnectMax, priority, maxMessageSize, userPointers, packagePointers);
  }

  /** A copy with other buffering settings. */
  public AmqpSettings withBuffering(int bufferSize, Path spoolDir, TopicPatterns criticalTopics,
      Duration reconnectMax) {
    return new AmqpSettings(url, caCert, cert, key, exchange, topics, queue, bindings, deadLetterQueue, bufferSize,
        Optional.ofNullable(spoolDir), spoolLimit, criticalTopics, dedupeWindow, reconnectMax, priority,
        maxMessageSize, userPointers, packagePointers);
  }

  /** A copy forwarding only these bus topic prefixes. */
  public AmqpSettings withTopics(List<String> topics) {
    return new AmqpSettings(url, caCert, cert, key, exchange, topics, queue, bindings, deadLetterQueue, bufferSize,
        spoolDir, spoolLimit, criticalTopics, dedupeWindow, reconnectMax, priority, maxMessageSize, userPointers,
        packagePointers);
  }

  /** A copy with another largest body size. */
  public AmqpSettings withMaxMessageSize(long bytes) {
    return new AmqpSettings(url, caCert, cert, key, exchange, topics, queue, bindings, deadLetterQueue, bufferSize,
        spoolDir, spoolLimit, criticalTopics, dedupeWindow, reconnectMax, priority, bytes, userPointers,
        packagePointers);
  }

  boolean critical(String topic) {
    return criticalTopics.matches(topic);
  }

  /**
   * The bus-wide {@code critical_topics} and the deprecated {@code amqp.critical_topics}, one
   * matcher. A legacy prefix {@code p} becomes the pattern {@code p*} in the policy's grammar:
   * the same topics when {@code p} starts with {@code topic_prefix} (the only prefixes that ever
   * matched a bus topic); any other prefix is now relative to {@code <topic_prefix>.<environment>.}
   * like every pattern. {@code ConfigSchema} warns about the old key when the file is loaded.
   */
  static TopicPatterns criticalTopics(FedmsgConfig config, List<String> legacyPrefixes) {
    List<String> patterns = new ArrayList<>(config.criticalTopics());
    for (String prefix : legacyPrefixes) {
      patterns.add(prefix.strip() + "*");
    }
    try {
      return TopicPatterns.of(patterns, new TopicNamespace(config.topicPrefix(), config.environment()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("key 'critical_topics': " + e.getMessage());
    }
  }

  private static Optional<JsonNode> get(JsonNode section, String key) {
    JsonNode v = section.get(key);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  private static Optional<String> text(JsonNode config, String key) {
    Optional<JsonNode> v = get(config, key);
    if (v.isPresent() && !v.get().isTextual()) {
      throw new ConfigException("key 'amqp." + key + "' must be a string, not " + v.get());
    }
    return v.map(JsonNode::textValue);
  }

  private static Optional<Integer> integer(JsonNode config, String key) {
    Optional<JsonNode> v = get(config, key);
    if (v.isPresent() && !v.get().canConvertToInt()) {
      throw new ConfigException("key 'amqp." + key + "' must be an integer, not " + v.get());
    }
    return v.map(JsonNode::intValue);
  }

  private static Optional<List<String>> list(JsonNode config, String key) {
    Optional<JsonNode> v = get(config, key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    if (v.get().isTextual()) {
      out.add(v.get().textValue());
    } else if (v.get().isArray()) {
      v.get().forEach(n -> {
        if (!n.isTextual()) {
          throw new ConfigException("key 'amqp." + key + "' must be a list of strings, not " + v.get());
        }
        out.add(n.textValue());
      });
    } else {
      throw new ConfigException("key 'amqp." + key + "' must be a string or a list of strings, not " + v.get());
    }
    return Optional.of(out);
  }

  private static Optional<Duration> duration(JsonNode config, String key) {
    return get(config, key).map(n -> {
      try {
        return org.fedmsg.discovery.Durations.parse(n);
      } catch (RuntimeException e) {
        throw new ConfigException("key 'amqp." + key + "': " + e.getMessage());
      }
    });
  }
}
