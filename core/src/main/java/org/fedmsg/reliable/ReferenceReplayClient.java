package org.fedmsg.reliable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.discovery.curve.CurveSockets;
import org.fedmsg.json.CanonicalJson;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The client side of the reference replay protocol ({@code fedmsg.replay.get_replay}, {@code
 * docs/fedmsg-reference.md} §e): a REQ socket to a service's {@code replay_endpoints} URL, one JSON
 * query, a multipart reply with one JSON message per frame. Speaks to a reference Python {@code
 * ReplayContext} and to this project's replay endpoint alike.
 *
 * <p>The messages come back as the server stored them: the caller verifies them like live ones
 * before using them. Plain by default, as the reference (which has no CURVE); {@link #query(String,
 * ObjectNode, CurveKeyPair, byte[])} speaks to a CURVE-protected endpoint of this project.
 *
 * <p>Thread-safe (a socket per request, on a context of its own that {@link #close()} ends).
 */
public final class ReferenceReplayClient implements AutoCloseable {
  private final ZContext context = new ZContext(1);
  private final Duration timeout;

  /** @param timeout how long a request may take, connection included */
  public ReferenceReplayClient(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
    context.setLinger(0);
  }

  /**
   * Sends {@code query} to {@code url} and returns the reply's frames, each the JSON text of one
   * message, in the order the server sent them.
   *
   * @throws ReferenceReplayException with the frame's text when a frame is not JSON (the
   *     reference's error frames, {@code error: '...'}); when no answer comes within the timeout;
   *     when {@code url} cannot be connected to
   */
  public List<byte[]> query(String url, ObjectNode query) {
    return query(url, query, null, null);
  }

  /**
   * {@link #query(String, ObjectNode)} as a CURVE client.
   *
   * @param clientKey this client's key pair, or null (with {@code serverKey}) for a plain socket
   * @param serverKey the endpoint's 32-byte CURVE public key, or null for a plain socket
   * @throws ReferenceReplayException as {@link #query(String, ObjectNode)}; a refused or failed
   *     handshake shows as no answer
   */
  public List<byte[]> query(String url, ObjectNode query, CurveKeyPair clientKey, byte[] serverKey) {
    Objects.requireNonNull(url, "url");
    if ((clientKey == null) != (serverKey == null)) {
      throw new IllegalArgumentException("CURVE needs both a client key pair and the server key, or neither");
    }
    byte[] request = CanonicalJson.encode(Objects.requireNonNull(query, "query"));
    ZMQ.Socket socket = context.createSocket(SocketType.REQ);
    try {
      socket.setLinger(0);
      socket.setReceiveTimeOut((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      socket.setSendTimeOut((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      if (clientKey != null) {
        CurveSockets.client(socket, clientKey, serverKey);
      }
      try {
        socket.connect(url);
      } catch (ZMQException | IllegalArgumentException e) {
        throw new ReferenceReplayException("cannot connect to the replay endpoint " + url + ": " + e.getMessage());
      }
      if (!socket.send(request, 0)) {
        throw new ReferenceReplayException("no replay endpoint took the request at " + url + " within " + timeout);
      }
      List<byte[]> frames = new ArrayList<>();
      do {
        byte[] frame = socket.recv(0);
        if (frame == null) {
          throw new ReferenceReplayException("no answer from the replay endpoint " + url + " within " + timeout);
        }
        frames.add(frame);
      } while (socket.hasReceiveMore());
      for (byte[] frame : frames) {
        if (!isJson(frame)) {
          // as the reference: a frame that is not JSON is the server's error message
          throw new ReferenceReplayException(new String(frame, StandardCharsets.UTF_8), true);
        }
      }
      return frames;
    } finally {
      context.destroySocket(socket);
    }
  }

  private static boolean isJson(byte[] frame) {
    try {
      JsonNode ignored = CanonicalJson.parse(frame);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public void close() {
    context.close();
  }
}
