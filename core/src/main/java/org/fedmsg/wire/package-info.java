/**
 * The two wire formats of fedmsg: what a publisher signs and sends, and how a receiver checks it.
 * The format is specified in {@code docs/wire-format.md}.
 *
 * <p>Start with:
 * <ul>
 *   <li>{@link org.fedmsg.wire.Fedmsg1}: the reference-compatible format (canonical JSON body with an
 *       embedded RSA-SHA1 signature); {@code sign}, {@code wireBody}, {@code verify}, {@code
 *       archiveFixup};
 *   <li>{@link org.fedmsg.wire.Fedmsg2}: the native format (three frames, a detached signature over
 *       the exact topic and body bytes); {@code encode}, and {@link org.fedmsg.wire.Fedmsg2.Stamper}
 *       for the {@code epoch}/{@code seq} fields;
 *   <li>{@link org.fedmsg.wire.MessageVerifier}: every receiver-side check of either format, in
 *       order, with replay protection, gap detection and the topic policy; never throws for bad
 *       input.
 * </ul>
 */
package org.fedmsg.wire;
