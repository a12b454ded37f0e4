package org.fedmsg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on an ephemeral loopback port that forwards both ways to a target port and keeps
 * a copy of every byte, so tests can look at what travels on the wire.
 */
final class LoopbackProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  LoopbackProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  String endpoint() {
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  /** Everything seen so far in both directions, decoded as ISO-8859-1 so every byte survives. */
  String captured() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(client);
        open.add(target);
        pump(client, target);
        pump(target, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (captured) {
            captured.write(buf, 0, n);
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // connection closed
      } finally {
        try {
          to.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
