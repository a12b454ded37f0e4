/**
 * {@code fedmsg-certs}: the certificate authority, service certificates and keys, revocation
 * and CRLs, CURVE key pairs, and the func/certmaster import, in the ssldir layout the bus reads.
 *
 * <p>Start with {@link org.fedmsg.certs.CertificateAuthority} ({@code init}, {@code open},
 * {@code issue}, {@code renew}, {@code revoke}, {@code writeCrl}, {@code list}),
 * {@link org.fedmsg.certs.CurveKeys} and {@link org.fedmsg.certs.FuncImport}; for a throw-away
 * PKI in one call, {@link org.fedmsg.certs.ThrowawayPki#create}. The command line is
 * {@link org.fedmsg.certs.CertsCommand}. Failures are {@link org.fedmsg.certs.CertsException}s
 * with a {@link org.fedmsg.certs.CertsException.Reason}, and leave no partial file behind.
 */
package org.fedmsg.certs;
