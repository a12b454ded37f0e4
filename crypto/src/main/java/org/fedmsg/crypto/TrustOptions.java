package org.fedmsg.crypto;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of a {@link TrustStore}: where the CA bundle and CRL come from, operator algorithm
 * minimums, CRL failure behaviour, caching and refresh. Immutable; build with {@link #builder()}.
 * Configuration keys map onto it in one place, core's {@code org.fedmsg.config.TrustSettings}.
 */
public final class TrustOptions {
  /** The reference's default {@code ca_cert_location}. */
  public static final String DEFAULT_CA_LOCATION = "https://fedoraproject.org/fedmsg/ca.crt";
  /** The reference's default {@code crl_location}. */
  public static final String DEFAULT_CRL_LOCATION = "https://fedoraproject.org/fedmsg/crl.pem";

  final String caLocation;
  final List<X509Certificate> caCertificates;
  final String crlLocation;
  final List<X509CRL> crls;
  final Path stateDirectory;
  final Clock clock;
  final int minRsaBits;
  final Set<Digest> allowedDigests;
  final Duration crlGracePeriod;
  final CrlFailureMode crlFailureMode;
  final Duration pollInterval;
  final Duration urlRefreshInterval;
  final boolean backgroundRefresh;
  final long cacheSize;
  final HttpClient httpClient;

  private TrustOptions(Builder b) {
    caLocation = b.caLocation;
    caCertificates = b.caCertificates;
    crlLocation = b.crlLocation;
    crls = b.crls;
    stateDirectory = b.stateDirectory;
    clock = b.clock;
    minRsaBits = b.minRsaBits;
    allowedDigests = Set.copyOf(b.allowedDigests);
    crlGracePeriod = b.crlGracePeriod;
    crlFailureMode = b.crlFailureMode;
    pollInterval = b.pollInterval;
    urlRefreshInterval = b.urlRefreshInterval;
    backgroundRefresh = b.backgroundRefresh;
    cacheSize = b.cacheSize;
    httpClient = b.httpClient;
  }

  /** A new builder with the defaults documented on each setter. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link TrustOptions}; not thread-safe. */
  public static final class Builder {
    private String caLocation;
    private List<X509Certificate> caCertificates;
    private String crlLocation;
    private List<X509CRL> crls;
    private Path stateDirectory;
    private Clock clock = Clock.systemUTC();
    private int minRsaBits;
    private Set<Digest> allowedDigests = EnumSet.allOf(Digest.class);
    private Duration crlGracePeriod = Duration.ofHours(1);
    private CrlFailureMode crlFailureMode = CrlFailureMode.FAIL_CLOSED;
    private Duration pollInterval = Duration.ofSeconds(30);
    private Duration urlRefreshInterval = Duration.ofHours(1);
    private boolean backgroundRefresh = true;
    private long cacheSize = 10_000;
    private HttpClient httpClient;

    private Builder() {}

    /**
     * The CA bundle (one or more PEM certificates, text around them ignored): a file path or an
     * {@code https://} URL, as the reference's {@code ca_cert_location}. Replaces any earlier CA
     * setting. Required (this or {@link #caCertificates}).
     *
     * @throws IllegalArgumentException if the location is blank or an URL that is not https
     */
    public Builder ca(String location) {
      this.caLocation = checkLocation(location, "CA");
      this.caCertificates = null;
      return this;
    }

    /** As {@link #ca(String)}, for a file. */
    public Builder ca(Path file) {
      return ca(file.toString());
    }

    /**
     * Trusted CA certificates given directly (never reloaded). Replaces any earlier CA setting.
     *
     * @throws IllegalArgumentException if the collection is empty
     */
    public Builder caCertificates(Collection<X509Certificate> cas) {
      if (cas.isEmpty()) {
        throw new IllegalArgumentException("at least one CA certificate is needed");
      }
      this.caCertificates = List.copyOf(cas);
      this.caLocation = null;
      return this;
    }

    /**
     * The CRL file or {@code https://} URL (may hold several CRLs, e.g. root and intermediate),
     * as the reference's {@code crl_location}. Null means no revocation checking. Default: none.
     *
     * @throws IllegalArgumentException if the location is blank or an URL that is not https
     */
    public Builder crl(String location) {
      this.crlLocation = location == null ? null : checkLocation(location, "CRL");
      this.crls = null;
      return this;
    }

    /** As {@link #crl(String)}, for a file. */
    public Builder crl(Path file) {
      return crl(file.toString());
    }

    /** CRLs given directly (never reloaded); replaces any CRL location. */
    public Builder crls(Collection<X509CRL> crls) {
      this.crls = List.copyOf(crls);
      this.crlLocation = null;
      return this;
    }

    /**
     * Directory where copies fetched from URLs are kept, and read back when a fetch fails (e.g. at
     * boot without network). Created if missing. Default: none (copies kept in memory only).
     */
    public Builder stateDirectory(Path dir) {
      this.stateDirectory = dir;
      return this;
    }

    /** Clock for "now" (verification without an explicit instant, CRL refresh). Default: UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Minimum RSA modulus size for every key in a chain (config {@code crypto_min_rsa_bits}),
     * applied on top of the {@link Profile}. Default 0 (no minimum beyond the profile).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder minRsaBits(int bits) {
      if (bits < 0) {
        throw new IllegalArgumentException("minimum RSA bits must not be negative");
      }
      this.minRsaBits = bits;
      return this;
    }

    /**
     * Digests allowed in certificate, CRL and message signatures (config {@code
     * crypto_allowed_digests}), applied on top of the {@link Profile}. Default: all.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder allowedDigests(Set<Digest> digests) {
      if (digests.isEmpty()) {
        throw new IllegalArgumentException("allowed digests must not be empty");
      }
      this.allowedDigests = EnumSet.copyOf(digests);
      return this;
    }

    /**
     * How long past its {@code nextUpdate} a CRL is still used (config {@code crl_grace_period},
     * seconds) before {@link #crlFailureMode} applies. Default one hour.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder crlGracePeriod(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("CRL grace period must not be negative");
      }
      this.crlGracePeriod = grace;
      return this;
    }

    /** What to do when revocation cannot be checked (config {@code crl_failure_mode}). Default {@link CrlFailureMode#FAIL_CLOSED}. */
    public Builder crlFailureMode(CrlFailureMode mode) {
      this.crlFailureMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * How often files are checked for changes and failed fetches retried. Default 30 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration interval) {
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("poll interval must be positive");
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * How often URLs are fetched again (a CRL is also fetched shortly before its {@code
     * nextUpdate}). Default one hour.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder urlRefreshInterval(Duration interval) {
      if (interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("URL refresh interval must be positive");
      }
      this.urlRefreshInterval = interval;
      return this;
    }

    /** Whether a daemon thread reloads sources in the background. Default true; else call {@link TrustStore#refresh()}. */
    public Builder backgroundRefresh(boolean on) {
      this.backgroundRefresh = on;
      return this;
    }

    /**
     * Maximum number of verified chains kept. Default 10 000.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder cacheSize(long size) {
      if (size < 0) {
        throw new IllegalArgumentException("cache size must not be negative");
      }
      this.cacheSize = size;
      return this;
    }

    /** HTTP client for {@code https://} locations (e.g. with a private TLS trust store). Default: a JDK client. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalStateException if no CA is configured
     */
    public TrustOptions build() {
      if (caLocation == null && caCertificates == null) {
        throw new IllegalStateException("no CA configured");
      }
      return new TrustOptions(this);
    }

    private static String checkLocation(String location, String what) {
      Objects.requireNonNull(location, what + " location");
      if (location.isBlank()) {
        throw new IllegalArgumentException(what + " location must not be blank");
      }
      if (location.contains("://") && !location.startsWith("https://")) {
        throw new IllegalArgumentException(what + " location must be a file path or an https:// URL: " + location);
      }
      if (location.startsWith("https://")) {
        URI.create(location); // fails fast on a malformed URL
      }
      return location;
    }
  }
}
