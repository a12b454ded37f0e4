package org.fedmsg;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.Signer;
import org.fedmsg.discovery.Discovery;
import org.fedmsg.policy.PolicyViolationException;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;

/**
 * Everything a {@link Bus} needs, built with {@link #builder()} (or from the {@code fedmsg.d}
 * configuration by {@code BusConfig}). Immutable.
 */
public final class BusOptions {
  /** The reference's default relay inbound address ({@code fedmsg.d/relay.py}). */
  public static final String DEFAULT_RELAY_INBOUND = "tcp://127.0.0.1:2003";

  final String topicPrefix;
  final String environment;
  final String name;
  final Map<String, List<String>> endpoints;
  final boolean active;
  final String relayInbound;
  final SocketOptions socketOptions;
  final WireFormat wireFormat;
  final boolean validateSignatures;
  final ModnameRule modnameRule;
  final BusListener listener;
  final Clock clock;
  final String username;
  final Duration activeConnectTimeout;
  final FedmsgConfig config;
  final Signer signer;
  final boolean signMessages;
  final MessageVerifier verifier;
  final TopicPolicy publishPolicy;
  final Discovery discovery;
  final boolean endpointsOverridden;
  final CurveOptions curve;
  final org.fedmsg.policy.TopicPatterns criticalTopics;
  final GapFill.Mode gapFillMode;
  final Duration gapFillMaxWait;
  final int gapFillMaxHeld;
  /** How long one fedmsg/1 reference replay fetch may block delivery ({@code gap_fill.reference_timeout}). */
  final Duration referenceReplayTimeout;
  /** A subscriber's name for its saved positions (resume), or null. */
  final String durableName;
  /** Fetches gaps for tests; null: the replay endpoints of the configuration. */
  final GapFill.Fetcher gapFillFetcher;
  /** Replay endpoints given to the builder (asked before those of the configuration). */
  final List<String> replayEndpoints;
  final int verifyThreads;
  final boolean wireCompact;
  final int compactFullEveryMessages;
  final Duration compactFullEvery;

  private BusOptions(Builder b) {
    this.topicPrefix = b.topicPrefix;
    this.environment = b.environment;
    this.name = b.name;
    Map<String, List<String>> copy = new LinkedHashMap<>();
    b.endpoints.forEach((service, urls) -> copy.put(service, List.copyOf(urls)));
    this.endpoints = java.util.Collections.unmodifiableMap(copy);
    this.active = b.active;
    this.relayInbound = b.relayInbound;
    this.socketOptions = b.socketOptions;
    this.wireFormat = b.wireFormat;
    this.validateSignatures = b.validateSignatures;
    this.modnameRule = b.modnameRule;
    this.listener = b.listener;
    this.clock = b.clock;
    this.username = b.username;
    this.activeConnectTimeout = b.activeConnectTimeout;
    this.config = b.config;
    this.signer = b.signer;
    this.signMessages = b.signMessages || b.signer != null;
    this.verifier = b.verifier;
    this.publishPolicy = b.publishPolicy;
    this.discovery = b.discovery;
    this.endpointsOverridden = b.endpointsOverridden;
    this.curve = b.curve;
    this.verifyThreads = b.verifyThreads;
    this.wireCompact = b.wireCompact;
    this.compactFullEveryMessages = b.compactFullEveryMessages;
    this.compactFullEvery = b.compactFullEvery;
    this.criticalTopics = b.criticalTopics;
    this.gapFillMode = b.gapFillMode;
    this.gapFillMaxWait = b.gapFillMaxWait;
    this.gapFillMaxHeld = b.gapFillMaxHeld;
    this.referenceReplayTimeout = b.referenceReplayTimeout;
    this.durableName = b.durableName;
    this.gapFillFetcher = b.gapFillFetcher;
    this.replayEndpoints = List.copyOf(b.replayEndpoints);
  }

  /**
   * A compactor for a publishing socket of this bus (fedmsg/2 compact signature frames), or null
   * when {@code wire_compact} is off.
   */
  org.fedmsg.wire.ChainCompactor compactor() {
    return wireCompact ? org.fedmsg.wire.ChainCompactor.create(compactFullEveryMessages, compactFullEvery,
        System::nanoTime) : null;
  }

  /**
   * The topics of the critical bus ({@code critical_topics}): fedmsg/2 only, and kept, replayed
   * and gap-filled (see {@code docs/reliability.md}). Empty by default.
   */
  public org.fedmsg.policy.TopicPatterns criticalTopics() {
    return criticalTopics;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The topic prefix, e.g. {@code org.fedoraproject}. */
  public String topicPrefix() {
    return topicPrefix;
  }

  /** The environment, e.g. {@code prod}. */
  public String environment() {
    return environment;
  }

  /** The publishing service's name (key into {@code endpoints}), or null for a bus that only listens. */
  public String name() {
    return name;
  }

  /** Service name to endpoint URLs; a subscriber connects to all of them but {@code relay_inbound}. */
  public Map<String, List<String>> endpoints() {
    return endpoints;
  }

  /** Whether the publisher connects to {@code relay_inbound} instead of binding. */
  public boolean active() {
    return active;
  }

  /** The relay's inbound address. */
  public String relayInbound() {
    return relayInbound;
  }

  /** Whether received messages must be signed and verified. */
  public boolean validateSignatures() {
    return validateSignatures;
  }

  /** The wire format published. */
  public WireFormat wireFormat() {
    return wireFormat;
  }

  /** The CURVE settings (disabled unless configured). */
  public CurveOptions curve() {
    return curve;
  }

  /** Threads that verify received messages (config {@code verify_threads}; default: every core). */
  public int verifyThreads() {
    return verifyThreads;
  }

  /** Builds {@link BusOptions}; setters validate their argument, {@link #build()} the combination. */
  public static final class Builder {
    private String topicPrefix = "org.fedoraproject";
    private List<String> criticalTopicPatterns = List.of();
    private org.fedmsg.policy.TopicPatterns criticalTopics;
    private String environment = "dev";
    private String name;
    private final Map<String, List<String>> endpoints = new LinkedHashMap<>();
    private boolean active;
    private String relayInbound = DEFAULT_RELAY_INBOUND;
    private SocketOptions socketOptions = SocketOptions.DEFAULTS;
    private WireFormat wireFormat = WireFormat.FEDMSG1;
    private boolean validateSignatures = true;
    private ModnameRule modnameRule = ModnameRule.auto();
    private BusListener listener = new BusListener() {};
    private Clock clock = Clock.systemUTC();
    private String username = System.getProperty("user.name", "unknown");
    private Duration activeConnectTimeout = Duration.ofSeconds(5);
    private FedmsgConfig config;
    private Signer signer;
    private boolean signMessages;
    private MessageVerifier verifier;
    private TopicPolicy publishPolicy;
    private Discovery discovery;
    private GapFill.Mode gapFillMode = GapFill.Mode.HOLD;
    private Duration gapFillMaxWait = Duration.ofSeconds(30);
    private int gapFillMaxHeld = 10_000;
    private Duration referenceReplayTimeout = ReferenceGapFill.TIMEOUT;
    private String durableName;
    private GapFill.Fetcher gapFillFetcher;
    private List<String> replayEndpoints = List.of();
    private boolean endpointsOverridden;
    private CurveOptions curve = CurveOptions.disabled();
    private int verifyThreads = Runtime.getRuntime().availableProcessors();
    private boolean wireCompact = true;
    private int compactFullEveryMessages = org.fedmsg.wire.ChainCompactor.DEFAULT_FULL_EVERY_MESSAGES;
    private Duration compactFullEvery = org.fedmsg.wire.ChainCompactor.DEFAULT_FULL_EVERY;

    private Builder() {}

    public Builder topicPrefix(String topicPrefix) {
      this.topicPrefix = requireText(topicPrefix, "topic_prefix");
      return this;
    }

    public Builder environment(String environment) {
      this.environment = requireText(environment, "environment");
      return this;
    }

    /** The service name this bus publishes as; null (the default) for a listen-only bus. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Adds (or replaces) the endpoints of one service. */
    public Builder endpoint(String service, List<String> urls) {
      requireText(service, "service name");
      if (urls.isEmpty()) {
        throw new IllegalArgumentException("service '" + service + "' has no endpoints");
      }
      for (String url : urls) {
        requireText(url, "endpoint of " + service);
      }
      this.endpoints.put(service, List.copyOf(urls));
      this.endpointsOverridden = true;
      return this;
    }

    /** Replaces all endpoints. */
    public Builder endpoints(Map<String, List<String>> endpoints) {
      this.endpoints.clear();
      endpoints.forEach(this::endpoint);
      return this;
    }

    /** Publish by connecting to {@code relay_inbound} rather than binding (as {@code fedmsg logger} does). */
    public Builder active(boolean active) {
      this.active = active;
      return this;
    }

    public Builder relayInbound(String relayInbound) {
      this.relayInbound = requireText(relayInbound, "relay_inbound");
      return this;
    }

    /** Socket settings; set from the configuration ({@link #apply}). */
    Builder socketOptions(SocketOptions socketOptions) {
      this.socketOptions = Objects.requireNonNull(socketOptions, "socketOptions");
      return this;
    }

    public Builder wireFormat(WireFormat wireFormat) {
      this.wireFormat = Objects.requireNonNull(wireFormat, "wireFormat");
      return this;
    }

    /** Whether received messages must be signed and verified (default true). */
    public Builder validateSignatures(boolean validateSignatures) {
      this.validateSignatures = validateSignatures;
      return this;
    }

    /** How {@link Bus#publish(String, Object)} guesses the modname; set from the configuration ({@link #apply}). */
    Builder modnameRule(ModnameRule modnameRule) {
      this.modnameRule = Objects.requireNonNull(modnameRule, "modnameRule");
      return this;
    }

    public Builder listener(BusListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The clock for timestamps, certificate validity and replay windows. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The {@code username} field of published messages (default: the JVM's user name). */
    public Builder username(String username) {
      this.username = requireText(username, "username");
      return this;
    }

    /** How long an active publisher waits for the relay's subscription before its first send. */
    public Builder activeConnectTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must not be negative");
      }
      this.activeConnectTimeout = timeout;
      return this;
    }

    /**
     * Sets everything the {@code fedmsg.d} configuration says about topics, endpoints, sockets,
     * wire format and validation. Call it first, then override what the program decides itself.
     */
    public Builder apply(FedmsgConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      this.signMessages = config.signMessages();
      topicPrefix(config.topicPrefix());
      environment(config.environment());
      config.name().ifPresent(this::name);
      endpoints(config.endpointUrls());
      active(config.active());
      List<String> inbound = config.relayInbound();
      if (!inbound.isEmpty()) {
        relayInbound(inbound.get(0));
      }
      socketOptions(new SocketOptions(config.highWaterMark(), config.zmqLingerMillis(),
          config.zmqTcpKeepalive().orElse(-1), config.zmqTcpKeepaliveCnt().orElse(-1),
          config.zmqTcpKeepaliveIdle().orElse(-1), config.zmqTcpKeepaliveIntvl().orElse(-1),
          config.zmqReconnectIvlMillis().orElse(-1), config.zmqReconnectIvlMaxMillis().orElse(-1),
          config.maxMessageSize()));
      wireFormat(WireFormat.parse(config.wireFormat()));
      validateSignatures(config.validateSignatures());
      modnameRule(ModnameRule.parse(config.modnameRule()));
      // Endpoints set after this call are the program's choice and win over discovery.
      endpointsOverridden = false;
      curve(CurveOptions.fromConfig(config, clock));
      criticalTopicPatterns = config.criticalTopics();
      try {
        gapFillMode = GapFill.Mode.parse(config.gapFillMode());
      } catch (ConfigException e) {
        throw new ConfigException(where() + "key " + e.getMessage());
      }
      gapFillMaxWait = config.gapFillMaxWait();
      gapFillMaxHeld = config.gapFillMaxHeld();
      referenceReplayTimeout = config.gapFillReferenceTimeout();
      config.durableName().ifPresent(this::durableName);
      config.verifyThreads().ifPresent(this::verifyThreads);
      wireCompact(config.wireCompact());
      compactFullEvery(config.compactFullEveryMessages(), config.compactFullEvery());
      return this;
    }

    /**
     * How gaps of the critical bus are filled: {@code late} delivers fetched messages as they come
     * (flagged {@link Message#late()}), else later messages of that publisher wait (at most
     * {@code maxHeld} in all, at most {@code maxWait}) so that each publisher's order is kept.
     * Config {@code gap_fill.mode}, {@code gap_fill.max_wait}, {@code gap_fill.max_held}.
     */
    public Builder gapFill(boolean late, Duration maxWait, int maxHeld) {
      if (maxWait.isNegative() || maxWait.isZero() || maxHeld < 1) {
        throw new IllegalArgumentException("gap fill bounds must be positive");
      }
      this.gapFillMode = late ? GapFill.Mode.LATE : GapFill.Mode.HOLD;
      this.gapFillMaxWait = maxWait;
      this.gapFillMaxHeld = maxHeld;
      return this;
    }

    /**
     * How long one fetch from a fedmsg/1 publisher's reference replay endpoint may take; it blocks
     * delivery that long at most (see {@code docs/reliability.md}, "The reference replay
     * protocol"). Config {@code gap_fill.reference_timeout}, default 5 s.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    public Builder referenceReplayTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("reference replay timeout must be positive: " + timeout);
      }
      this.referenceReplayTimeout = timeout;
      return this;
    }

    /**
     * A durable subscriber: its last delivered position per publisher is saved under
     * {@code <state_dir>/positions/<name>} once its handlers return, and after a restart it asks
     * the replay endpoints for what it missed (config {@code durable_name}; needs {@code state_dir}).
     */
    public Builder durableName(String name) {
      this.durableName = requireText(name, "durable name");
      return this;
    }

    /**
     * Replay endpoints to fill gaps from (URLs such as {@code tcp://host:9941}), asked before the
     * configuration's {@code replay_endpoints}.
     */
    public Builder replayEndpoints(List<String> urls) {
      this.replayEndpoints = List.copyOf(urls);
      return this;
    }

    Builder gapFillFetcher(GapFill.Fetcher fetcher) {
      this.gapFillFetcher = fetcher;
      return this;
    }

    /**
     * Topic patterns of the critical bus, in the policy's grammar (relative to
     * {@code <topic_prefix>.<environment>.} unless absolute); replaces earlier ones.
     */
    public Builder criticalTopics(List<String> patterns) {
      this.criticalTopicPatterns = List.copyOf(patterns);
      return this;
    }

    /**
     * Whether fedmsg/2 messages may go out with a compact signature frame (the certificate chain
     * referenced by its SHA-256 once subscribers have had it in full); default true. The relay's
     * outbound follows the same setting. See {@code docs/wire-format.md}.
     */
    public Builder wireCompact(boolean compact) {
      this.wireCompact = compact;
      return this;
    }

    /**
     * How often a compacting publisher sends each (signer, topic)'s chain in full: at least every
     * {@code messages} messages and every {@code every} (defaults 1000 and 10 s).
     *
     * @throws IllegalArgumentException if {@code messages} is below 1 or {@code every} not positive
     */
    public Builder compactFullEvery(int messages, Duration every) {
      if (messages < 1) {
        throw new IllegalArgumentException("compact.full_every_messages must be at least 1: " + messages);
      }
      if (every == null || every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("compact.full_every must be positive: " + every);
      }
      this.compactFullEveryMessages = messages;
      this.compactFullEvery = every;
      return this;
    }

    /**
     * How many threads verify received messages (default: the number of cores). Each publisher's
     * messages are still delivered in the order they arrived, one at a time; 1 verifies on the
     * receiving thread.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder verifyThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("verify_threads must be at least 1, not " + threads);
      }
      this.verifyThreads = threads;
      return this;
    }

    /** CURVE encryption of the sockets (default {@link CurveOptions#disabled()}). */
    public Builder curve(CurveOptions curve) {
      this.curve = Objects.requireNonNull(curve, "curve");
      return this;
    }

    /**
     * Signs every published message with this signer (fedmsg/1: RSA keys only; fedmsg/2: RSA
     * 2048+, P-256 or Ed25519). Without it, a bus configured with {@code sign_messages: true}
     * loads the key its {@code certnames} name for it (see {@link Certnames}).
     */
    public Builder signer(Signer signer) {
      this.signer = Objects.requireNonNull(signer, "signer");
      return this;
    }

    /** Whether to sign published messages (config {@code sign_messages}). */
    public Builder signMessages(boolean signMessages) {
      this.signMessages = signMessages;
      return this;
    }

    /**
     * The verifier received messages must pass when {@code validateSignatures} is on. Without
     * it, a bus built from a configuration creates one from {@code ca_cert_location},
     * {@code crl_location}, the policy and {@code replay_window}.
     */
    public Builder verifier(MessageVerifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * The policy a publisher checks its own topics against before sending, failing fast with
     * {@link PolicyViolationException}. Without it, a bus built from a
     * configuration with a {@code policy:} section or {@code policy_file} uses that.
     */
    public Builder publishPolicy(TopicPolicy policy) {
      this.publishPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Where the subscriber finds publishers. Without it, a bus built from a configuration
     * follows the configuration's {@code discovery} sources (default: the {@code endpoints} map),
     * connecting to publishers as they appear and dropping those that vanish; a bus built only
     * with {@link #endpoint} connects to those endpoints. The bus starts the discovery's
     * periodic refresh; the caller keeps ownership and closes it.
     */
    public Builder discovery(Discovery discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
      return this;
    }

    /**
     * @throws ConfigException when a publisher name is set but has no endpoints (and the bus is not
     *     active), or fedmsg/2 is asked for without signing; the message names the keys and the
     *     configuration files applied
     */
    public BusOptions build() {
      try {
        criticalTopics = org.fedmsg.policy.TopicPatterns.of(criticalTopicPatterns,
            new org.fedmsg.policy.TopicNamespace(topicPrefix, environment));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where() + "key 'critical_topics': " + e.getMessage());
      }
      if (wireFormat == WireFormat.FEDMSG2 && signer == null && !signMessages && (name != null || active)) {
        throw new ConfigException(where() + "key 'wire_format': fedmsg2 needs signing: set sign_messages or a signer");
      }
      if (name != null && !active && !endpoints.containsKey(name)) {
        throw new ConfigException(where() + "key 'name': publisher name '" + name + "' has no entry in 'endpoints'");
      }
      return new BusOptions(this);
    }

    /** The applied configuration's files, as a message prefix ({@code ""} without one). */
    private String where() {
      return config == null || config.files().isEmpty() ? "" : config.files() + ": ";
    }

    private static String requireText(String value, String what) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(what + " must not be empty");
      }
      return value;
    }
  }
}
