package org.fedmsg;

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
 */
public record SocketOptions(
    int highWaterMark,
    int lingerMs,
    int tcpKeepalive,
    int tcpKeepaliveCount,
    int tcpKeepaliveIdle,
    int tcpKeepaliveInterval,
    int reconnectIvlMs,
    int reconnectIvlMaxMs) {

  /** The reference's defaults: no HWM override, 1 s linger, other options left to ZeroMQ. */
  public static final SocketOptions DEFAULTS = new SocketOptions(0, 1000, -1, -1, -1, -1, -1, -1);

  public SocketOptions {
    if (highWaterMark < 0) {
      throw new IllegalArgumentException("high_water_mark must not be negative: " + highWaterMark);
    }
  }

  void applyToPublisher(ZMQ.Socket socket) {
    applyCommon(socket);
    socket.setLinger(lingerMs);
  }

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
   * How long a ZMTP handshake may take before the connection is dropped and retried. JeroMQ very
   * occasionally leaves a freshly accepted loopback connection without its handshake (seen about
   * once in ten quickstart runs on a loaded machine); a short limit turns that stall into a
   * reconnect a second later instead of a silent, permanent loss of the connection.
   */
  static final int HANDSHAKE_IVL_MILLIS = 1000;

  private void applyCommon(ZMQ.Socket socket) {
    socket.setHandshakeIvl(HANDSHAKE_IVL_MILLIS);
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
