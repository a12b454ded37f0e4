/**
 * The {@code crypto_box} under CURVE in the {@code fedmsg-jeromq} jar: {@link
 * org.fedmsg.jeromq.internal.NaclBox} (XSalsa20-Poly1305 boxes with NaCl's calling convention,
 * X25519 key agreement), which the jar's {@code zmq.io.mechanism.curve.Curve} calls in place of
 * JeroMQ's {@code jnacl}. Not an API of this project: only that class and the benchmarks use it.
 */
package org.fedmsg.jeromq.internal;
