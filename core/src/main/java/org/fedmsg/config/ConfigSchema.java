package org.fedmsg.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.fedmsg.crypto.Z85;
import org.fedmsg.discovery.Durations;

/**
 * The keys this implementation knows, their types and defaults. One line per key: adding a key
 * here (and to docs/configuration.md) is all it takes to stop the unknown-key warning for it.
 * Values are checked on the merged tree; {@link Checker} names the file that set a bad value.
 */
final class ConfigSchema {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The type of a key's value. */
  enum Kind {
    STRING("a string"),
    BOOLEAN("a boolean (true or false)"),
    INTEGER("a non-negative integer"),
    POSITIVE_INTEGER("a positive integer"),
    DURATION("a duration such as 250ms, 1.5s, 30s, 5m, 1h, PT30S or a number of seconds"),
    POSITIVE_DURATION("a duration above zero such as 250ms, 1.5s, 30s, 5m, 1h, PT30S or a number of seconds"),
    STRING_OR_LIST("a string or a list of strings"),
    STRING_MAP("a mapping of strings to strings"),
    STRING_LIST_MAP("a mapping of strings to lists of strings"),
    ENDPOINTS("a mapping of service names to a URL or a list of URLs or {url, curve_server_key, curve} entries"),
    MAPPING("a mapping"),
    DISCOVERY("a list of mappings, each with a string 'type'"),
    CURVE("a mapping with enabled, public_key_file, secret_key_file, allowed_clients"),
    WIRE_FORMAT("fedmsg1 or fedmsg2"),
    DIGESTS("a non-empty list of digest names (md5, sha1, sha224, sha256, sha384, sha512)"),
    WIRE_FORMATS("a non-empty list of wire formats (fedmsg/1, fedmsg/2)"),
    CRL_FAILURE_MODE("fail_closed or fail_open"),
    MODNAME_RULE("auto, package:N (N >= 1) or fixed:NAME"),
    AMQP("a mapping of the bridge's settings (url, exchange, queue, ...)"),
    /** A reference key this implementation reads but does not act on: accepted with a warning. */
    NO_EFFECT("any value");

    final String expected;

    Kind(String expected) {
      this.expected = expected;
    }
  }

  /** A key: its kind and default ({@code null}: no default, absent unless configured). */
  record Key(String name, Kind kind, JsonNode defaultValue) {}

  static final Map<String, Key> KEYS = new LinkedHashMap<>();

  static {
    // Reference keys with the same meaning.
    key("topic_prefix", Kind.STRING, F.textNode("org.fedoraproject"));
    key("environment", Kind.STRING, F.textNode("dev"));
    key("endpoints", Kind.ENDPOINTS, F.objectNode());
    key("srv_endpoints", Kind.STRING_OR_LIST, F.arrayNode());
    key("name", Kind.STRING, null);
    key("active", Kind.BOOLEAN, F.booleanNode(false));
    key("mute", Kind.BOOLEAN, F.booleanNode(false));
    key("relay_inbound", Kind.STRING_OR_LIST, F.textNode("tcp://127.0.0.1:2003"));
    key("high_water_mark", Kind.INTEGER, F.numberNode(0));
    key("zmq_linger", Kind.INTEGER, F.numberNode(1000));
    key("zmq_tcp_keepalive", Kind.INTEGER, null);
    key("zmq_tcp_keepalive_cnt", Kind.INTEGER, null);
    key("zmq_tcp_keepalive_idle", Kind.INTEGER, null);
    key("zmq_tcp_keepalive_intvl", Kind.INTEGER, null);
    key("zmq_reconnect_ivl", Kind.INTEGER, null);
    key("zmq_reconnect_ivl_max", Kind.INTEGER, null);
    key("max_message_size", Kind.INTEGER, F.numberNode(FedmsgConfig.DEFAULT_MAX_MESSAGE_SIZE));
    key("sign_messages", Kind.BOOLEAN, F.booleanNode(false));
    key("validate_signatures", Kind.BOOLEAN, F.booleanNode(true));
    key("ssldir", Kind.STRING, F.textNode("/etc/pki/fedmsg"));
    key("certnames", Kind.STRING_MAP, F.objectNode());
    key("cert_prefix", Kind.STRING, null);
    key("ca_cert_location", Kind.STRING, F.textNode("https://fedoraproject.org/fedmsg/ca.crt"));
    key("crl_location", Kind.STRING, F.textNode("https://fedoraproject.org/fedmsg/crl.pem"));
    key("routing_policy", Kind.STRING_LIST_MAP, F.objectNode());
    key("routing_nitpicky", Kind.BOOLEAN, F.booleanNode(false));
    key("replay_endpoints", Kind.STRING_MAP, F.objectNode());
    // This project's keys.
    key("wire_format", Kind.WIRE_FORMAT, F.textNode("fedmsg1"));
    key("wire_compact", Kind.BOOLEAN, F.booleanNode(true));
    key("compact.full_every_messages", Kind.POSITIVE_INTEGER, F.numberNode(1000));
    key("compact.full_every", Kind.POSITIVE_DURATION, F.textNode("10s"));
    key("policy", Kind.MAPPING, null);
    key("policy_file", Kind.STRING, null);
    ObjectNode fileDiscovery = F.objectNode().put("type", "file");
    key("discovery", Kind.DISCOVERY, F.arrayNode().add(fileDiscovery));
    key("discovery_refresh", Kind.POSITIVE_DURATION, F.textNode("30s"));
    key("curve", Kind.CURVE, F.objectNode().put("enabled", false));
    key("state_dir", Kind.STRING, null);
    key("verify_threads", Kind.POSITIVE_INTEGER, null);
    key("replay_window", Kind.DURATION, F.textNode("5m"));
    key("crl_grace_period", Kind.DURATION, F.textNode("1h"));
    key("crl_failure_mode", Kind.CRL_FAILURE_MODE, F.textNode("fail_closed"));
    key("crypto_min_rsa_bits", Kind.INTEGER, F.numberNode(0));
    key("crypto_allowed_digests", Kind.DIGESTS, null);
    key("accept_formats", Kind.WIRE_FORMATS, null);
    key("trust_state_dir", Kind.STRING, null);
    key("trust_reload_interval", Kind.POSITIVE_DURATION, F.textNode("30s"));
    key("modname_rule", Kind.MODNAME_RULE, F.textNode("auto"));
    key("heartbeat_interval", Kind.DURATION, F.textNode("10s"));
    key("critical_topics", Kind.STRING_OR_LIST, null);
    key("outbox.max_messages", Kind.POSITIVE_INTEGER, F.numberNode(100_000));
    key("outbox.max_bytes", Kind.POSITIVE_INTEGER, F.numberNode(256 * 1024 * 1024));
    key("outbox.max_age", Kind.POSITIVE_DURATION, F.textNode("24h"));
    key("gap_fill.mode", Kind.STRING, F.textNode("hold"));
    key("gap_fill.max_wait", Kind.POSITIVE_DURATION, F.textNode("30s"));
    key("gap_fill.max_held", Kind.POSITIVE_INTEGER, F.numberNode(10_000));
    key("gap_fill.reference_timeout", Kind.POSITIVE_DURATION, F.textNode("5s"));
    key("durable_name", Kind.STRING, null);
    // the replay endpoint (docs/reliability.md, "Replay endpoint")
    key("replay.max_messages_per_reply", Kind.POSITIVE_INTEGER, F.numberNode(1000));
    key("replay.max_bytes_per_reply", Kind.POSITIVE_INTEGER, F.numberNode(8 * 1024 * 1024));
    key("replay.max_range", Kind.POSITIVE_INTEGER, F.numberNode(100_000));
    key("replay.requests_per_second", Kind.POSITIVE_INTEGER, F.numberNode(20));
    key("replay.burst", Kind.POSITIVE_INTEGER, F.numberNode(40));
    key("amqp", Kind.AMQP, null);
    key("hub.consumers", Kind.STRING_OR_LIST, null);
    key("hub.queue_size", Kind.POSITIVE_INTEGER, F.numberNode(10_000));
    key("hub.drain_timeout", Kind.DURATION, F.textNode("5s"));
    // fedmsg gateway (web module; docs/gateway.md)
    key("gateway.host", Kind.STRING, F.textNode("127.0.0.1"));
    key("gateway.port", Kind.INTEGER, F.numberNode(9940));
    key("gateway.allowed_origins", Kind.STRING_OR_LIST, null);
    key("gateway.topics", Kind.STRING_OR_LIST, null);
    key("gateway.max_connections", Kind.POSITIVE_INTEGER, F.numberNode(1000));
    key("gateway.max_subscriptions", Kind.POSITIVE_INTEGER, F.numberNode(50));
    key("gateway.client_queue", Kind.POSITIVE_INTEGER, F.numberNode(256));
    key("gateway.stats_store_url", Kind.STRING, null);
    // fedmsg store (module store, docs/store.md); store.url defaults to jdbc:sqlite:<state_dir>/store.db
    key("store.url", Kind.STRING, null);
    key("store.user", Kind.STRING, null);
    key("store.password_file", Kind.STRING, null);
    key("store.batch_size", Kind.POSITIVE_INTEGER, F.numberNode(500));
    key("store.queue_size", Kind.POSITIVE_INTEGER, F.numberNode(100_000));
    key("store.max_query_span", Kind.POSITIVE_DURATION, F.textNode("31d"));
    key("store.http", Kind.STRING, F.textNode("127.0.0.1:8091"));
    // Reference keys that have no effect here (Python runtime, STOMP, gpg, unused caches).
    for (String k : List.of("io_threads", "post_init_sleep", "timeout", "zmq_enabled", "zmq_strict",
        "crypto_backend", "crypto_validate_backends", "crl_cache", "crl_cache_expiry", "ca_cert_cache",
        "ca_cert_cache_expiry", "logging", "persistent_store", "print_config", "gpg_home", "gpg_signing_key",
        "gpg_keys", "topic_prefix_re")) {
      key(k, Kind.NO_EFFECT, null);
    }
  }

  /** Settings of a {@code discovery} entry that are durations (resolver timeouts, directory registrations). */
  static final List<String> DISCOVERY_DURATIONS = List.of("timeout", "registration_lifetime");

  static final Set<String> CURVE_KEYS = Set.of("enabled", "public_key_file", "secret_key_file", "allowed_clients");

  private static final Pattern MODNAME_RULE = Pattern.compile("auto|package:[1-9][0-9]*|fixed:\\S+");

  private ConfigSchema() {}

  private static void key(String name, Kind kind, JsonNode defaultValue) {
    KEYS.put(name, new Key(name, kind, defaultValue));
  }

  /** Normalises {@code fail-closed}, {@code FAIL_CLOSED} ... to {@code fail_closed}. */
  static String crlFailureMode(String text) {
    return text.strip().toLowerCase(Locale.ROOT).replace('-', '_');
  }

  /** Checks values against the schema; knows which file set each value. */
  interface Checker {
    /** Throws a ConfigException naming the file that set {@code path} and what was expected. */
    RuntimeException wrongType(List<String> path, String expected, JsonNode actual);

    /** Records a warning about {@code path}, naming the file that set it. */
    void warn(List<String> path, String message);
  }

  /** Checks one top-level key. Null values mean "not set" and are not checked. */
  static void check(String name, JsonNode value, Checker c) {
    Key key = KEYS.get(name);
    List<String> path = List.of(name);
    if (key == null) {
      // Dotted keys are namespaced settings of consumers and plugins, as in the reference.
      if (!name.contains(".")) {
        String hint = suggestion(name);
        c.warn(path, "unknown key '" + name + "' (ignored)" + (hint == null ? "" : "; did you mean '" + hint + "'?"));
      }
      return;
    }
    if (value.isNull()) {
      return;
    }
    Kind kind = key.kind();
    switch (kind) {
      case STRING:
        require(value.isTextual(), path, kind.expected, value, c);
        break;
      case BOOLEAN:
        require(value.isBoolean(), path, kind.expected, value, c);
        break;
      case INTEGER:
        require(value.isIntegralNumber() && value.canConvertToInt() && value.intValue() >= 0,
            path, kind.expected, value, c);
        break;
      case DURATION:
      case POSITIVE_DURATION:
        checkDuration(value, path, kind, c);
        break;
      case POSITIVE_INTEGER:
        require(value.isIntegralNumber() && value.canConvertToInt() && value.intValue() > 0,
            path, kind.expected, value, c);
        break;
      case STRING_OR_LIST:
        checkStringOrList(value, path, c);
        break;
      case STRING_MAP:
        require(value.isObject(), path, kind.expected, value, c);
        value.properties().forEach(e -> require(e.getValue().isTextual(), child(path, e.getKey()), "a string",
            e.getValue(), c));
        break;
      case STRING_LIST_MAP:
        require(value.isObject(), path, kind.expected, value, c);
        value.properties().forEach(e -> checkStringOrList(e.getValue(), child(path, e.getKey()), c));
        break;
      case ENDPOINTS:
        checkEndpoints(value, path, c);
        break;
      case MAPPING:
        require(value.isObject(), path, kind.expected, value, c);
        break;
      case DISCOVERY:
        checkDiscovery(value, path, c);
        break;
      case CURVE:
        checkCurve(value, path, c);
        break;
      case AMQP:
        checkSection("amqp", AMQP_KEYS, value, path, c);
        if (value.hasNonNull("critical_topics")) {
          c.warn(child(path, "critical_topics"), "key 'amqp.critical_topics' is deprecated: list the topics in the "
              + "bus-wide 'critical_topics' (topic patterns; a prefix p is the pattern p*), which the bridge uses too; "
              + "its prefixes are converted to patterns and added for now");
        }
        break;
      case WIRE_FORMAT:
        require(value.isTextual() && List.of("fedmsg1", "fedmsg2").contains(value.textValue().toLowerCase(Locale.ROOT)),
            path, kind.expected, value, c);
        break;
      case DIGESTS:
        checkNames(value, path, kind, c, org.fedmsg.crypto.Digest::parse);
        break;
      case WIRE_FORMATS:
        checkNames(value, path, kind, c, org.fedmsg.WireFormat::parse);
        break;
      case CRL_FAILURE_MODE:
        require(value.isTextual() && List.of("fail_closed", "fail_open").contains(crlFailureMode(value.textValue())),
            path, kind.expected, value, c);
        break;
      case MODNAME_RULE:
        require(value.isTextual() && MODNAME_RULE.matcher(value.textValue().strip()).matches(),
            path, kind.expected, value, c);
        break;
      case NO_EFFECT:
        c.warn(path, "key '" + name + "' of the reference fedmsg has no effect in this implementation (ignored)");
        break;
      default:
        throw new AssertionError(kind);
    }
  }

  private static void require(boolean ok, List<String> path, String expected, JsonNode value, Checker c) {
    if (!ok) {
      throw c.wrongType(path, expected, value);
    }
  }

  private static List<String> child(List<String> path, String key) {
    List<String> p = new ArrayList<>(path);
    p.add(key);
    return p;
  }

  /** A string or a non-empty list of strings, each of which {@code parse} accepts. */
  private static void checkNames(JsonNode value, List<String> path, Kind kind, Checker c,
      java.util.function.Function<String, ?> parse) {
    require(value.isTextual() || value.isArray() && !value.isEmpty(), path, kind.expected, value, c);
    for (JsonNode item : value.isArray() ? value : List.of(value)) {
      boolean known;
      try {
        known = item.isTextual() && parse.apply(item.textValue()) != null;
      } catch (IllegalArgumentException e) {
        known = false;
      }
      require(known, path, kind.expected, item, c);
    }
  }

  private static void checkStringOrList(JsonNode value, List<String> path, Checker c) {
    if (value.isTextual()) {
      return;
    }
    require(value.isArray(), path, Kind.STRING_OR_LIST.expected, value, c);
    for (JsonNode item : value) {
      require(item.isTextual(), path, Kind.STRING_OR_LIST.expected, value, c);
    }
  }

  private static void checkDuration(JsonNode value, List<String> path, Kind kind, Checker c) {
    try {
      Duration d = Durations.parse(value);
      if (kind == Kind.DURATION || !d.isZero()) {
        return;
      }
    } catch (IllegalArgumentException e) {
      // reported below, with the file
    }
    throw c.wrongType(path, kind.expected, value);
  }

  private static void checkEndpoints(JsonNode value, List<String> path, Checker c) {
    require(value.isObject(), path, Kind.ENDPOINTS.expected, value, c);
    String expected = "a URL string or a list of URL strings or {url, curve_server_key, curve} mappings";
    value.properties().forEach(e -> {
      List<String> p = child(path, e.getKey());
      JsonNode v = e.getValue();
      if (v.isTextual()) {
        return;
      }
      require(v.isArray(), p, expected, v, c);
      for (JsonNode item : v) {
        if (item.isTextual()) {
          continue;
        }
        require(item.isObject() && item.path("url").isTextual(), p, expected, v, c);
        JsonNode key = item.get("curve_server_key");
        require(key == null || key.isNull() || key.isTextual(), child(p, "curve_server_key"), "a string", key, c);
        require(key == null || key.isNull() || Z85.decodeKey(key.textValue()).isPresent(),
            child(p, "curve_server_key"), "40 characters of Z85 (a CURVE public key)", key, c);
        JsonNode curve = item.get("curve");
        require(curve == null || curve.isNull() || curve.isBoolean(), child(p, "curve"), "a boolean", curve, c);
        if (curve != null && curve.isBoolean() && !curve.booleanValue() && key != null && key.isTextual()) {
          throw c.wrongType(child(p, "curve"), "absent or true when curve_server_key is given", curve);
        }
        item.fieldNames().forEachRemaining(f -> {
          if (!f.equals("url") && !f.equals("curve_server_key") && !f.equals("curve")) {
            c.warn(child(p, f), "unknown key '" + f + "' in an endpoint entry of '" + e.getKey() + "' (ignored)");
          }
        });
      }
    });
  }

  private static void checkDiscovery(JsonNode value, List<String> path, Checker c) {
    require(value.isArray(), path, Kind.DISCOVERY.expected, value, c);
    int i = 0;
    for (JsonNode item : value) {
      require(item.isObject() && item.path("type").isTextual() && !item.path("type").textValue().isBlank(),
          path, Kind.DISCOVERY.expected, value, c);
      // Checked here with the runtime's parser so that a bad value is reported at load, naming its file.
      for (String durationKey : DISCOVERY_DURATIONS) {
        JsonNode d = item.get(durationKey);
        if (d != null && !d.isNull()) {
          checkDuration(d, child(child(path, Integer.toString(i)), durationKey), Kind.POSITIVE_DURATION, c);
        }
      }
      i++;
    }
  }

  /** The keys of the {@code amqp} section (the bridge, {@code docs/amqp.md}) and their kinds. */
  static final Map<String, Kind> AMQP_KEYS = new LinkedHashMap<>();

  static {
    for (String k : List.of("url", "ca_cert", "cert", "key", "exchange", "queue", "dead_letter_queue", "spool_dir")) {
      AMQP_KEYS.put(k, Kind.STRING);
    }
    for (String k : List.of("topics", "bindings", "critical_topics", "user_pointers", "package_pointers")) {
      AMQP_KEYS.put(k, Kind.STRING_OR_LIST);
    }
    AMQP_KEYS.put("buffer_size", Kind.POSITIVE_INTEGER);
    AMQP_KEYS.put("spool_limit", Kind.POSITIVE_INTEGER);
    AMQP_KEYS.put("priority", Kind.INTEGER);
    AMQP_KEYS.put("max_message_size", Kind.POSITIVE_INTEGER);
    AMQP_KEYS.put("dedupe_window", Kind.POSITIVE_DURATION);
    AMQP_KEYS.put("reconnect_max", Kind.POSITIVE_DURATION);
  }

  /** A mapping whose known keys are checked by kind and whose unknown keys are warned about. */
  private static void checkSection(String section, Map<String, Kind> known, JsonNode value, List<String> path,
      Checker c) {
    require(value.isObject(), path, Kind.MAPPING.expected, value, c);
    value.properties().forEach(e -> {
      List<String> p = child(path, e.getKey());
      JsonNode v = e.getValue();
      Kind kind = known.get(e.getKey());
      if (kind == null) {
        c.warn(p, "unknown key '" + e.getKey() + "' in section '" + section + "' (ignored); known: " + known.keySet());
        return;
      }
      if (v.isNull()) {
        return;
      }
      switch (kind) {
        case STRING:
          require(v.isTextual(), p, kind.expected, v, c);
          break;
        case STRING_OR_LIST:
          checkStringOrList(v, p, c);
          break;
        case INTEGER:
          require(v.isIntegralNumber() && v.canConvertToInt() && v.intValue() >= 0, p, kind.expected, v, c);
          break;
        case POSITIVE_INTEGER:
          require(v.isIntegralNumber() && v.canConvertToLong() && v.longValue() > 0, p, kind.expected, v, c);
          break;
        case POSITIVE_DURATION:
          checkDuration(v, p, kind, c);
          break;
        default:
          throw new AssertionError(kind);
      }
    });
  }

  private static void checkCurve(JsonNode value, List<String> path, Checker c) {
    require(value.isObject(), path, Kind.CURVE.expected, value, c);
    value.properties().forEach(e -> {
      List<String> p = child(path, e.getKey());
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "enabled":
          require(v.isBoolean() || v.isNull(), p, Kind.BOOLEAN.expected, v, c);
          break;
        case "public_key_file":
        case "secret_key_file":
          require(v.isTextual() || v.isNull(), p, Kind.STRING.expected, v, c);
          break;
        case "allowed_clients":
          if (!v.isNull()) {
            checkStringOrList(v, p, c);
          }
          break;
        default:
          c.warn(p, "unknown key '" + e.getKey() + "' in section 'curve' (ignored); known: " + CURVE_KEYS);
      }
    });
  }

  /** The known key closest to a misspelt one, if any is close. */
  static String suggestion(String name) {
    String best = null;
    int bestDistance = 3; // at most two edits away
    for (String k : KEYS.keySet()) {
      int d = distance(name, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
