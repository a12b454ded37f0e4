package org.fedmsg.crypto;

/**
 * What verification does when revocation cannot be checked: the CRL is configured but could not be
 * loaded, is past its {@code nextUpdate} by more than the grace period ({@link
 * TrustOptions.Builder#crlGracePeriod}), or none of the loaded CRLs was issued by the certificate's
 * CA. Either way the event is logged on {@code org.fedmsg.crypto.TrustStore} (rate-limited);
 * revocation is never skipped silently.
 */
public enum CrlFailureMode {
  /** Reject with {@link VerificationResult.Reason#CRL_UNAVAILABLE} (the default, as the reference). */
  FAIL_CLOSED,
  /**
   * Accept, logging a warning: serials listed in the last CRL loaded (even an expired one) are
   * still rejected as revoked. For operators who prefer availability over revocation freshness.
   */
  FAIL_OPEN
}
