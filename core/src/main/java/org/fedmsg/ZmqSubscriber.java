package org.fedmsg;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.fedmsg.crypto.Z85;
import org.fedmsg.discovery.curve.CurveSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The subscribing sockets, owned by one receiving thread. Other threads change connections and
 * subscriptions through a command queue and an inproc wake-up pipe, because ZeroMQ sockets must
 * only be used by one thread.
 *
 * <p>CURVE's server key is a per-socket option, so there is one SUB socket per distinct server
 * key (publishers sharing a key share a socket) plus one plain socket; all are polled by the same
 * thread, and every subscription is applied to every socket. Each CURVE socket has a monitor:
 * a handshake that fails, or a connection the publisher closes before the handshake completed
 * (a wrong server key, or a refusal by the publisher's ZAP handler), is counted
 * ({@link #handshakeFailures()}) and logged (first time per endpoint, then at most every 10 s).
 * Every socket's monitor also counts ended connections ({@link #peerDisconnects()}; a peer that
 * sends a frame over {@code max_message_size} is one), logged at most every 10 s.
 *
 * <p>Received multipart messages go, on the receiving thread, to the frame consumer given at
 * construction; it must not throw (the bus's inbound pipeline catches everything itself).
 */
final class ZmqSubscriber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ZmqSubscriber.class);
  private static final int MAX_FRAMES = 16;
  private static final String PLAIN = "";
  private static final long REPEAT_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long HANDSHAKE_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(SocketOptions.HANDSHAKE_IVL_MILLIS);

  private final ZContext context;
  private final SocketOptions options;
  private final CurveOptions curve;
  private final String name;
  private final Consumer<List<byte[]>> sink;
  private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private final ReentrantLock wakeLock = new ReentrantLock();
  private final ZMQ.Socket wakeSender;
  private final String wakeAddress;
  /** URL to the socket key it is connected on ({@link #PLAIN} or a Z85 server key). */
  private final Map<String, String> connected = new ConcurrentHashMap<>();
  private final Set<String> warnedPlain = ConcurrentHashMap.newKeySet();
  private final CountDownLatch started = new CountDownLatch(1);
  private final LongAdder handshakeFailures = new LongAdder();
  private final LongAdder handshakeNudges = new LongAdder();
  private final Thread thread;
  // Owned by the receiving thread:
  private final Map<String, Sock> sockets = new LinkedHashMap<>();
  private final Map<String, Integer> subscriptions = new LinkedHashMap<>();
  private final Map<String, Long> handshakeLogged = new HashMap<>();
  private final LongAdder peerDisconnects = new LongAdder();
  private long disconnectLogged;
  private long disconnectsNotLogged;
  private boolean pollerStale = true;
  private volatile boolean closed;
  private volatile RuntimeException startFailure;
  private volatile String boundEndpoint;
  private static final ThreadLocal<String> DELIVERING_PEER = new ThreadLocal<>();

  /** One SUB socket and its monitor. */
  private static final class Sock {
    final String key;
    final ZMQ.Socket socket;
    final ZMQ.Socket monitor;
    final Set<String> urls = new LinkedHashSet<>();
    /**
     * Endpoints connected whose CURVE handshake is not known to have succeeded, with when they
     * connected (System.nanoTime). JeroMQ 0.5.4 never reports {@code HANDSHAKE_SUCCEEDED}: a
     * message on a socket with one endpoint proves it, and a connection older than the handshake
     * limit must have completed its handshake (JeroMQ would have cut it otherwise).
     */
    final Map<String, Long> pending = new LinkedHashMap<>();
    /** Null on the bound socket: only connecting sockets can stall ({@link HandshakeWatch}). */
    final HandshakeWatch watch;

    Sock(String key, ZMQ.Socket socket, ZMQ.Socket monitor, HandshakeWatch watch) {
      this.key = key;
      this.socket = socket;
      this.monitor = monitor;
      this.watch = watch;
    }
  }

  ZmqSubscriber(ZContext context, SocketOptions options, String bindEndpoint, Consumer<List<byte[]>> sink,
      String name) {
    this(context, options, CurveOptions.disabled(), bindEndpoint, sink, name);
  }

  /**
   * @param curve when enabled, connections are CURVE clients and a bound socket is a CURVE server
   *     (its context must then have a {@link org.fedmsg.discovery.curve.ZapHandler})
   * @param bindEndpoint when not null the SUB socket binds it (a relay's inbound side) instead of
   *     only connecting out; that socket is subscribed to everything before it binds, so it
   *     receives every message from its first connection on
   */
  ZmqSubscriber(ZContext context, SocketOptions options, CurveOptions curve, String bindEndpoint,
      Consumer<List<byte[]>> sink, String name) {
    this.context = context;
    this.options = options;
    this.curve = curve;
    this.name = name;
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

  /** The endpoint the SUB socket bound, when it binds. */
  String boundEndpoint() {
    return boundEndpoint;
  }

  /** Connects to a publisher (with the server key the CURVE options know for it, if any); idempotent. */
  void connect(String url) {
    connect(url, null);
  }

  /**
   * Connects to a publisher whose CURVE public key is {@code curveServerKey} (Z85), or one whose
   * key the CURVE options know, when it is null; idempotent. Connecting a URL again with another
   * key moves it to that key's socket (key rotation).
   *
   * <p>With CURVE off, keys are ignored. With CURVE on, an endpoint marked plain is connected
   * without CURVE (logged as a warning once), and an endpoint with no known key is not connected
   * at all (logged as an error): CURVE fails closed.
   */
  void connect(String url, String curveServerKey) {
    String key = socketKey(url, curveServerKey);
    if (key == null) {
      return;
    }
    String previous = connected.put(url, key);
    if (key.equals(previous)) {
      return;
    }
    submit(() -> {
      if (previous != null) {
        detach(url, previous);
      }
      attach(url, key);
    });
  }

  /** Which socket a URL goes on: {@link #PLAIN}, a Z85 server key, or null when it must not be connected. */
  private String socketKey(String url, String given) {
    if (!curve.enabled()) {
      return PLAIN;
    }
    if (curve.plainEndpoints().contains(url)) {
      if (warnedPlain.add(url)) {
        LOG.warn("CURVE is on, but {} is marked plain (curve: false): messages from it are not encrypted", url);
      }
      return PLAIN;
    }
    String key = given != null ? given : curve.serverKeys().get(url);
    if (key == null) {
      LOG.error("CURVE is on and no server key is known for {}: not connecting (give its curve_server_key, "
          + "or mark it plain with curve: false)", url);
      return null;
    }
    if (Z85.decodeKey(key).isEmpty()) {
      LOG.error("the CURVE server key given for {} is not 40 characters of Z85: not connecting", url);
      return null;
    }
    return key;
  }

  /** Disconnects from a publisher that vanished; idempotent. */
  void disconnect(String url) {
    String key = connected.remove(url);
    if (key != null) {
      submit(() -> detach(url, key));
    }
  }

  /** The endpoints currently connected. */
  Set<String> connections() {
    return Set.copyOf(connected.keySet());
  }

  /**
   * Times this subscriber nudged its context's I/O threads because a connection waited over a
   * second for its ZMTP greeting (a stalled or a slow handshake; {@link HandshakeWatch}).
   */
  long handshakeNudges() {
    return handshakeNudges.sum();
  }

  /** CURVE handshakes that failed or were cut off by the publisher, so far. */
  long handshakeFailures() {
    return handshakeFailures.sum();
  }

  void subscribe(String prefix) {
    submit(() -> {
      subscriptions.merge(prefix, 1, Integer::sum);
      byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
      sockets.values().forEach(s -> s.socket.subscribe(bytes));
    });
  }

  void unsubscribe(String prefix) {
    submit(() -> {
      Integer n = subscriptions.get(prefix);
      if (n == null) {
        return;
      }
      if (n == 1) {
        subscriptions.remove(prefix);
      } else {
        subscriptions.put(prefix, n - 1);
      }
      byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
      sockets.values().forEach(s -> s.socket.unsubscribe(bytes));
    });
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

  /* --------------- receiving thread --------------- */

  private void attach(String url, String key) {
    Sock s = sockets.get(key);
    try {
      if (s == null) {
        s = open(key);
      }
      s.socket.connect(url);
      s.urls.add(url);
    } catch (ZMQException | IllegalArgumentException e) {
      connected.remove(url, key);
      LOG.warn("cannot connect to {}: {}", url, e.getMessage());
      if (s != null && s.urls.isEmpty() && !key.equals(PLAIN)) {
        destroy(s);
      }
    }
  }

  private void detach(String url, String key) {
    Sock s = sockets.get(key);
    if (s == null) {
      return;
    }
    try {
      s.socket.disconnect(url);
    } catch (ZMQException e) {
      LOG.debug("disconnect {}: {}", url, e.getMessage());
    }
    s.urls.remove(url);
    s.pending.remove(url);
    if (s.watch != null) {
      s.watch.forget(url);
    }
    if (s.urls.isEmpty() && !key.equals(PLAIN)) {
      destroy(s);
    }
  }

  /** Creates the socket for a key, with every current subscription. */
  private Sock open(String key) {
    ZMQ.Socket socket = context.createSocket(SocketType.SUB);
    options.applyToSubscriber(socket);
    int events = ZMQ.EVENT_DISCONNECTED | HandshakeWatch.EVENTS;
    if (!key.equals(PLAIN)) {
      CurveSockets.client(socket, curve.clientKeyPair(), Z85.decodeKey(key).orElseThrow());
      events |= ZMQ.EVENT_CONNECTED | ZMQ.HANDSHAKE_SUCCEEDED
          | ZMQ.HANDSHAKE_FAILED_NO_DETAIL | ZMQ.HANDSHAKE_FAILED_PROTOCOL | ZMQ.HANDSHAKE_FAILED_AUTH;
    }
    ZMQ.Socket monitor = monitor(socket, events);
    subscriptions.forEach((prefix, n) -> {
      byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < n; i++) {
        socket.subscribe(bytes);
      }
    });
    Sock s = new Sock(key, socket, monitor, new HandshakeWatch(context));
    sockets.put(key, s);
    pollerStale = true;
    return s;
  }

  /** A monitor of {@code events} on {@code socket}, read by the receiving thread. */
  private ZMQ.Socket monitor(ZMQ.Socket socket, int events) {
    String address = "inproc://fedmsg-sub-monitor-" + System.identityHashCode(socket) + "-" + System.nanoTime();
    socket.monitor(address, events);
    ZMQ.Socket monitor = context.createSocket(SocketType.PAIR);
    monitor.connect(address);
    return monitor;
  }

  private void destroy(Sock s) {
    sockets.remove(s.key);
    pollerStale = true;
    ZmqPublisher.closeMonitor(context, s.socket, s.monitor);  // the monitor first, or JeroMQ leaks descriptors
    context.destroySocket(s.socket);
  }

  private void run(ZMQ.Socket wakeReceiver, String bindEndpoint) {
    try {
      if (bindEndpoint != null) {
        ZMQ.Socket socket = context.createSocket(SocketType.SUB);
        options.applyToSubscriber(socket);
        if (curve.enabled()) {
          CurveSockets.server(socket, curve.serverKeyPair(name + " inbound"), name + "_inbound");
        }
        sockets.put(PLAIN, new Sock(PLAIN, socket, monitor(socket, ZMQ.EVENT_DISCONNECTED), null));
        // Subscribed before it binds: a SUB socket silently drops what arrives before a matching
        // subscription (JeroMQ's XSub discards it as soon as the socket is polled), so a
        // subscription sent later, as a command, lost a message of a peer that connected and sent
        // at once (OversizedFrameRelayTest, about one run in three under load).
        subscriptions.merge("", 1, Integer::sum);
        socket.subscribe(ZMQ.SUBSCRIPTION_ALL);
        socket.bind(ZmqPublisher.bindAddress(bindEndpoint));
        boundEndpoint = socket.getLastEndpoint();
      } else {
        open(PLAIN);
      }
    } catch (RuntimeException e) {
      startFailure = e instanceof ConfigException ? e
          : new TransportException("cannot bind " + bindEndpoint + ": " + e.getMessage(), e);
      new ArrayList<>(sockets.values()).forEach(this::destroy);
      context.destroySocket(wakeReceiver);
      started.countDown();
      return;
    }
    started.countDown();
    ZMQ.Poller poller = null;
    List<Sock> polled = new ArrayList<>();
    int[] socketIndex = new int[0];
    int[] monitorIndex = new int[0];
    try {
      while (!closed) {
        if (pollerStale) {
          if (poller != null) {
            poller.close();
          }
          polled = new ArrayList<>(sockets.values());
          poller = context.createPoller(1 + 2 * polled.size());
          poller.register(wakeReceiver, ZMQ.Poller.POLLIN);
          socketIndex = new int[polled.size()];
          monitorIndex = new int[polled.size()];
          for (int i = 0; i < polled.size(); i++) {
            Sock s = polled.get(i);
            socketIndex[i] = poller.register(s.socket, ZMQ.Poller.POLLIN);
            monitorIndex[i] = s.monitor == null ? -1 : poller.register(s.monitor, ZMQ.Poller.POLLIN);
          }
          pollerStale = false;
        }
        int ready = poller.poll(250);
        if (ready < 0) {
          break;
        }
        // On a timeout every socket is read anyway: a missed wake-up then costs one poll
        // interval instead of a stall.
        for (int i = 0; i < polled.size(); i++) {
          Sock s = polled.get(i);
          if (ready == 0 || poller.pollin(socketIndex[i])) {
            receiveAvailable(s);
          }
          if (monitorIndex[i] >= 0 && poller.pollin(monitorIndex[i])) {
            readEvents(s);
          }
        }
        long now = System.nanoTime();
        for (Sock s : polled) {
          if (s.watch != null && s.watch.check(now)) {
            handshakeNudges.increment();
          }
        }
        if (ready == 0 || poller.pollin(0)) {
          while (wakeReceiver.recv(ZMQ.DONTWAIT) != null) {
            // drained: the commands are in the queue
          }
          runCommands();
        }
      }
    } catch (ZMQException e) {
      if (!closed) {
        LOG.error("subscriber stopped: {}", e.toString());
      }
    } finally {
      if (poller != null) {
        poller.close();
      }
      new ArrayList<>(sockets.values()).forEach(this::destroy);
      context.destroySocket(wakeReceiver);
    }
  }

  private void readEvents(Sock s) {
    ZMQ.Event event;
    while ((event = ZMQ.Event.recv(s.monitor, ZMQ.DONTWAIT)) != null) {
      String address = event.getAddress();
      if (s.watch != null) {
        s.watch.event(event, System.nanoTime());
      }
      switch (event.getEvent()) {
        case ZMQ.EVENT_CONNECTED:
          if (!s.key.equals(PLAIN)) {
            s.pending.put(address, System.nanoTime());
          }
          break;
        case ZMQ.HANDSHAKE_SUCCEEDED:
          handshakeSucceeded(s, address);
          break;
        case ZMQ.HANDSHAKE_FAILED_AUTH:
          handshakeFailed(address, "the publisher's ZAP handler refused our client key "
              + curve.clientKeyPair().fingerprint() + " (is it in the publisher's curve.allowed_clients?)");
          break;
        case ZMQ.HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ.HANDSHAKE_FAILED_NO_DETAIL:
          handshakeFailed(address, "the CURVE handshake failed (event " + event.getEvent() + ", value "
              + event.getValue() + ")");
          break;
        case ZMQ.EVENT_DISCONNECTED:
          peerDisconnected(address);
          Long connectedAt = s.pending.remove(address);
          if (connectedAt != null && System.nanoTime() - connectedAt < HANDSHAKE_LIMIT_NANOS) {
            handshakeFailed(address, "the publisher closed the connection during the CURVE handshake: the server key "
                + "we were given for it is probably wrong, or it refused our client key " + curve.clientKeyPair().fingerprint());
          }
          break;
        default:
          break;
      }
    }
  }

  /**
   * Counts a dropped connection and logs it at most every 10 s. JeroMQ reports a peer that sent a
   * frame over {@code max_message_size}, broke the protocol or simply went away with the same
   * event, so the line names the likely causes rather than one.
   */
  private void peerDisconnected(String address) {
    peerDisconnects.increment();
    long now = System.nanoTime();
    if (disconnectLogged == 0 || now - disconnectLogged > REPEAT_LOG_NANOS) {
      long quiet = disconnectsNotLogged;
      disconnectLogged = now;
      disconnectsNotLogged = 0;
      LOG.info("{}: a peer of {} disconnected (it closed the connection, broke the protocol or sent a frame over "
          + "max_message_size={} bytes){}", name, address, options.maxMessageSize() == 0 ? "unlimited"
          : options.maxMessageSize(), quiet > 0 ? "; " + quiet + " more since the last such line" : "");
    } else {
      disconnectsNotLogged++;
    }
  }

  /** Connections of this subscriber's sockets that ended, for any reason, so far. */
  long peerDisconnects() {
    return peerDisconnects.sum();
  }

  private void handshakeSucceeded(Sock s, String address) {
    if (s.pending.remove(address) != null && handshakeLogged.remove(address) != null) {
      LOG.info("CURVE handshake with {} succeeded", address);
    }
  }

  private void handshakeFailed(String address, String why) {
    handshakeFailures.increment();
    long now = System.nanoTime();
    Long last = handshakeLogged.get(address);
    if (last == null || now - last > REPEAT_LOG_NANOS) {
      handshakeLogged.put(address, now);
      LOG.warn("no messages from {}: {}", address, why);
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
  private void receiveAvailable(Sock s) {
    ZMQ.Socket socket = s.socket;
    for (int n = 0; n < 1024; n++) {
      // Read the first frame as a zmq.Msg: its metadata names the connection's remote address.
      zmq.Msg firstMsg = socket.base().recv(ZMQ.DONTWAIT);
      if (firstMsg == null) {
        int errno = socket.base().errno();
        if (errno != 0 && errno != zmq.ZError.EAGAIN) {
          throw new ZMQException(errno);
        }
        return;
      }
      if (!s.pending.isEmpty() && s.urls.size() == 1) {
        // The socket's only connection delivered: its handshake succeeded.
        new ArrayList<>(s.pending.keySet()).forEach(address -> handshakeSucceeded(s, address));
      }
      byte[] first = firstMsg.data();
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
      DELIVERING_PEER.set(peer(firstMsg, s));
      try {
        sink.accept(frames);
      } finally {
        DELIVERING_PEER.remove();
      }
    }
  }

  /**
   * Who delivered the message: the remote address of the connection (JeroMQ's {@code
   * Peer-Address} metadata, set for TCP peers) and the endpoint of ours it arrived on.
   */
  private String peer(zmq.Msg msg, Sock s) {
    zmq.io.Metadata meta = msg.getMetadata();
    String remote = meta == null ? null : meta.get(zmq.io.Metadata.PEER_ADDRESS);
    String local = boundEndpoint != null ? boundEndpoint : String.join(",", s.urls);
    return (remote == null || remote.isEmpty() ? "?" : remote) + " via " + local;
  }

  /**
   * The peer that delivered the message the calling sink is handling (null outside a sink call).
   * Sinks run on the subscriber's thread, so a thread-local hands it to the audit log without
   * widening every sink's signature.
   */
  static String deliveringPeer() {
    return DELIVERING_PEER.get();
  }

  /** Runs {@code r} as if delivering from {@code peer} (a message verified on another thread). */
  static void asPeer(String peer, Runnable r) {
    String before = DELIVERING_PEER.get();
    DELIVERING_PEER.set(peer);
    try {
      r.run();
    } finally {
      if (before == null) {
        DELIVERING_PEER.remove();
      } else {
        DELIVERING_PEER.set(before);
      }
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
