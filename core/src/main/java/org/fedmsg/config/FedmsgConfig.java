package org.fedmsg.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.fedmsg.discovery.Durations;

/**
 * The effective configuration: the merged {@code fedmsg.d} files, checked, with typed accessors
 * for every key this implementation knows (defaults applied) and the raw merged tree for sections
 * that other modules parse themselves. Keys and defaults are listed in
 * {@code docs/configuration.md}. Obtain one from {@link ConfigLoader#load()} or, in tests,
 * {@link #of(JsonNode)}.
 *
 * <p>Immutable and thread-safe: trees are copied in and out.
 */
public final class FedmsgConfig {
  private final ObjectNode raw;
  private final List<Path> files;
  private final List<String> warnings;

  FedmsgConfig(ObjectNode raw, List<Path> files, List<String> warnings) {
    this.raw = raw.deepCopy();
    this.files = List.copyOf(files);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * A configuration from an in-memory tree, checked as if it came from one file (for tests and
   * embedding).
   *
   * @throws org.fedmsg.ConfigException if a value has the wrong type
   * @throws org.fedmsg.ConfigException if {@code tree} is not an object
   */
  public static FedmsgConfig of(JsonNode tree) {
    if (!tree.isObject()) {
      throw new org.fedmsg.ConfigException("a configuration is a mapping, not " + tree.getNodeType());
    }
    List<String> warnings = new ArrayList<>();
    ConfigSchema.Checker checker = new ConfigSchema.Checker() {
      @Override
      public RuntimeException wrongType(List<String> path, String expected, JsonNode actual) {
        return new org.fedmsg.ConfigException("key '" + String.join(".", path) + "' must be " + expected
            + ", not " + actual);
      }

      @Override
      public void warn(List<String> path, String message) {
        warnings.add(message);
      }
    };
    tree.properties().forEach(e -> ConfigSchema.check(e.getKey(), e.getValue(), checker));
    return new FedmsgConfig((ObjectNode) tree, List.of(), warnings);
  }

  /* --------------- provenance --------------- */

  /** The files read, in merge order (lowest priority first). */
  public List<Path> files() {
    return files;
  }

  /** The warnings raised while loading (unknown keys, keys without effect), each naming its file. */
  public List<String> warnings() {
    return warnings;
  }

  /* --------------- raw access --------------- */

  /** The merged tree as the files wrote it, without defaults; a fresh copy. */
  public ObjectNode raw() {
    return raw.deepCopy();
  }

  /** The merged tree with the default of every known key that the files leave unset; a copy. */
  public ObjectNode effective() {
    ObjectNode out = raw.deepCopy();
    for (ConfigSchema.Key k : ConfigSchema.KEYS.values()) {
      if (k.defaultValue() != null && !out.has(k.name())) {
        out.set(k.name(), k.defaultValue().deepCopy());
      }
    }
    return out;
  }

  /** A top-level value as written (a copy), if present and not null. */
  public Optional<JsonNode> get(String key) {
    JsonNode v = raw.get(key);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.deepCopy());
  }

  private JsonNode value(String key) {
    JsonNode v = raw.get(key);
    if (v == null || v.isNull()) {
      v = ConfigSchema.KEYS.get(key).defaultValue();
    }
    return v;
  }

  private String string(String key) {
    return value(key).textValue();
  }

  private Optional<String> optionalString(String key) {
    JsonNode v = value(key);
    return v == null ? Optional.empty() : Optional.of(v.textValue());
  }

  private boolean bool(String key) {
    return value(key).booleanValue();
  }

  private int integer(String key) {
    return value(key).intValue();
  }

  private OptionalInt optionalInt(String key) {
    JsonNode v = value(key);
    return v == null ? OptionalInt.empty() : OptionalInt.of(v.intValue());
  }

  private Duration duration(String key) {
    JsonNode v = value(key);
    return Durations.parse(v);
  }

  private static List<String> stringList(JsonNode v) {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (v.isTextual()) {
      return List.of(v.textValue());
    }
    List<String> out = new ArrayList<>();
    v.forEach(item -> out.add(item.textValue()));
    return List.copyOf(out);
  }

  private Map<String, String> stringMap(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    value(key).properties().forEach(e -> out.put(e.getKey(), e.getValue().textValue()));
    return java.util.Collections.unmodifiableMap(out);
  }

  /* --------------- topics and identity --------------- */

  /** {@code topic_prefix}, default {@code org.fedoraproject}. */
  public String topicPrefix() {
    return string("topic_prefix");
  }

  /** {@code critical_topics}: topic patterns of the critical bus (policy grammar); empty by default. */
  public List<String> criticalTopics() {
    return stringList(value("critical_topics"));
  }

  /** {@code outbox.max_messages}: messages a critical publisher's outbox keeps at most, default 100,000. */
  public int outboxMaxMessages() {
    return integer("outbox.max_messages");
  }

  /** {@code outbox.max_bytes}: bytes of frames a critical publisher's outbox keeps at most, default 256 MiB. */
  public long outboxMaxBytes() {
    return value("outbox.max_bytes").longValue();
  }

  /** {@code outbox.max_age}: how long a critical publisher's outbox keeps a message, default 24 h. */
  public Duration outboxMaxAge() {
    return duration("outbox.max_age");
  }

  /** {@code gap_fill.mode}: {@code hold} (default) or {@code late}, how filled gaps are delivered. */
  public String gapFillMode() {
    return string("gap_fill.mode").strip();
  }

  /** {@code gap_fill.max_wait}: how long a gap may stay open (and hold later messages), default 30 s. */
  public Duration gapFillMaxWait() {
    return duration("gap_fill.max_wait");
  }

  /**
   * {@code gap_fill.reference_timeout}: how long one fetch from a fedmsg/1 reference replay
   * endpoint may block delivery, default 5 s.
   */
  public Duration gapFillReferenceTimeout() {
    return duration("gap_fill.reference_timeout");
  }

  /** {@code gap_fill.max_held}: messages held behind open gaps at most, default 10,000. */
  public int gapFillMaxHeld() {
    return integer("gap_fill.max_held");
  }

  /** {@code durable_name}: a subscriber's name for its saved positions (resume after a restart); none by default. */
  public Optional<String> durableName() {
    return optionalString("durable_name");
  }

  /**
   * The {@code replay} section: the bounds of this process's replay endpoint (defaults 1,000
   * messages and 8 MiB per reply, 100,000 seqs per request, 20 requests per second per client
   * with a burst of 40).
   */
  public org.fedmsg.reliable.ReplayLimits replayLimits() {
    try {
      return new org.fedmsg.reliable.ReplayLimits(integer("replay.max_messages_per_reply"),
          value("replay.max_bytes_per_reply").longValue(), value("replay.max_range").longValue(),
          integer("replay.requests_per_second"), integer("replay.burst"));
    } catch (IllegalArgumentException e) {
      throw new org.fedmsg.ConfigException("replay: " + e.getMessage(), e);
    }
  }

  /** {@code environment}, default {@code dev}. */
  public String environment() {
    return string("environment");
  }

  /** {@code name}: this process's service name (key into {@code endpoints} and {@code certnames}). */
  public Optional<String> name() {
    return optionalString("name");
  }

  /** {@code modname_rule}: {@code auto} (default), {@code package:N} or {@code fixed:NAME}. */
  public String modnameRule() {
    return string("modname_rule").strip();
  }

  /* --------------- endpoints and sockets --------------- */

  /**
   * {@code endpoints}: service name to its endpoints, in file order; a single string becomes a
   * one-element list. Unmodifiable.
   */
  public Map<String, List<ConfiguredEndpoint>> endpoints() {
    Map<String, List<ConfiguredEndpoint>> out = new LinkedHashMap<>();
    value("endpoints").properties().forEach(e -> {
      List<ConfiguredEndpoint> list = new ArrayList<>();
      JsonNode v = e.getValue();
      if (v.isTextual()) {
        list.add(ConfiguredEndpoint.of(v.textValue()));
      } else if (v.isArray()) {
        for (JsonNode item : v) {
          if (item.isTextual()) {
            list.add(ConfiguredEndpoint.of(item.textValue()));
          } else {
            JsonNode key = item.get("curve_server_key");
            JsonNode curve = item.get("curve");
            list.add(new ConfiguredEndpoint(item.get("url").textValue(),
                key == null || key.isNull() ? Optional.empty() : Optional.of(key.textValue()),
                curve != null && curve.isBoolean() && !curve.booleanValue()));
          }
        }
      }
      out.put(e.getKey(), List.copyOf(list));
    });
    return java.util.Collections.unmodifiableMap(out);
  }

  /** {@link #endpoints()} reduced to URLs. Unmodifiable. */
  public Map<String, List<String>> endpointUrls() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    endpoints().forEach((k, v) -> out.put(k, v.stream().map(ConfiguredEndpoint::url).toList()));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** {@code srv_endpoints}: domains whose {@code _fedmsg._tcp} SRV records list publishers. */
  public List<String> srvEndpoints() {
    return stringList(value("srv_endpoints"));
  }

  /** {@code active}: connect the publisher to {@code relay_inbound} instead of binding. */
  public boolean active() {
    return bool("active");
  }

  /** {@code mute}: create no publisher at all. */
  public boolean mute() {
    return bool("mute");
  }

  /** {@code relay_inbound}: the relay's inbound endpoint(s), default {@code tcp://127.0.0.1:2003}. */
  public List<String> relayInbound() {
    return stringList(value("relay_inbound"));
  }

  /** {@code verify_threads}: threads verifying received messages; empty for one per core. */
  public OptionalInt verifyThreads() {
    return optionalInt("verify_threads");
  }

  /** {@code high_water_mark}: ZeroMQ SNDHWM/RCVHWM; 0 (default) leaves ZeroMQ's default. */
  public int highWaterMark() {
    return integer("high_water_mark");
  }

  /** {@code zmq_linger} in milliseconds, default 1000. */
  public int zmqLingerMillis() {
    return integer("zmq_linger");
  }

  /** {@code zmq_tcp_keepalive}: TCP_KEEPALIVE, set only when configured. */
  public OptionalInt zmqTcpKeepalive() {
    return optionalInt("zmq_tcp_keepalive");
  }

  /** {@code zmq_tcp_keepalive_cnt}, set only when configured. */
  public OptionalInt zmqTcpKeepaliveCnt() {
    return optionalInt("zmq_tcp_keepalive_cnt");
  }

  /** {@code zmq_tcp_keepalive_idle} in seconds, set only when configured. */
  public OptionalInt zmqTcpKeepaliveIdle() {
    return optionalInt("zmq_tcp_keepalive_idle");
  }

  /** {@code zmq_tcp_keepalive_intvl} in seconds, set only when configured. */
  public OptionalInt zmqTcpKeepaliveIntvl() {
    return optionalInt("zmq_tcp_keepalive_intvl");
  }

  /** {@code zmq_reconnect_ivl} in milliseconds, set only when configured. */
  public OptionalInt zmqReconnectIvlMillis() {
    return optionalInt("zmq_reconnect_ivl");
  }

  /** {@code zmq_reconnect_ivl_max} in milliseconds, set only when configured. */
  public OptionalInt zmqReconnectIvlMaxMillis() {
    return optionalInt("zmq_reconnect_ivl_max");
  }

  /**
   * Default {@code max_message_size}: 1 MiB. Real fedmsg messages reach a few hundred KB; an
   * unauthenticated peer can make a receiver allocate this much per connection by announcing a
   * frame and sending nothing, so it is kept small. See {@code docs/configuration.md}.
   */
  public static final long DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;

  /**
   * {@code max_message_size} in bytes: the largest ZeroMQ message a socket accepts before it drops
   * the connection; default 1 MiB, 0 for no limit.
   */
  public long maxMessageSize() {
    return value("max_message_size").longValue();
  }

  /** {@code wire_format}: {@code fedmsg1} (default) or {@code fedmsg2}, lower case. */
  public String wireFormat() {
    return string("wire_format").toLowerCase(Locale.ROOT);
  }

  /** {@code replay_endpoints}: service name to its replay (REQ/REP) endpoint. */
  public Map<String, String> replayEndpoints() {
    return stringMap("replay_endpoints");
  }

  /* --------------- signing and trust --------------- */

  /** {@code sign_messages}, default false. */
  public boolean signMessages() {
    return bool("sign_messages");
  }

  /** {@code validate_signatures}, default true. */
  public boolean validateSignatures() {
    return bool("validate_signatures");
  }

  /**
   * {@code wire_compact}: whether a fedmsg/2 publisher (and the relay's outbound) may reference a
   * certificate chain its subscribers have seen by its SHA-256 instead of carrying it; default
   * true. See {@code docs/wire-format.md}.
   */
  public boolean wireCompact() {
    return bool("wire_compact");
  }

  /** {@code compact.full_every_messages}: a full chain at least every this many messages per (signer, topic), default 1000. */
  public int compactFullEveryMessages() {
    return integer("compact.full_every_messages");
  }

  /** {@code compact.full_every}: a full chain at least this often per (signer, topic), default 10 s. */
  public Duration compactFullEvery() {
    return duration("compact.full_every");
  }

  /** {@code ssldir}: where {@code <certname>.crt} and {@code .key} live, default {@code /etc/pki/fedmsg}. */
  public Path ssldir() {
    return Path.of(string("ssldir"));
  }

  /** {@code certnames}: {@code <service>.<shorthost>} to certificate name. */
  public Map<String, String> certnames() {
    return stringMap("certnames");
  }

  /** {@code cert_prefix}: if set, the certificate key is {@code <cert_prefix>.<shorthost>}. */
  public Optional<String> certPrefix() {
    return optionalString("cert_prefix");
  }

  /** {@code ca_cert_location}: CA bundle path or https URL (default: the reference's URL). */
  public String caCertLocation() {
    return string("ca_cert_location");
  }

  /**
   * {@code crl_location}: CRL path or https URL; the reference's URL when the key is absent, empty
   * when it is set to null or an empty string (no revocation checking).
   */
  public Optional<String> crlLocation() {
    if (raw.has("crl_location")) {
      JsonNode v = raw.get("crl_location");
      return v.isNull() || v.textValue().isBlank() ? Optional.empty() : Optional.of(v.textValue());
    }
    return Optional.of(string("crl_location"));
  }

  /** {@code crl_grace_period}: how long past its nextUpdate a CRL is still used, default 1h. */
  public Duration crlGracePeriod() {
    return duration("crl_grace_period");
  }

  /**
   * {@code trust_reload_interval}: how often a running component checks its CA and CRL files for
   * changes (and retries failed fetches); default 30 s.
   */
  public Duration trustReloadInterval() {
    return duration("trust_reload_interval");
  }

  /** {@code crl_failure_mode}: {@code fail_closed} (default) or {@code fail_open}. */
  public String crlFailureMode() {
    return ConfigSchema.crlFailureMode(string("crl_failure_mode"));
  }

  /** {@code crypto_min_rsa_bits}: minimum RSA key size in a chain; 0 (default) = no extra minimum. */
  public int cryptoMinRsaBits() {
    return integer("crypto_min_rsa_bits");
  }

  /** {@code crypto_allowed_digests}: digest names allowed in signatures; empty = all (see {@link TrustSettings}). */
  public List<String> cryptoAllowedDigests() {
    return stringList(value("crypto_allowed_digests"));
  }

  /** {@code accept_formats}: wire formats receivers accept; empty = both (see {@link TrustSettings}). */
  public List<String> acceptFormats() {
    return stringList(value("accept_formats"));
  }

  /** {@code trust_state_dir}: where fetched CA/CRL copies are kept; default {@code <state_dir>/trust}. */
  public Optional<Path> trustStateDir() {
    return optionalString("trust_state_dir").map(Path::of)
        .or(() -> stateDir().map(dir -> dir.resolve("trust")));
  }

  /** Whether {@code key} is set to a non-null value. */
  boolean isSet(String key) {
    JsonNode v = raw.get(key);
    return v != null && !v.isNull();
  }

  /** {@code replay_window}: accepted clock difference and duplicate-id memory, default 5m. */
  public Duration replayWindow() {
    return duration("replay_window");
  }

  /* --------------- policy --------------- */

  /** {@code routing_policy}: the reference's exact topic to allowed signer names map. */
  public Map<String, List<String>> routingPolicy() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    value("routing_policy").properties().forEach(e -> out.put(e.getKey(), stringList(e.getValue())));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** {@code routing_nitpicky}: topics no rule mentions are denied; default false. */
  public boolean routingNitpicky() {
    return bool("routing_nitpicky");
  }

  /** {@code policy}: the inline policy section, parsed by the policy module; a copy. */
  public Optional<ObjectNode> policy() {
    JsonNode v = raw.get("policy");
    return v == null || v.isNull() ? Optional.empty() : Optional.of((ObjectNode) v.deepCopy());
  }

  /** {@code policy_file}: a policy file to load (and reload when it changes). */
  public Optional<Path> policyFile() {
    return optionalString("policy_file").map(Path::of);
  }

  /* --------------- discovery, CURVE, state --------------- */

  /** {@code discovery}: the resolvers to use, in order; default one {@code file} resolver. */
  public List<DiscoverySource> discovery() {
    List<DiscoverySource> out = new ArrayList<>();
    value("discovery").forEach(n -> out.add(new DiscoverySource(n.get("type").textValue(), (ObjectNode) n)));
    return List.copyOf(out);
  }

  /** {@code discovery_refresh}: how often subscribers re-resolve endpoints, default 30s. */
  public Duration discoveryRefresh() {
    return duration("discovery_refresh");
  }

  /** {@code curve}: CURVE settings; disabled by default. */
  public CurveConfig curve() {
    JsonNode c = value("curve");
    JsonNode enabled = c.get("enabled");
    return new CurveConfig(enabled != null && enabled.asBoolean(false),
        pathIn(c, "public_key_file"), pathIn(c, "secret_key_file"), stringList(c.get("allowed_clients")));
  }

  private static Optional<Path> pathIn(JsonNode section, String key) {
    JsonNode v = section.get(key);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(Path.of(v.textValue()));
  }

  /** {@code state_dir}: where long-lived state (caches, last known endpoints) is kept. */
  public Optional<Path> stateDir() {
    return optionalString("state_dir").map(Path::of);
  }

  @Override
  public String toString() {
    return "FedmsgConfig" + files;
  }
}
