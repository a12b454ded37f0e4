package org.fedmsg.discovery.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.EndpointUrls;

/**
 * What a service tells the directory: its name, its endpoints and CURVE public key, when the statement was
 * made and until when it holds. An empty endpoint list is a <em>withdrawal</em> (the service stopped).
 *
 * <p>Immutable. The signed bytes are {@link #canonicalBytes()}; see {@code docs/discovery.md}.
 *
 * @param service the service name: dot-separated non-empty labels of {@code [A-Za-z0-9_-]}, 1-255 characters
 *     (no empty label, no leading or trailing dot, so one name has one spelling for the policy to match)
 * @param endpoints its endpoint URLs (at most 64), empty for a withdrawal
 * @param curveServerKey its CURVE public key in Z85, if it speaks CURVE
 * @param issuedAt when it was made (millisecond precision)
 * @param expiresAt when it stops holding (after {@code issuedAt}, millisecond precision)
 * @param nonce 32 lower-case hex digits, fresh for each registration
 * @param replay the URL of its replay endpoint, if it serves one (optional: registrations without it
 *     sign and verify exactly as before)
 */
public record Registration(String service, List<String> endpoints, Optional<String> curveServerKey,
    Instant issuedAt, Instant expiresAt, String nonce, Optional<String> replay) {

  /** Maximum number of endpoints in one registration. */
  public static final int MAX_ENDPOINTS = 64;
  static final String MAGIC = "fedmsg-directory-registration/1";
  private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
  private static final Pattern NONCE = Pattern.compile("[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a field is malformed (the message says which)
   */
  public Registration {
    Objects.requireNonNull(service, "service");
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(curveServerKey, "curveServerKey");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(nonce, "nonce");
    if (service.length() > 255 || !SERVICE.matcher(service).matches()) {
      throw new IllegalArgumentException("service name must be 1-255 characters of dot-separated non-empty labels "
          + "of [A-Za-z0-9_-]: '" + service + "'");
    }
    if (endpoints.size() > MAX_ENDPOINTS) {
      throw new IllegalArgumentException("more than " + MAX_ENDPOINTS + " endpoints");
    }
    for (String e : endpoints) {
      Optional<String> why = EndpointUrls.problem(e);
      if (why.isPresent()) {
        throw new IllegalArgumentException("endpoint '" + e + "': " + why.get());
      }
    }
    if (curveServerKey.isPresent() && !CurveKeys.isValid(curveServerKey.get())) {
      throw new IllegalArgumentException("curve_server_key is not 40 characters of Z85");
    }
    issuedAt = Instant.ofEpochMilli(issuedAt.toEpochMilli());
    expiresAt = Instant.ofEpochMilli(expiresAt.toEpochMilli());
    if (!expiresAt.isAfter(issuedAt)) {
      throw new IllegalArgumentException("expires_at must be after issued_at");
    }
    if (!NONCE.matcher(nonce).matches()) {
      throw new IllegalArgumentException("nonce must be 32 lower-case hex digits");
    }
    Objects.requireNonNull(replay, "replay");
    if (replay.isPresent()) {
      Optional<String> why = EndpointUrls.problem(replay.get());
      if (why.isPresent()) {
        throw new IllegalArgumentException("replay '" + replay.get() + "': " + why.get());
      }
    }
  }

  /** A registration without a replay endpoint. */
  public Registration(String service, List<String> endpoints, Optional<String> curveServerKey, Instant issuedAt,
      Instant expiresAt, String nonce) {
    this(service, endpoints, curveServerKey, issuedAt, expiresAt, nonce, Optional.empty());
  }

  /**
   * A new registration issued now with a fresh random nonce.
   *
   * @param service the service name
   * @param endpoints the endpoints (empty for a withdrawal)
   * @param curveServerKey the CURVE key, if any
   * @param now the issue time
   * @param lifetime how long it holds
   * @return the registration
   * @throws IllegalArgumentException if a field is malformed
   */
  public static Registration create(String service, List<String> endpoints, Optional<String> curveServerKey,
      Instant now, java.time.Duration lifetime) {
    return create(service, endpoints, curveServerKey, Optional.empty(), now, lifetime);
  }

  /**
   * As {@link #create(String, List, Optional, Instant, java.time.Duration)}, announcing a replay endpoint.
   *
   * @param replay the replay endpoint's URL, if any
   */
  public static Registration create(String service, List<String> endpoints, Optional<String> curveServerKey,
      Optional<String> replay, Instant now, java.time.Duration lifetime) {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    return new Registration(service, endpoints, curveServerKey, now, now.plus(lifetime), HexFormat.of().formatHex(n),
        replay);
  }

  /**
   * Whether this is a withdrawal (no endpoints).
   *
   * @return true when the endpoint list is empty
   */
  public boolean withdrawal() {
    return endpoints.isEmpty();
  }

  /**
   * The bytes that are signed: UTF-8 lines, each ending with {@code \n}, in this order:
   * {@code fedmsg-directory-registration/1}, {@code service:<name>}, one {@code endpoint:<url>} per endpoint
   * in order, {@code curve_server_key:<Z85 or empty>}, {@code replay:<url>} only when a replay endpoint is
   * announced (so a registration without one has the bytes it always had), {@code issued_at:<epoch ms>},
   * {@code expires_at:<epoch ms>}, {@code nonce:<hex>}. No field can contain a line break, so the encoding
   * is unambiguous.
   *
   * @return a fresh array
   */
  public byte[] canonicalBytes() {
    StringBuilder sb = new StringBuilder(MAGIC).append('\n');
    sb.append("service:").append(service).append('\n');
    for (String e : endpoints) {
      sb.append("endpoint:").append(e).append('\n');
    }
    sb.append("curve_server_key:").append(curveServerKey.orElse("")).append('\n');
    replay.ifPresent(r -> sb.append("replay:").append(r).append('\n'));
    sb.append("issued_at:").append(issuedAt.toEpochMilli()).append('\n');
    sb.append("expires_at:").append(expiresAt.toEpochMilli()).append('\n');
    sb.append("nonce:").append(nonce).append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The JSON form ({@code service}, {@code endpoints}, {@code curve_server_key} or null, {@code issued_at}
   * and {@code expires_at} in epoch milliseconds, {@code nonce}).
   *
   * @return a new JSON object
   */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("service", service);
    endpoints.forEach(n.putArray("endpoints")::add);
    if (curveServerKey.isPresent()) {
      n.put("curve_server_key", curveServerKey.get());
    } else {
      n.putNull("curve_server_key");
    }
    n.put("issued_at", issuedAt.toEpochMilli());
    n.put("expires_at", expiresAt.toEpochMilli());
    n.put("nonce", nonce);
    replay.ifPresent(r -> n.put("replay", r));
    return n;
  }

  /**
   * Reads the JSON form strictly (unknown keys are refused, so nothing unsigned rides along).
   *
   * @param n the object
   * @return the registration
   * @throws IllegalArgumentException if anything is missing, of the wrong type, unknown or malformed
   */
  public static Registration fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("registration must be an object");
    }
    List<String> known = List.of("service", "endpoints", "curve_server_key", "issued_at", "expires_at", "nonce",
        "replay");
    n.fieldNames().forEachRemaining(f -> {
      if (!known.contains(f)) {
        throw new IllegalArgumentException("unknown registration field '" + f + "'");
      }
    });
    if (!n.path("service").isTextual() || !n.path("endpoints").isArray() || !n.path("nonce").isTextual()
        || !n.path("issued_at").canConvertToExactIntegral() || !n.path("expires_at").canConvertToExactIntegral()) {
      throw new IllegalArgumentException("registration needs service, endpoints, issued_at, expires_at and nonce");
    }
    List<String> eps = new ArrayList<>();
    for (JsonNode e : n.path("endpoints")) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException("endpoints must be strings");
      }
      eps.add(e.asText());
    }
    JsonNode key = n.path("curve_server_key");
    if (!key.isMissingNode() && !key.isNull() && !key.isTextual()) {
      throw new IllegalArgumentException("curve_server_key must be a string or null");
    }
    JsonNode replay = n.path("replay");
    if (!replay.isMissingNode() && !replay.isTextual()) {
      throw new IllegalArgumentException("replay must be a string");
    }
    return new Registration(n.path("service").asText(), eps, Optional.ofNullable(key.textValue()),
        Instant.ofEpochMilli(n.path("issued_at").longValue()), Instant.ofEpochMilli(n.path("expires_at").longValue()),
        n.path("nonce").asText(), Optional.ofNullable(replay.textValue()));
  }
}
