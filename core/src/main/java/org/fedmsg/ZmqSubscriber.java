package org.fedmsg;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * One SUB socket connected to every publisher, owned by one receiving thread. Other threads
 * change its connections and subscriptions through a command queue and an inproc wake-up pipe,
 * because ZeroMQ sockets must only be used by one thread.
 *
 * <p>Received multipart messages go, on the receiving thread, to the frame consumer given at
 * construction; it must not throw (the bus's inbound pipeline catches everything itself).
 */
final class ZmqSubscriber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ZmqSubscriber.class);
  private static final int MAX_FRAMES = 16;

  private final ZContext context;
  private final SocketOptions options;
  private final boolean bind;
  private final Consumer<List<byte[]>> sink;
  private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private final ReentrantLock wakeLock = new ReentrantLock();
  private final ZMQ.Socket wakeSender;
  private final String wakeAddress;
  private final Set<String> connected = ConcurrentHashMap.newKeySet();
  private final CountDownLatch started = new CountDownLatch(1);
  private final Thread thread;
  private ZMQ.Socket socket;
  private volatile boolean closed;
  private volatile RuntimeException startFailure;

  /**
   * @param bindEndpoint when not null the SUB socket binds it (a relay's inbound side) instead of
   *     only connecting out
   */
  ZmqSubscriber(ZContext context, SocketOptions options, String bindEndpoint, Consumer<List<byte[]>> sink,
      String name) {
    this.context = context;
    this.options = options;
    this.bind = bindEndpoint != null;
    this.sink = sink;
    this.wakeAddress = "inproc://fedmsg-sub-" + System.identityHashCode(this) + "-" + System.nanoTime();
    ZMQ.Socket wakeReceiver = context.createSocket(SocketType.PAIR);
    wakeReceiver.bind(wakeAddress);
    this.wakeSender = context.createSocket(SocketType.PAIR);
    this.wakeSender.connect(wakeAddress);
    this.thread = new Thread(() -> run(wakeReceiver, bindEndpoint), "fedmsg-sub-" + name);
    this.thread.setDaemon(true);
    this.thread.start();
    try {
      started.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while starting subscriber");
    }
    if (startFailure != null) {
      close();
      throw startFailure;
    }
  }

  private volatile String boundEndpoint;

  /** The endpoint the SUB socket bound, when it binds. */
  String boundEndpoint() {
    return boundEndpoint;
  }

  /** Connects to a publisher; idempotent. */
  void connect(String url) {
    connect(url, null);
  }

  /**
   * Connects to a publisher whose CURVE public key is {@code curveServerKey} (Z85), or a plain
   * one when it is null; idempotent.
   */
  void connect(String url, String curveServerKey) {
    if (connected.add(url)) {
      submit(() -> {
        try {
          socket.connect(url);
        } catch (ZMQException | IllegalArgumentException e) {
          connected.remove(url);
          LOG.warn("cannot connect to {}: {}", url, e.getMessage());
        }
      });
    }
  }

  /** Disconnects from a publisher that vanished; idempotent. */
  void disconnect(String url) {
    if (connected.remove(url)) {
      submit(() -> {
        try {
          socket.disconnect(url);
        } catch (ZMQException e) {
          LOG.debug("disconnect {}: {}", url, e.getMessage());
        }
      });
    }
  }

  /** The endpoints currently connected. */
  Set<String> connections() {
    return Set.copyOf(connected);
  }

  void subscribe(String prefix) {
    byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
    submit(() -> socket.subscribe(bytes));
  }

  void unsubscribe(String prefix) {
    byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
    submit(() -> socket.unsubscribe(bytes));
  }

  private void submit(Runnable command) {
    if (closed) {
      throw new IllegalStateException("subscriber is closed");
    }
    commands.add(command);
    wakeLock.lock();
    try {
      wakeSender.send(new byte[0], ZMQ.DONTWAIT);
    } finally {
      wakeLock.unlock();
    }
  }

  private void run(ZMQ.Socket wakeReceiver, String bindEndpoint) {
    try {
      socket = context.createSocket(SocketType.SUB);
      options.applyToSubscriber(socket);
      if (bindEndpoint != null) {
        socket.bind(ZmqPublisher.bindAddress(bindEndpoint));
        boundEndpoint = socket.getLastEndpoint();
      }
    } catch (RuntimeException e) {
      startFailure = new TransportException("cannot bind " + bindEndpoint + ": " + e.getMessage(), e);
      started.countDown();
      return;
    }
    started.countDown();
    ZMQ.Poller poller = context.createPoller(2);
    poller.register(wakeReceiver, ZMQ.Poller.POLLIN);
    poller.register(socket, ZMQ.Poller.POLLIN);
    try {
      while (!closed) {
        int ready = poller.poll(250);
        if (ready < 0) {
          break;
        }
        if (ready == 0) {
          // Read anyway on a timeout: a missed wake-up then costs one poll interval, not a stall.
          runCommands();
          receiveAvailable();
          continue;
        }
        if (poller.pollin(0)) {
          while (wakeReceiver.recv(ZMQ.DONTWAIT) != null) {
            // drained: the commands are in the queue
          }
          runCommands();
        }
        if (poller.pollin(1)) {
          receiveAvailable();
        }
      }
    } catch (ZMQException e) {
      if (!closed) {
        LOG.error("subscriber stopped: {}", e.toString());
      }
    } finally {
      poller.close();
      context.destroySocket(socket);
      context.destroySocket(wakeReceiver);
    }
  }

  private void runCommands() {
    Runnable command;
    while ((command = commands.poll()) != null) {
      try {
        command.run();
      } catch (RuntimeException e) {
        LOG.warn("subscriber command failed: {}", e.toString());
      }
    }
  }

  /** Reads every message that is ready, up to a batch, so commands are not starved. */
  private void receiveAvailable() {
    for (int n = 0; n < 1024; n++) {
      byte[] first = socket.recv(ZMQ.DONTWAIT);
      if (first == null) {
        return;
      }
      List<byte[]> frames = new ArrayList<>(3);
      frames.add(first);
      while (socket.hasReceiveMore()) {
        byte[] next = socket.recv(0);
        // Keep reading so the next message starts at a frame boundary, but never hold more
        // frames than any valid message has.
        if (frames.size() < MAX_FRAMES) {
          frames.add(next);
        } else if (frames.size() == MAX_FRAMES) {
          frames.add(null);
        }
      }
      sink.accept(frames);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Wake the thread rather than interrupting it: an interrupt can close JeroMQ's NIO channels.
    wakeLock.lock();
    try {
      wakeSender.send(new byte[0], ZMQ.DONTWAIT);
    } finally {
      wakeLock.unlock();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    wakeLock.lock();
    try {
      context.destroySocket(wakeSender);
    } finally {
      wakeLock.unlock();
    }
  }
}
