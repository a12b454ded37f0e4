package org.fedmsg.discovery.directory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Objects;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.policy.Decision;

/**
 * Checks a {@link SignedRegistration}: its time window, its signature and certificate chain (strong
 * profile, as of now), and the registration policy. Used by the directory before storing and by every
 * client on every registration it receives, so a compromised directory can withhold registrations but not
 * forge them.
 *
 * <p>Outcomes ({@link VerificationResult.Invalid} reasons): {@code OUTSIDE_WINDOW} (expired, issued in the
 * future beyond the allowed skew, or valid for longer than the maximum lifetime), the crypto reasons
 * ({@code BAD_SIGNATURE}, {@code UNTRUSTED_CHAIN}, {@code CERT_EXPIRED}, {@code CERT_REVOKED}, {@code
 * WEAK_ALGORITHM}, ...), and {@code NOT_AUTHORIZED} (the policy does not let this certificate register this
 * service).
 *
 * <p>Immutable and thread-safe.
 */
public final class RegistrationVerifier {

  /** Default longest validity of one registration. */
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(1);
  /** Default tolerated clock difference for {@code issued_at} in the future. */
  public static final Duration DEFAULT_MAX_SKEW = Duration.ofMinutes(5);

  private final TrustStore trust;
  private final RegistrationPolicy policy;
  private final Clock clock;
  private final Duration maxLifetime;
  private final Duration maxSkew;

  /**
   * A verifier with the default limits.
   *
   * @param trust the CA bundle and CRL
   * @param policy who may register what
   * @param clock the time source
   */
  public RegistrationVerifier(TrustStore trust, RegistrationPolicy policy, Clock clock) {
    this(trust, policy, clock, DEFAULT_MAX_LIFETIME, DEFAULT_MAX_SKEW);
  }

  /**
   * A verifier with explicit limits.
   *
   * @param trust the CA bundle and CRL
   * @param policy who may register what
   * @param clock the time source
   * @param maxLifetime the longest accepted {@code expires_at - issued_at}
   * @param maxSkew how far in the future {@code issued_at} may be
   * @throws IllegalArgumentException if a limit is negative or zero
   */
  public RegistrationVerifier(TrustStore trust, RegistrationPolicy policy, Clock clock, Duration maxLifetime,
      Duration maxSkew) {
    this.trust = Objects.requireNonNull(trust, "trust");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxLifetime.isNegative() || maxLifetime.isZero() || maxSkew.isNegative()) {
      throw new IllegalArgumentException("limits must be positive");
    }
    this.maxLifetime = maxLifetime;
    this.maxSkew = maxSkew;
  }

  /**
   * The clock this verifier judges time by.
   *
   * @return the clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * The longest accepted registration lifetime.
   *
   * @return the limit
   */
  public Duration maxLifetime() {
    return maxLifetime;
  }

  /**
   * Verifies a registration as of now.
   *
   * @param sr the signed registration
   * @return Valid with the signer, or Invalid with the reason; never throws for bad input
   */
  public VerificationResult verify(SignedRegistration sr) {
    return verify(sr, clock.instant());
  }

  /** Verifies as of {@code now} (the directory re-checks reloaded replay guards as of their last valid instant). */
  VerificationResult verify(SignedRegistration sr, Instant now) {
    Registration r = sr.registration();
    if (Duration.between(r.issuedAt(), r.expiresAt()).compareTo(maxLifetime) > 0) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW,
          "registration of " + r.service() + " is valid for longer than " + maxLifetime);
    }
    if (r.issuedAt().isAfter(now.plus(maxSkew))) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW,
          "registration of " + r.service() + " issued in the future (" + r.issuedAt() + ")");
    }
    if (!r.expiresAt().isAfter(now)) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW,
          "registration of " + r.service() + " expired at " + r.expiresAt());
    }
    // A mutable copy: TrustStore.checkChain calls contains(null), which immutable lists answer with an NPE.
    VerificationResult sig;
    try {
      sig = trust.verify(new ArrayList<>(sr.chain()), sr.algorithm(), r.canonicalBytes(), sr.signatureBytes(), now,
          Profile.STRONG);
    } catch (RuntimeException e) {
      return VerificationResult.invalid(Reason.MALFORMED, "verification failed: " + e);
    }
    if (!(sig instanceof VerificationResult.Valid valid)) {
      return sig;
    }
    Decision d = policy.decide(r.service(), valid.signer().commonName());
    if (!d.allowed()) {
      return VerificationResult.invalid(Reason.NOT_AUTHORIZED, valid.signer().commonName()
          + " may not register service " + r.service() + " (" + d.explanation() + ")");
    }
    return sig;
  }
}
