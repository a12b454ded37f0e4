package org.fedmsg.crypto;

/** Placeholder until the crypto module lands. */
public sealed interface VerificationResult permits VerificationResult.Valid, VerificationResult.Invalid {
  /** A message that passed. */
  record Valid(String signer) implements VerificationResult {}

  /** A rejected message. */
  record Invalid(Reason reason, String detail) implements VerificationResult {}

  /** Why a message was rejected. */
  enum Reason {
    MALFORMED, UNSIGNED, UNSUPPORTED_CRYPTO, WEAK_ALGORITHM, UNTRUSTED_CHAIN, CERT_NOT_YET_VALID,
    CERT_EXPIRED, CERT_REVOKED, CRL_UNAVAILABLE, BAD_SIGNATURE, TOPIC_MISMATCH, OUTSIDE_WINDOW,
    DUPLICATE, NOT_AUTHORIZED
  }
}
