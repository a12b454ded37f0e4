package org.fedmsg.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A ZMTP 3.0 peer written by hand on a plain TCP socket: what an outsider with no ZeroMQ library
 * sends. It completes the NULL handshake as the socket type it claims, then writes whatever frames
 * a test needs, including ones no library would send (a frame header announcing gigabytes, a
 * 100 KB subscription). Having no ZeroMQ state of its own, it cannot be disturbed by what it
 * sends: closing it closes a TCP connection and nothing else.
 */
public final class RawZmtp implements AutoCloseable {
  private final Socket socket;
  private final DataOutputStream out;

  private RawZmtp(Socket socket) throws IOException {
    this.socket = socket;
    this.out = new DataOutputStream(socket.getOutputStream());
  }

  /**
   * Connects to {@code 127.0.0.1:port} and completes a ZMTP 3.0 NULL handshake as a socket of
   * type {@code socketType} ("PUB", "SUB"...). Reads block for at most {@code readTimeoutMs}.
   *
   * @throws IOException if the connection or the handshake fails
   */
  public static RawZmtp connect(int port, String socketType, int readTimeoutMs) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    try {
      s.setSoTimeout(readTimeoutMs);
      RawZmtp peer = new RawZmtp(s);
      peer.handshake(socketType);
      return peer;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** The port of a {@code tcp://host:port} endpoint. */
  public static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  private void handshake(String socketType) throws IOException {
    byte[] greeting = new byte[64];
    greeting[0] = (byte) 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;   // version 3.0
    System.arraycopy("NULL".getBytes(StandardCharsets.US_ASCII), 0, greeting, 12, 4);
    out.write(greeting);
    ByteArrayOutputStream ready = new ByteArrayOutputStream();
    ready.write(5);
    ready.writeBytes("READY".getBytes(StandardCharsets.US_ASCII));
    ready.write(11);
    ready.writeBytes("Socket-Type".getBytes(StandardCharsets.US_ASCII));
    byte[] type = socketType.getBytes(StandardCharsets.US_ASCII);
    ready.writeBytes(new byte[] {0, 0, 0, (byte) type.length});
    ready.writeBytes(type);
    out.write(0x04);   // a short command
    out.write(ready.size());
    out.write(ready.toByteArray());
    out.flush();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] theirs = new byte[64];
    in.readFully(theirs);
    if ((theirs[0] & 0xff) != 0xff) {
      throw new IOException("not a ZMTP 3 greeting");
    }
    int flags = in.readUnsignedByte();
    if ((flags & 0x04) == 0) {
      throw new IOException("expected the peer's READY command");
    }
    long size = (flags & 0x02) != 0 ? in.readLong() : in.readUnsignedByte();
    in.readFully(new byte[(int) size]);
  }

  /** Sends the 9-byte header of a single (last) long frame of {@code size} bytes, and no body. */
  public void announceFrame(long size) throws IOException {
    out.write(0x02);
    out.writeLong(size);
    out.flush();
  }

  /** Sends one complete frame ({@code more}: another frame of the same message follows). */
  public void sendFrame(byte[] body, boolean more) throws IOException {
    int flags = more ? 0x01 : 0;
    if (body.length > 255) {
      out.write(flags | 0x02);
      out.writeLong(body.length);
    } else {
      out.write(flags);
      out.write(body.length);
    }
    out.write(body);
    out.flush();
  }

  /** As a SUB socket: subscribes to {@code prefix} (a message whose first byte is 1). */
  public void subscribe(byte[] prefix) throws IOException {
    byte[] frame = new byte[prefix.length + 1];
    frame[0] = 1;
    System.arraycopy(prefix, 0, frame, 1, prefix.length);
    sendFrame(frame, false);
  }

  /**
   * Whether the peer closed the connection (end of stream or reset) before the read timeout;
   * what it sends until then (a SUB's subscriptions, a PUB's messages) is skipped.
   */
  public boolean droppedByPeer() throws IOException {
    try {
      byte[] skip = new byte[4096];
      while (socket.getInputStream().read(skip) >= 0) {
        // the peer's traffic
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;   // reset
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
