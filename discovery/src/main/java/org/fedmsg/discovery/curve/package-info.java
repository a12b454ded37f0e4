/**
 * ZeroMQ CURVE on sockets: {@link org.fedmsg.discovery.curve.CurveSockets} turns a socket into a
 * CURVE server or a client pinned to a server key, and {@link org.fedmsg.discovery.curve.ZapHandler}
 * authenticates CURVE clients (ZeroMQ's ZAP protocol) for every CURVE server socket of a context.
 * It sits in this module because both the directory service and the bus transport in core use it,
 * and this is the lowest module that speaks ZeroMQ.
 */
package org.fedmsg.discovery.curve;
