package org.fedmsg;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * A publishing socket. It is an XPUB rather than a PUB: on the wire the two are the same (the
 * reference's SUB sockets connect to it unchanged), but an XPUB lets the publisher see its
 * subscribers' subscriptions. That is how start-up works without sleeping:
 *
 * <ul>
 *   <li>a subscriber that wants to know its subscriptions are in force subscribes to a probe
 *       topic ({@code ..._heartbeat.probe.<nonce>}); this publisher answers every probe
 *       subscription with a message on exactly that topic, so the subscriber knows everything
 *       it subscribed before the probe has reached this publisher;
 *   <li>a connecting (active) publisher, such as {@code fedmsg logger} sending through a relay,
 *       waits until the relay's subscription has arrived before its first send.
 * </ul>
 *
 * <p>ZeroMQ sockets are not thread-safe, so every use of the socket holds one lock.
 */
final class ZmqPublisher implements AutoCloseable {
  static final String PROBE_MARKER = "._heartbeat.probe.";
  private static final Logger LOG = LoggerFactory.getLogger(ZmqPublisher.class);
  private static final long WATCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition subscribed = lock.newCondition();
  private final ZMQ.Socket socket;
  private final String endpoint;
  private final String publisherId;
  private final Thread watcher;
  private long subscriptionsSeen;
  private volatile boolean closed;

  private ZmqPublisher(ZMQ.Socket socket, String endpoint, String name) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.publisherId = java.util.UUID.randomUUID().toString();
    this.watcher = new Thread(this::watch, "fedmsg-pub-watch-" + name);
    this.watcher.setDaemon(true);
    this.watcher.start();
  }

  /**
   * Binds the first endpoint of {@code candidates} that is free, or, when {@code active},
   * connects to the first one.
   *
   * @throws TransportException when no candidate can be bound
   */
  static ZmqPublisher open(ZContext context, SocketOptions options, String name, List<String> candidates,
      boolean active) {
    if (candidates.isEmpty()) {
      throw new TransportException("no endpoint configured for publisher '" + name + "'");
    }
    ZMQ.Socket socket = context.createSocket(SocketType.XPUB);
    socket.setXpubVerbose(true);
    options.applyToPublisher(socket);
    List<String> failures = new ArrayList<>();
    for (String candidate : candidates) {
      try {
        if (active) {
          socket.connect(candidate);
          return new ZmqPublisher(socket, candidate, name);
        }
        String bindAddress = bindAddress(candidate);
        socket.bind(bindAddress);
        return new ZmqPublisher(socket, socket.getLastEndpoint(), name);
      } catch (ZMQException | IllegalArgumentException e) {
        failures.add(candidate + " (" + e.getMessage() + ")");
      }
    }
    context.destroySocket(socket);
    throw new TransportException("Couldn't find an available endpoint for name '" + name + "': tried "
        + String.join(", ", failures));
  }

  /**
   * The address to bind for a configured endpoint. Like the reference, a host name is replaced
   * by {@code *} (configs name the public host, which may not be a local interface's name); a
   * loopback address is kept so local test and quickstart buses stay on loopback.
   */
  static String bindAddress(String url) {
    int scheme = url.indexOf("://");
    int colon = url.lastIndexOf(':');
    if (!url.startsWith("tcp://") || colon <= scheme) {
      return url;
    }
    String host = url.substring(scheme + 3, colon);
    if (host.equals("*") || host.startsWith("127.") || host.equals("[::1]") || host.equals("localhost")) {
      return host.equals("localhost") ? "tcp://127.0.0.1" + url.substring(colon) : url;
    }
    return "tcp://*" + url.substring(colon);
  }

  /** The endpoint actually bound (with the real port when {@code *} was asked) or connected. */
  String endpoint() {
    return endpoint;
  }

  /**
   * Sends one multipart message without blocking.
   *
   * @return false when ZeroMQ refused it (high-water mark reached on a connecting socket, or the
   *     socket is closed)
   */
  boolean send(byte[][] frames) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      for (int i = 0; i < frames.length; i++) {
        int flags = ZMQ.DONTWAIT | (i < frames.length - 1 ? ZMQ.SNDMORE : 0);
        if (!socket.send(frames[i], flags)) {
          return false;
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until at least one subscription has arrived; true if one did within {@code timeout}. */
  boolean awaitSubscriber(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (subscriptionsSeen == 0 && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        subscribed.awaitNanos(left);
      }
      return subscriptionsSeen > 0;
    } finally {
      lock.unlock();
    }
  }

  private void watch() {
    while (!closed) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        drainSubscriptions();
      } catch (RuntimeException e) {
        LOG.warn("publisher {}: error while reading subscriptions: {}", endpoint, e.toString());
      } finally {
        lock.unlock();
      }
      LockSupport.parkNanos(WATCH_INTERVAL_NANOS);
    }
  }

  private void drainSubscriptions() {
    byte[] frame;
    while ((frame = socket.recv(ZMQ.DONTWAIT)) != null) {
      if (frame.length == 0 || frame[0] != 1) {
        continue;
      }
      subscriptionsSeen++;
      subscribed.signalAll();
      String topic = new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8);
      if (topic.contains(PROBE_MARKER)) {
        answerProbe(topic);
      }
    }
  }

  /**
   * Answers a probe on exactly its topic. The answer is an ordinary two-frame message, so
   * reference subscribers that receive it (they subscribe to everything) parse it; it is never
   * signed because receivers handle probe answers before verification and never deliver them.
   */
  private void answerProbe(String topic) {
    com.fasterxml.jackson.databind.node.ObjectNode body = Json.object();
    body.put("topic", topic);
    body.set("msg", Json.object().put("publisher", publisherId));
    body.put("timestamp", System.currentTimeMillis() / 1000);
    body.put("i", 0);
    send(new byte[][] {topic.getBytes(StandardCharsets.UTF_8), Json.canonical(body)});
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      subscribed.signalAll();
      socket.close();
    } finally {
      lock.unlock();
    }

  }
}
