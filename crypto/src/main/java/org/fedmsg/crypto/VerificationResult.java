package org.fedmsg.crypto;

import java.util.Objects;

/**
 * The outcome of verifying a message: {@link Valid} with the signer, or {@link Invalid} with a
 * {@link Reason} and a human-readable detail.
 *
 * <p>Verification never throws for bad input; callers read the result. The detail is for local
 * logs and metrics only and must not be sent to peers. On Java 17, branch with {@code if (r
 * instanceof VerificationResult.Invalid inv)} and a {@code switch} over {@code inv.reason()}.
 */
public sealed interface VerificationResult permits VerificationResult.Valid, VerificationResult.Invalid {

  /** Whether this is {@link Valid}. */
  boolean isValid();

  /**
   * A successful verification.
   *
   * @param signer the identity from the verified leaf certificate
   */
  record Valid(SignerIdentity signer) implements VerificationResult {
    /** Checks that the signer is not null. */
    public Valid {
      Objects.requireNonNull(signer, "signer");
    }

    @Override
    public boolean isValid() {
      return true;
    }
  }

  /**
   * A rejection.
   *
   * @param reason which check failed
   * @param detail what exactly failed, for local logs; never null
   * @param signer the verified signer when the signature was good and a later check failed
   *     (policy, replay), for audit lines; null otherwise
   */
  record Invalid(Reason reason, String detail, SignerIdentity signer) implements VerificationResult {
    /** Checks that reason and detail are not null. */
    public Invalid {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }

    /** A rejection with no verified signer. */
    public Invalid(Reason reason, String detail) {
      this(reason, detail, null);
    }

    /** This rejection, naming the signer whose signature verified. */
    public Invalid by(SignerIdentity verified) {
      return new Invalid(reason, detail, verified);
    }

    @Override
    public boolean isValid() {
      return false;
    }
  }

  /**
   * Why a message was rejected: one constant per check. The crypto module produces the
   * certificate, CRL and signature reasons; the others are produced by the message layer and
   * the policy but live here so that every rejection has one type.
   */
  enum Reason {
    /** The message, its signature or its certificate could not be parsed. */
    MALFORMED,
    /** The message carries no signature or certificate. */
    UNSIGNED,
    /** The message names a crypto backend or algorithm this implementation does not support. */
    UNSUPPORTED_CRYPTO,
    /** A key, certificate, CRL or message signature uses an algorithm the profile forbids. */
    WEAK_ALGORITHM,
    /** The certificate does not chain to a configured CA. */
    UNTRUSTED_CHAIN,
    /** A certificate in the chain is not valid yet at the verification instant. */
    CERT_NOT_YET_VALID,
    /** A certificate in the chain has expired at the verification instant. */
    CERT_EXPIRED,
    /** A certificate in the chain is listed in its issuer's CRL. */
    CERT_REVOKED,
    /** Revocation could not be checked: no usable CRL (missing, expired, or not from the CA). */
    CRL_UNAVAILABLE,
    /** The signature does not verify with the certificate's key. */
    BAD_SIGNATURE,
    /** The topic frame differs from the signed topic. */
    TOPIC_MISMATCH,
    /** The message timestamp is outside the replay window. */
    OUTSIDE_WINDOW,
    /** The message id was already seen within the replay window. */
    DUPLICATE,
    /** The topic policy does not allow this signer to emit this topic. */
    NOT_AUTHORIZED
  }

  /** A valid result for {@code signer}. */
  static VerificationResult valid(SignerIdentity signer) {
    return new Valid(signer);
  }

  /** An invalid result with {@code reason} and {@code detail}. */
  static VerificationResult invalid(Reason reason, String detail) {
    return new Invalid(reason, detail);
  }
}
