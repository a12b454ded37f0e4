package org.fedmsg.discovery.curve;

import java.util.Objects;
import org.fedmsg.crypto.CurveKeyPair;
import org.zeromq.ZMQ;

/**
 * Socket options for CURVE. Stateless and thread-safe; the sockets themselves are not, so call
 * these from the thread that owns the socket, before it binds or connects.
 */
public final class CurveSockets {
  private CurveSockets() {}

  /**
   * Makes {@code socket} a CURVE server with this key pair. Clients are then authenticated by the
   * {@link ZapHandler} of the socket's context, under {@code domain} (which names the socket in its logs).
   *
   * @param socket a socket not yet bound
   * @param own the server's key pair
   * @param domain the ZAP domain, e.g. the service name
   */
  public static void server(ZMQ.Socket socket, CurveKeyPair own, String domain) {
    Objects.requireNonNull(own, "own");
    socket.setZAPDomain(Objects.requireNonNull(domain, "domain"));
    socket.setCurvePublicKey(own.publicKey());
    // JeroMQ keeps the array it is given (no copy), so this copy must not be cleared.
    socket.setCurveSecretKey(own.secretKey());
    socket.setCurveServer(true);
  }

  /**
   * Makes {@code socket} a CURVE client that only completes a handshake with the server holding
   * the secret key of {@code serverKey}.
   *
   * @param socket a socket not yet connected
   * @param own the client's key pair (an ephemeral one when servers admit any client)
   * @param serverKey the server's 32-byte public key
   * @throws IllegalArgumentException if {@code serverKey} is not 32 bytes
   */
  public static void client(ZMQ.Socket socket, CurveKeyPair own, byte[] serverKey) {
    Objects.requireNonNull(own, "own");
    if (serverKey.length != 32) {
      throw new IllegalArgumentException("a CURVE server key has 32 bytes");
    }
    socket.setCurvePublicKey(own.publicKey());
    // JeroMQ keeps the array it is given (no copy), so this copy must not be cleared.
    socket.setCurveSecretKey(own.secretKey());
    socket.setCurveServerKey(serverKey);
  }
}
