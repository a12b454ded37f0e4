package org.fedmsg;

import org.fedmsg.config.FedmsgConfig;
import org.zeromq.ZMQ;

/**
 * ZeroMQ socket settings, with the reference's config names: {@code high_water_mark},
 * {@code zmq_linger}, {@code zmq_tcp_keepalive*}, {@code zmq_reconnect_ivl*}. A value of
 * {@code -1} leaves the ZeroMQ default in place, as the reference does for absent keys.
 *
 * @param highWaterMark SNDHWM and RCVHWM when non-zero (0 = ZeroMQ default)
 * @param lingerMs LINGER on publishing sockets
 * @param tcpKeepalive TCP_KEEPALIVE (1 on, 0 off, -1 system default)
 * @param tcpKeepaliveCount TCP_KEEPALIVE_CNT
 * @param tcpKeepaliveIdle TCP_KEEPALIVE_IDLE (seconds)
 * @param tcpKeepaliveInterval TCP_KEEPALIVE_INTVL (seconds)
 * @param reconnectIvlMs RECONNECT_IVL on subscribing sockets
 * @param reconnectIvlMaxMs RECONNECT_IVL_MAX on subscribing sockets
 * @param maxMessageSize MAXMSGSIZE on every socket that receives, in bytes ({@code
 *     max_message_size}); 0 means no limit (the reference's behaviour, not recommended: JeroMQ
 *     allocates a frame's announced size as soon as it reads the frame header)
 */
record SocketOptions(
    int highWaterMark,
    int lingerMs,
    int tcpKeepalive,
    int tcpKeepaliveCount,
    int tcpKeepaliveIdle,
    int tcpKeepaliveInterval,
    int reconnectIvlMs,
    int reconnectIvlMaxMs,
    long maxMessageSize) {

  /** The reference's defaults (no HWM override, 1 s linger, other options left to ZeroMQ), plus a 1 MiB message limit. */
  public static final SocketOptions DEFAULTS = new SocketOptions(0, 1000, -1, -1, -1, -1, -1, -1);

  public SocketOptions {
    if (highWaterMark < 0) {
      throw new IllegalArgumentException("high_water_mark must not be negative: " + highWaterMark);
    }
    if (maxMessageSize < 0) {
      throw new IllegalArgumentException("max_message_size must not be negative: " + maxMessageSize);
    }
  }

  /** The options with the default {@code max_message_size} ({@link FedmsgConfig#DEFAULT_MAX_MESSAGE_SIZE}). */
  public SocketOptions(int highWaterMark, int lingerMs, int tcpKeepalive, int tcpKeepaliveCount, int tcpKeepaliveIdle,
      int tcpKeepaliveInterval, int reconnectIvlMs, int reconnectIvlMaxMs) {
    this(highWaterMark, lingerMs, tcpKeepalive, tcpKeepaliveCount, tcpKeepaliveIdle, tcpKeepaliveInterval,
        reconnectIvlMs, reconnectIvlMaxMs, FedmsgConfig.DEFAULT_MAX_MESSAGE_SIZE);
  }

  /** A copy with another {@code max_message_size} (0: no limit). */
  public SocketOptions withMaxMessageSize(long bytes) {
    return new SocketOptions(highWaterMark, lingerMs, tcpKeepalive, tcpKeepaliveCount, tcpKeepaliveIdle,
        tcpKeepaliveInterval, reconnectIvlMs, reconnectIvlMaxMs, bytes);
  }

  void applyToPublisher(ZMQ.Socket socket) {
    applyCommon(socket);
    socket.setLinger(lingerMs);
    // A publisher receives only subscriptions (and handshakes), and JeroMQ stores and removes a
    // subscription with one recursive call per byte (see MAX_SUBSCRIPTION_BYTES).
    socket.setMaxMsgSize(maxMessageSize == 0 ? MAX_SUBSCRIPTION_BYTES : Math.min(maxMessageSize, MAX_SUBSCRIPTION_BYTES));
  }

  /**
   * The longest message a publishing socket accepts: subscriptions are topic prefixes, far
   * shorter; CURVE handshake commands are a few hundred bytes.
   *
   * <p>JeroMQ adds and removes a subscription with one recursive call per byte, in the publishing
   * thread or, once the socket is closed, in the context's reaper thread (default stack size). JIT
   * compiled, that recursion overflowed a 1 MiB stack at about 4,000 bytes: a peer that subscribed
   * to 4 KB and left killed the publishing thread, and closing the bus then hung in {@code
   * ZContext.destroy} (ProbeAnswerAttackTest). 1 KiB keeps the depth a quarter of that.
   */
  static final int MAX_SUBSCRIPTION_BYTES = 1024;

  void applyToSubscriber(ZMQ.Socket socket) {
    applyCommon(socket);
    socket.setLinger(0);
    if (reconnectIvlMs >= 0) {
      socket.setReconnectIVL(reconnectIvlMs);
    }
    if (reconnectIvlMaxMs >= 0) {
      socket.setReconnectIVLMax(reconnectIvlMaxMs);
    }
  }

  /**
   * How long a ZMTP handshake may take before the connection is dropped and retried: JeroMQ's
   * own default, set explicitly as a backstop against peers that connect and never speak. It is
   * not the cure for JeroMQ 0.5.4's stalled handshake (a new outgoing connection's engine left
   * unpolled): connecting sockets are watched by {@link HandshakeWatch}, which nudges the I/O
   * thread after a second instead of cutting the connection, so a handshake slowed by a burst of
   * hundreds of connections still completes. Cause, figures, and why a short limit (formerly 1 s)
   * was dropped: {@code docs/architecture.md}, "JeroMQ's stalled handshake";
   * {@code HandshakeStallStressTest}.
   */
  static final int HANDSHAKE_IVL_MILLIS = 30_000;

  private void applyCommon(ZMQ.Socket socket) {
    socket.setHandshakeIvl(HANDSHAKE_IVL_MILLIS);
    socket.setMaxMsgSize(maxMessageSize == 0 ? -1 : maxMessageSize);
    if (highWaterMark > 0) {
      socket.setSndHWM(highWaterMark);
      socket.setRcvHWM(highWaterMark);
    }
    if (tcpKeepalive >= 0) {
      socket.setTCPKeepAlive(tcpKeepalive);
    }
    if (tcpKeepaliveCount >= 0) {
      socket.setTCPKeepAliveCount(tcpKeepaliveCount);
    }
    if (tcpKeepaliveIdle >= 0) {
      socket.setTCPKeepAliveIdle(tcpKeepaliveIdle);
    }
    if (tcpKeepaliveInterval >= 0) {
      socket.setTCPKeepAliveInterval(tcpKeepaliveInterval);
    }
  }
}
