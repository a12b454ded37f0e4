package org.fedmsg.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy that a test controls: it listens on an ephemeral port of {@code 127.0.0.1}
 * and forwards every connection to a target, until the test breaks the link.
 *
 * <ul>
 *   <li>{@link #cut()}: closes every connection (both sides see a reset) and refuses new ones
 *       (accepted and reset at once), as a link that went down;
 *   <li>{@link #blackhole()}: keeps connections open and accepts new ones, but passes nothing in
 *       either direction; bytes wait in the kernel's buffers as they would behind a partition,
 *       and flow again on {@link #restore()};
 *   <li>{@link #restore()}: forwards again;
 *   <li>{@link #retarget(int)}: later connections go to another port (a restarted server).
 * </ul>
 *
 * <p>Counters ({@link #accepted()}, {@link #refused()}, {@link #cuts()}, {@link #bytesUp()},
 * {@link #bytesDown()}, {@link #openConnections()}) let a test wait for a condition instead of
 * sleeping. Thread-safe; each connection uses two daemon threads. Plain TCP: it sees ZeroMQ's
 * frames (CURVE or not) as bytes, which is what a network does.
 */
public final class TcpProxy implements AutoCloseable {
  /** What the proxy does with traffic. */
  public enum Mode { FORWARD, CUT, BLACKHOLE }

  private final ServerSocket server;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong cuts = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private volatile Mode mode = Mode.FORWARD;
  private volatile int targetPort;
  private volatile boolean closed;

  private TcpProxy(ServerSocket server, int targetPort) {
    this.server = server;
    this.targetPort = targetPort;
  }

  /**
   * Starts a proxy on an ephemeral loopback port in front of {@code 127.0.0.1:targetPort}. The
   * target need not be listening yet: a connection it refuses is closed at once.
   *
   * @throws IllegalArgumentException if {@code targetPort} is not a TCP port
   * @throws UncheckedIOException if no port can be bound
   */
  public static TcpProxy start(int targetPort) {
    checkPort(targetPort);
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      TcpProxy proxy = new TcpProxy(server, targetPort);
      Thread t = new Thread(proxy::acceptLoop, "tcp-proxy-" + server.getLocalPort());
      t.setDaemon(true);
      t.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port the proxy listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code tcp://127.0.0.1:<port>}: the ZeroMQ endpoint of the proxy. */
  public String endpoint() {
    return "tcp://127.0.0.1:" + port();
  }

  /** The current mode. */
  public Mode mode() {
    return mode;
  }

  /** Closes every open connection and refuses new ones until {@link #restore()}. */
  public void cut() {
    mode = Mode.CUT;
    cuts.incrementAndGet();
    for (Link l : links) {
      l.close();
    }
  }

  /** Passes nothing, keeping the connections, until {@link #restore()}. */
  public void blackhole() {
    mode = Mode.BLACKHOLE;
  }

  /** Forwards again: held bytes flow, new connections reach the target. */
  public void restore() {
    synchronized (gate) {
      mode = Mode.FORWARD;
      gate.notifyAll();
    }
  }

  /** Sends later connections to {@code 127.0.0.1:port}; open ones are left as they are. */
  public void retarget(int port) {
    checkPort(port);
    targetPort = port;
  }

  /** Connections accepted while not cut (including those whose target then refused them). */
  public long accepted() {
    return accepted.get();
  }

  /** Connections closed at once: refused while cut, or whose target refused them. */
  public long refused() {
    return refused.get();
  }

  /** Calls of {@link #cut()}. */
  public long cuts() {
    return cuts.get();
  }

  /** Bytes forwarded from clients to the target. */
  public long bytesUp() {
    return bytesUp.get();
  }

  /** Bytes forwarded from the target to clients. */
  public long bytesDown() {
    return bytesDown.get();
  }

  /** Connections currently open through the proxy. */
  public int openConnections() {
    return links.size();
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // nothing left to release
    }
    for (Link l : links) {
      l.close();
    }
    restore();
  }

  @Override
  public String toString() {
    return "TcpProxy[" + port() + " -> " + targetPort + ", " + mode + ", accepted " + accepted + ", refused "
        + refused + ", open " + links.size() + ", up " + bytesUp + " B, down " + bytesDown + " B]";
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;   // closed
      }
      if (mode == Mode.CUT) {
        reset(client);
        refused.incrementAndGet();
        continue;
      }
      Thread t = new Thread(() -> open(client), "tcp-proxy-connect-" + port());
      t.setDaemon(true);
      t.start();
    }
  }

  /** Connects a client to the target (once the proxy forwards) and starts both pumps. */
  private void open(Socket client) {
    Link link = new Link(client);
    links.add(link);
    accepted.incrementAndGet();
    try {
      awaitForward(link);
      if (link.closed) {
        return;
      }
      Socket target = new Socket();
      try {
        target.setTcpNoDelay(true);
        target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
      } catch (IOException e) {
        target.close();
        link.close();
        refused.incrementAndGet();
        return;
      }
      client.setTcpNoDelay(true);
      if (!link.attach(target)) {
        return;
      }
      pump(link, client, target, bytesUp, "up");
      pump(link, target, client, bytesDown, "down");
    } catch (IOException | InterruptedException e) {
      link.close();
    }
  }

  private void pump(Link link, Socket from, Socket to, AtomicLong counter, String direction) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buffer)) >= 0; ) {
          awaitForward(link);
          if (link.closed) {
            return;
          }
          out.write(buffer, 0, n);
          counter.addAndGet(n);
        }
        // An orderly close on one side is passed on as one.
        to.shutdownOutput();
      } catch (IOException | InterruptedException e) {
        link.close();
      }
    }, "tcp-proxy-" + direction + "-" + port());
    t.setDaemon(true);
    t.start();
  }

  /** Waits while the proxy is in blackhole mode; returns at once when forwarding, cut or closed. */
  private void awaitForward(Link link) throws InterruptedException {
    synchronized (gate) {
      while (mode == Mode.BLACKHOLE && !link.closed && !closed) {
        gate.wait(100);
      }
    }
    if (mode == Mode.CUT) {
      link.close();
    }
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);   // a reset, not an orderly close: the peer sees the link fail
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  private static void checkPort(int port) {
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("not a TCP port: " + port);
    }
  }

  /** One client connection and, once connected, its connection to the target. */
  private final class Link {
    private final Socket client;
    private Socket target;
    private volatile boolean closed;

    Link(Socket client) {
      this.client = client;
    }

    synchronized boolean attach(Socket t) {
      if (closed) {
        reset(t);
        return false;
      }
      target = t;
      return true;
    }

    void close() {
      Socket t;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        t = target;
      }
      reset(client);
      if (t != null) {
        reset(t);
      }
      links.remove(this);
    }
  }
}
