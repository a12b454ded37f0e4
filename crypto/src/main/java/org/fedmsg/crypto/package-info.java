/**
 * Signing, verification and trust for fedmsg: the cryptography on bytes and certificates.
 *
 * <p>Start with {@link org.fedmsg.crypto.Signer} (sign bytes with a service's key) and
 * {@link org.fedmsg.crypto.TrustStore} (verify a signature and its certificate chain against a CA
 * bundle and CRL, returning a {@link org.fedmsg.crypto.VerificationResult}). {@link
 * org.fedmsg.crypto.Pem} reads and writes the PEM files used by fedmsg and func/certmaster.
 *
 * <p>What is signed (canonical JSON for fedmsg/1, frames for fedmsg/2) is decided by the caller;
 * this package never looks inside the bytes it signs or verifies.
 */
package org.fedmsg.crypto;
