package org.fedmsg.certs;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x509.CRLReason;

/**
 * The RFC 5280 revocation reasons {@code revoke --reason} accepts, written in the CRL's
 * {@code reasonCode} entry extension.
 */
public enum RevocationReason {
  /** No reason given. */
  UNSPECIFIED("unspecified", CRLReason.unspecified),
  /** The service's private key was (or may have been) disclosed. */
  KEY_COMPROMISE("key-compromise", CRLReason.keyCompromise),
  /** The CA's private key was (or may have been) disclosed. */
  CA_COMPROMISE("ca-compromise", CRLReason.cACompromise),
  /** The service moved (host renamed, team changed). */
  AFFILIATION_CHANGED("affiliation-changed", CRLReason.affiliationChanged),
  /** A newer certificate replaces this one (after {@code renew}). */
  SUPERSEDED("superseded", CRLReason.superseded),
  /** The service is retired. */
  CESSATION_OF_OPERATION("cessation-of-operation", CRLReason.cessationOfOperation),
  /** The service lost the right to publish. */
  PRIVILEGE_WITHDRAWN("privilege-withdrawn", CRLReason.privilegeWithdrawn);

  private final String cliName;
  private final int code;

  RevocationReason(String cliName, int code) {
    this.cliName = cliName;
    this.code = code;
  }

  /** The command-line name, e.g. {@code "key-compromise"}. */
  public String cliName() {
    return cliName;
  }

  /** The RFC 5280 {@code CRLReason} code. */
  int code() {
    return code;
  }

  /**
   * Parses a reason given as its command-line name or RFC 5280 name ({@code key-compromise},
   * {@code keyCompromise}), case-insensitively.
   *
   * @throws CertsException ({@link CertsException.Reason#INVALID_ARGUMENT}) listing the reasons
   */
  public static RevocationReason parse(String text) {
    String wanted = text.strip().replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    for (RevocationReason reason : values()) {
      if (reason.cliName.replace("-", "").equals(wanted)) {
        return reason;
      }
    }
    throw new CertsException(CertsException.Reason.INVALID_ARGUMENT,
        "unknown revocation reason '" + text + "' (one of: "
            + Arrays.stream(values()).map(RevocationReason::cliName).collect(Collectors.joining(", "))
            + ")");
  }

  /** The reason with this RFC 5280 code, or {@link #UNSPECIFIED} for codes we do not name. */
  static RevocationReason fromCode(int code) {
    for (RevocationReason reason : values()) {
      if (reason.code == code) {
        return reason;
      }
    }
    return UNSPECIFIED;
  }
}
