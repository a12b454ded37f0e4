package org.fedmsg.crypto;

import java.util.Objects;

/**
 * Who signed a message: taken from the leaf certificate of a verified chain.
 *
 * @param commonName the subject CN as {@link Certificates#commonName} reads it (the reference's signer name); never null,
 *     empty if the subject has no CN
 * @param fingerprint SHA-256 of the certificate's DER encoding, lower-case hex
 * @param serial the certificate's serial number, upper-case hex without leading zeros (as OpenSSL
 *     prints it)
 * @param subject the subject distinguished name in RFC 2253 form
 */
public record SignerIdentity(String commonName, String fingerprint, String serial, String subject) {
  /** Checks that no component is null. */
  public SignerIdentity {
    Objects.requireNonNull(commonName, "commonName");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(serial, "serial");
    Objects.requireNonNull(subject, "subject");
  }
}
