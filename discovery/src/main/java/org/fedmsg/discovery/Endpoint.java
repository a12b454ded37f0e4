package org.fedmsg.discovery;

import java.util.Objects;
import java.util.Optional;

/**
 * One publisher endpoint found by discovery.
 *
 * <p>Immutable. Two endpoints are equal when service, URL, key and source are equal, so the same URL found by
 * two sources is two endpoints; a subscriber connects once per {@link #url()}.
 *
 * @param service the service name (the key of the reference {@code endpoints} map; the domain for DNS SRV)
 * @param url a ZeroMQ endpoint such as {@code tcp://hub.example.org:9940}
 * @param curveServerKey the publisher's CURVE public key in Z85 (40 characters), when the source knows it
 * @param source the label of the resolver that found it, e.g. {@code file}, {@code dns-srv}, {@code directory}
 */
public record Endpoint(String service, String url, Optional<String> curveServerKey, String source) {
  /**
   * The suffix of the service name of a replay endpoint ({@code docs/reliability.md}, "Replay
   * endpoint"): {@code pkgdb#replay} is where publisher {@code pkgdb} serves its outbox again.
   * Replay endpoints are listed apart ({@link Snapshot#replayEndpoints()}): nobody subscribes to them.
   */
  public static final String REPLAY_SUFFIX = "#replay";

  /**
   * Validates the fields.
   *
   * @throws NullPointerException if any argument is null
   * @throws IllegalArgumentException if the service or URL is blank, the URL has no {@code scheme://}, or the
   *     key is not a 40-character Z85 CURVE key
   */
  public Endpoint {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(curveServerKey, "curveServerKey");
    Objects.requireNonNull(source, "source");
    if (service.isBlank()) {
      throw new IllegalArgumentException("service name must not be blank");
    }
    if (!url.matches("[a-z]+://\\S+")) {
      throw new IllegalArgumentException("not an endpoint URL: '" + url + "'");
    }
    if (curveServerKey.isPresent() && !CurveKeys.isValid(curveServerKey.get())) {
      throw new IllegalArgumentException("CURVE server key is not 40 characters of Z85");
    }
  }

  /**
   * An endpoint without a CURVE key.
   *
   * @param service the service name
   * @param url the endpoint URL
   * @param source the resolver label
   * @return the endpoint
   * @throws IllegalArgumentException as the canonical constructor
   */
  public static Endpoint of(String service, String url, String source) {
    return new Endpoint(service, url, Optional.empty(), source);
  }

  /**
   * The replay endpoint of {@code service}.
   *
   * @param service the publisher's service name (without {@link #REPLAY_SUFFIX})
   * @param url where its replay socket listens
   * @param curveServerKey its CURVE public key (the publisher's), when known
   * @param source the resolver label
   * @return the endpoint, whose service is {@code service + REPLAY_SUFFIX}
   * @throws IllegalArgumentException as the canonical constructor
   */
  public static Endpoint replay(String service, String url, Optional<String> curveServerKey, String source) {
    return new Endpoint(service + REPLAY_SUFFIX, url, curveServerKey, source);
  }

  /** Whether this is a replay endpoint rather than a publisher's. */
  public boolean isReplay() {
    return service.endsWith(REPLAY_SUFFIX);
  }

  /** The publisher's service name: {@link #service()} without {@link #REPLAY_SUFFIX}. */
  public String publisherService() {
    return isReplay() ? service.substring(0, service.length() - REPLAY_SUFFIX.length()) : service;
  }

  /**
   * The human fingerprint of the CURVE key ({@link CurveKeys#fingerprint(String)}).
   *
   * @return the fingerprint, or empty when no key is known
   */
  public Optional<String> curveKeyFingerprint() {
    return curveServerKey.map(CurveKeys::fingerprint);
  }
}
