package org.fedmsg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.fedmsg.crypto.Z85;
import org.fedmsg.discovery.curve.CurveSockets;
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
 * <p>One thread owns the XPUB socket and polls it together with an inproc PULL socket that
 * carries outgoing messages from application threads (ZeroMQ sockets are single-threaded, and
 * only a poller reliably notices a new subscriber's connection and subscriptions).
 */
final class ZmqPublisher implements AutoCloseable {
  static final String PROBE_MARKER = "._heartbeat.probe.";
  /**
   * The only probe topics answered: a dotted topic prefix, the marker and a 16-hex-digit nonce
   * (what {@code Subscription.awaitReady} sends), at most {@value #MAX_PROBE_TOPIC} characters in
   * all. Anyone may subscribe, so the answer's topic and size must not be the subscriber's choice.
   */
  private static final java.util.regex.Pattern PROBE_TOPIC =
      java.util.regex.Pattern.compile("([A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*)?\\._heartbeat\\.probe\\.[0-9a-f]{16}");
  static final int MAX_PROBE_TOPIC = 160;
  /** Probe answers a publisher sends at most in a burst, and per second after it. */
  static final int PROBE_BURST = 20;
  static final int PROBES_PER_SECOND = 10;
  private static final long REFUSAL_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final Logger LOG = LoggerFactory.getLogger(ZmqPublisher.class);
  private static final int HANDOFF_HWM = 100_000;
  private static final int POLL_MILLIS = 250;
  /**
   * How long closing a connecting publisher waits for the relay to take one more message: it
   * waits as long as the relay makes progress (it verifies at its own pace; see {@link #send}).
   */
  static final java.time.Duration ACTIVE_FLUSH_TIMEOUT = java.time.Duration.ofSeconds(30);

  private final ZContext context;
  private final ZMQ.Socket socket;
  private final String endpoint;
  private final String publisherId = UUID.randomUUID().toString();
  private final String handoffAddress = "inproc://fedmsg-pub-" + UUID.randomUUID();
  private final ReentrantLock pushLock = new ReentrantLock();
  private final ZMQ.Socket push;
  private final ReentrantLock stateLock = new ReentrantLock();
  private final Condition subscribed = stateLock.newCondition();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private long subscriptionsSeen;
  /** Null: messages go out as handed in; else owned by the publishing thread after {@link #compacting}. */
  private volatile org.fedmsg.wire.ChainCompactor compactor;
  private volatile boolean closed;
  /**
   * A connecting publisher (to a relay) waits instead of dropping: its XPUB socket is no-drop and
   * a full queue to the relay holds the publishing thread, and with it {@link #send}, until the
   * relay has read more. A bound publisher cannot wait for every subscriber (one slow subscriber
   * would stall all), so it drops for the slow one, as ZeroMQ's PUB does.
   */
  private final boolean waits;
  /** Set by {@link #close()} when a waiting publisher's flush time is over: what is left is dropped. */
  private volatile boolean abandon;
  /** Set first thing by {@link #close()}, so a sender waiting for room stops waiting (and frees the lock). */
  private volatile boolean closing;
  private final java.util.concurrent.atomic.LongAdder abandoned = new java.util.concurrent.atomic.LongAdder();
  /** Times a waiting publisher found the relay's queue full and waited (backpressure in action). */
  private final java.util.concurrent.atomic.LongAdder waited = new java.util.concurrent.atomic.LongAdder();
  private volatile java.time.Duration flushTimeout = ACTIVE_FLUSH_TIMEOUT;
  /** When a waiting publisher last handed a frame to its socket (System.nanoTime). */
  private volatile long lastProgress = System.nanoTime();
  // Owned by the publishing thread: the probe-answer token bucket and refusal logging.
  private double probeTokens = PROBE_BURST;
  private long probeRefill = System.nanoTime();
  private long refusalLogged;
  private final java.util.concurrent.atomic.LongAdder probesAnswered = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder probesRefused = new java.util.concurrent.atomic.LongAdder();

  /**
   * The monitor of a connecting publisher's socket, read into {@link #watch}: its connection to the
   * relay can stall like any outgoing one ({@link HandshakeWatch}). Null for a bound publisher.
   */
  private final ZMQ.Socket monitor;
  private final HandshakeWatch watch;
  private final java.util.concurrent.atomic.LongAdder handshakeNudges = new java.util.concurrent.atomic.LongAdder();

  private ZmqPublisher(ZContext context, ZMQ.Socket socket, ZMQ.Socket monitor, String endpoint, String name,
      boolean waits) {
    this.context = context;
    this.socket = socket;
    this.monitor = monitor;
    this.watch = monitor == null ? null : new HandshakeWatch(context);
    this.endpoint = endpoint;
    this.waits = waits;
    ZMQ.Socket pull = context.createSocket(SocketType.PULL);
    pull.setRcvHWM(HANDOFF_HWM);
    pull.bind(handoffAddress);
    this.push = context.createSocket(SocketType.PUSH);
    this.push.setSndHWM(HANDOFF_HWM);
    this.push.setLinger(0);
    if (waits) {
      this.push.setSendTimeOut(POLL_MILLIS);
    }
    this.push.connect(handoffAddress);
    this.thread = new Thread(() -> run(pull), "fedmsg-pub-" + name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Binds the first endpoint of {@code candidates} that is free, or, when {@code active},
   * connects to the first one.
   *
   * @throws TransportException when no candidate can be bound
   */
  static ZmqPublisher open(ZContext context, SocketOptions options, String name, List<String> candidates,
      boolean active) {
    return open(context, options, CurveOptions.disabled(), name, candidates, active);
  }

  /**
   * As {@link #open(ZContext, SocketOptions, String, List, boolean)}, with CURVE: a bound
   * publisher is a CURVE server (its context must have a {@link org.fedmsg.discovery.curve.ZapHandler});
   * an active one is a client of the relay, pinned to the key {@code curve} knows for it.
   *
   * @throws ConfigException when CURVE is on and a needed key is missing
   */
  static ZmqPublisher open(ZContext context, SocketOptions options, CurveOptions curve, String name,
      List<String> candidates, boolean active) {
    if (candidates.isEmpty()) {
      throw new TransportException("no endpoint configured for publisher '" + name + "'");
    }
    ZMQ.Socket socket = context.createSocket(SocketType.XPUB);
    socket.setXpubVerbose(true);
    options.applyToPublisher(socket);
    if (active) {
      // Backpressure: a full queue to the relay makes send() wait (up to a poll interval, then
      // again) instead of discarding the message.
      socket.setXpubNoDrop(true);
      socket.setSendTimeOut(POLL_MILLIS);
    }
    if (curve.enabled()) {
      try {
        applyCurve(socket, curve, name, candidates.get(0), active);
      } catch (RuntimeException e) {
        context.destroySocket(socket);
        throw e;
      }
    }
    ZMQ.Socket monitor = null;
    if (active) {
      // Before connecting, so that the first CONNECTED is seen.
      String address = "inproc://fedmsg-pub-monitor-" + UUID.randomUUID();
      socket.monitor(address, HandshakeWatch.EVENTS);
      monitor = context.createSocket(SocketType.PAIR);
      monitor.connect(address);
    }
    List<String> failures = new ArrayList<>();
    for (String candidate : candidates) {
      try {
        if (active) {
          socket.connect(candidate);
          return new ZmqPublisher(context, socket, monitor, candidate, name, true);
        }
        socket.bind(bindAddress(candidate));
        return new ZmqPublisher(context, socket, null, socket.getLastEndpoint(), name, false);
      } catch (ZMQException | IllegalArgumentException e) {
        failures.add(candidate + " (" + e.getMessage() + ")");
      }
    }
    closeMonitor(context, socket, monitor);
    context.destroySocket(socket);
    throw new TransportException("Couldn't find an available endpoint for name '" + name + "': tried "
        + String.join(", ", failures));
  }

  private static void applyCurve(ZMQ.Socket socket, CurveOptions curve, String name, String relay, boolean active) {
    if (!active) {
      CurveSockets.server(socket, curve.serverKeyPair("publisher '" + name + "'"), name);
      return;
    }
    if (curve.plainEndpoints().contains(relay)) {
      LOG.warn("CURVE is on, but the relay inbound {} is marked plain (curve: false): this hop is not encrypted", relay);
      return;
    }
    String key = curve.serverKeys().get(relay);
    if (key == null) {
      throw new ConfigException("curve is enabled, but no CURVE server key is known for the relay inbound " + relay
          + ": list it under endpoints.relay_inbound as {url: " + relay + ", curve_server_key: KEY}, or mark it"
          + " plain with curve: false");
    }
    CurveSockets.client(socket, curve.clientKeyPair(), Z85.decodeKey(key).orElseThrow());
  }

  /**
   * Stops a socket's monitor and closes the monitor's socket, before the socket itself is closed:
   * JeroMQ 0.5.4 leaks the descriptors of both (and of the monitored socket) when a monitored
   * socket is closed first ({@code docs/architecture.md}, "Socket monitors and file descriptors").
   */
  static void closeMonitor(ZContext context, ZMQ.Socket socket, ZMQ.Socket monitor) {
    if (monitor != null) {
      socket.monitor(null, 0);
      context.destroySocket(monitor);
    }
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
    if (host.equals("localhost")) {
      return "tcp://127.0.0.1" + url.substring(colon);
    }
    if (host.equals("*") || host.startsWith("127.") || host.equals("[::1]")) {
      return url;
    }
    return "tcp://*" + url.substring(colon);
  }

  /** The endpoint actually bound (with the real port when {@code *} was asked) or connected. */
  String endpoint() {
    return endpoint;
  }

  /**
   * Queues one multipart message for the socket. A bound publisher never blocks; a connecting one
   * waits while its hand-off queue is full (the relay is slower than the caller), until it is
   * closed.
   *
   * @return false when the publisher is closed or (bound publisher) its hand-off queue is full
   */
  boolean send(byte[][] frames) {
    pushLock.lock();
    try {
      if (closed) {
        return false;
      }
      for (int i = 0; i < frames.length; i++) {
        // A waiting publisher's push blocks up to a poll interval at a time (its send timeout).
        int flags = (waits ? 0 : ZMQ.DONTWAIT) | (i < frames.length - 1 ? ZMQ.SNDMORE : 0);
        while (!push.send(frames[i], flags)) {
          // Only the first frame can find the queue full: the rest of a message always fits.
          if (!waits || closing || i > 0) {
            return false;
          }
        }
      }
      return true;
    } finally {
      pushLock.unlock();
    }
  }

  /** Waits until at least one subscription has arrived; true if one did within {@code timeout}. */
  boolean awaitSubscriber(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    stateLock.lock();
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
      stateLock.unlock();
    }
  }

  private void run(ZMQ.Socket pull) {
    ZMQ.Poller poller = context.createPoller(3);
    poller.register(pull, ZMQ.Poller.POLLIN);
    poller.register(socket, ZMQ.Poller.POLLIN);
    if (monitor != null) {
      poller.register(monitor, ZMQ.Poller.POLLIN);
    }
    try {
      boolean running = true;
      while (running) {
        int ready = poller.poll(POLL_MILLIS);
        if (ready < 0) {
          break;
        }
        // On a timeout the socket is read anyway: if a wake-up was ever missed, a subscription
        // waits at most one poll interval instead of forever.
        if (ready == 0 || poller.pollin(1)) {
          drainSubscriptions();
        }
        watchHandshake();
        if (poller.pollin(0)) {
          running = forward(pull);
        }
      }
    } catch (ZMQException e) {
      if (!closed) {
        LOG.error("publisher {} stopped: {}", endpoint, e.toString());
      }
    } catch (RuntimeException | Error e) {
      // nothing is published any more: say so loudly (fedmsg commands exit on an Error)
      LOG.error("publisher {} stopped: {}", endpoint, e.toString(), e);
      throw e;
    } finally {
      poller.close();
      context.destroySocket(pull);
      if (waits && !abandon) {
        // What the socket still queues for the relay (up to its high-water mark) gets the rest of
        // the flush time, not just the configured linger: closing the context waits for it.
        context.setLinger((int) Math.max(context.getLinger(), flushTimeout.toMillis()));
      }
      closeMonitor(context, socket, monitor);
      context.destroySocket(socket);
      stopped.countDown();
    }
  }

  /**
   * Moves queued messages to the XPUB socket, a batch at a time so subscriptions are not starved.
   *
   * @return false once the stop marker (a single empty frame, queued by {@link #close()} after
   *     every message sent before it) has been read
   */
  private boolean forward(ZMQ.Socket pull) {
    org.fedmsg.wire.ChainCompactor c = compactor;
    if (c != null) {
      return forwardCompacting(pull, c);
    }
    for (int n = 0; n < 4096; n++) {
      byte[] frame = pull.recv(ZMQ.DONTWAIT);
      if (frame == null) {
        return true;
      }
      boolean more = pull.hasReceiveMore();
      if (!more && frame.length == 0) {
        return false;
      }
      if (!deliver(frame, more)) {
        return skipRest(pull, more);
      }
      while (more) {
        frame = pull.recv(0);
        more = pull.hasReceiveMore();
        if (!deliver(frame, more)) {
          return skipRest(pull, more);
        }
      }
    }
    return true;
  }

  /**
   * {@link #forward} with compact fedmsg/2 frames: a message at a time, and the subscriptions
   * read before each one, so that the first message a new subscriber gets of each (signer, topic)
   * carries the certificate chain in full. What remains is a race inside ZeroMQ: a subscription
   * that the socket takes in while sending (after this read) matches that message, which may be
   * compact; that subscriber gets the chain with the next full one (docs/wire-format.md).
   */
  private boolean forwardCompacting(ZMQ.Socket pull, org.fedmsg.wire.ChainCompactor c) {
    List<byte[]> parts = new ArrayList<>(3);
    for (int n = 0; n < 4096; n++) {
      byte[] frame = pull.recv(ZMQ.DONTWAIT);
      if (frame == null) {
        return true;
      }
      boolean more = pull.hasReceiveMore();
      if (!more && frame.length == 0) {
        return false;
      }
      parts.clear();
      parts.add(frame);
      while (more) {
        parts.add(pull.recv(0));
        more = pull.hasReceiveMore();
      }
      // ZMQ_EVENTS makes the socket take in every pending command now (a new subscriber's pipe and
      // subscriptions among them); send() then skips that step for the next few milliseconds, which
      // narrows the race described above to a thread that is descheduled between here and send
      socket.getEvents();
      drainSubscriptions();
      byte[][] out = c.outgoing(parts.toArray(new byte[0][]));
      for (int i = 0; i < out.length; i++) {
        boolean last = i == out.length - 1;
        if (!deliver(out[i], !last)) {
          return skipRest(pull, false);
        }
      }
    }
    return true;
  }

  /**
   * Sends fedmsg/2 messages with compact signature frames where {@code compactor} allows (null:
   * every message as handed in). Call before the first {@link #send}; the compactor then belongs
   * to this publisher's thread.
   */
  ZmqPublisher compacting(org.fedmsg.wire.ChainCompactor compactor) {
    this.compactor = compactor;
    return this;
  }

  /**
   * Hands one frame to the XPUB socket. A waiting publisher retries while the relay's queue is
   * full, reading subscriptions in between, until {@link #close()} gives up on the relay.
   *
   * @return false when the frame was given up on
   */
  private boolean deliver(byte[] frame, boolean more) {
    int flags = more ? ZMQ.SNDMORE : 0;
    if (!waits) {
      socket.send(frame, flags);
      return true;
    }
    boolean first = true;
    lastProgress = System.nanoTime();
    while (!socket.send(frame, flags)) {
      if (abandon) {
        return false;
      }
      if (first) {
        waited.increment();
        first = false;
      }
      drainSubscriptions();
      watchHandshake();  // a relay that restarted may be waiting on a stalled handshake
    }
    return true;
  }

  /** Reads the connecting socket's monitor into its {@link HandshakeWatch}, which nudges a stalled connection. */
  private void watchHandshake() {
    if (watch == null) {
      return;
    }
    long now = System.nanoTime();
    ZMQ.Event event;
    while ((event = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT)) != null) {
      watch.event(event, now);
    }
    if (watch.check(now)) {
      handshakeNudges.increment();
    }
  }

  /** Times a stalled handshake to the relay made this publisher nudge the I/O threads (0 when bound). */
  long handshakeNudges() {
    return handshakeNudges.sum();
  }

  /** fedmsg/2 signature frames sent with the certificate chain in full (0 without {@code wire_compact}). */
  long signaturesFull() {
    org.fedmsg.wire.ChainCompactor c = compactor;
    return c == null ? 0 : c.fullSent();
  }

  /** fedmsg/2 signature frames sent compact, the chain named by its digest (0 without {@code wire_compact}). */
  long signaturesCompact() {
    org.fedmsg.wire.ChainCompactor c = compactor;
    return c == null ? 0 : c.compactSent();
  }

  /** How many times a connecting publisher found the relay's queue full and waited for it (0 when bound). */
  long waitedForSubscriber() {
    return waited.sum();
  }

  /** For tests: how long {@link #close()} waits for the relay (default {@link #ACTIVE_FLUSH_TIMEOUT}). */
  void flushTimeout(java.time.Duration timeout) {
    this.flushTimeout = timeout;
  }

  /**
   * After a waiting publisher gave up: counts the message being sent and everything still queued
   * behind it as abandoned, up to the stop marker.
   *
   * @return false (the publisher stops)
   */
  private boolean skipRest(ZMQ.Socket pull, boolean more) {
    abandoned.increment();
    while (more) {
      pull.recv(0);
      more = pull.hasReceiveMore();
    }
    byte[] frame;
    while ((frame = pull.recv(ZMQ.DONTWAIT)) != null) {
      boolean partOfMessage = pull.hasReceiveMore();
      if (!partOfMessage && frame.length == 0) {
        break;
      }
      while (partOfMessage) {
        pull.recv(0);
        partOfMessage = pull.hasReceiveMore();
      }
      abandoned.increment();
    }
    return false;
  }

  /**
   * Messages a connecting publisher gave up on at close because the relay did not take them
   * within the flush time ({@link #ACTIVE_FLUSH_TIMEOUT}; logged). Always 0 for a bound publisher.
   */
  long abandoned() {
    return abandoned.sum();
  }

  private void drainSubscriptions() {
    byte[] frame;
    while ((frame = socket.recv(ZMQ.DONTWAIT)) != null) {
      if (frame.length == 0 || frame[0] != 1) {
        continue;
      }
      org.fedmsg.wire.ChainCompactor c = compactor;
      if (c != null) {
        c.subscribed();
      }
      stateLock.lock();
      try {
        subscriptionsSeen++;
        subscribed.signalAll();
      } finally {
        stateLock.unlock();
      }
      if (contains(frame, PROBE_MARKER_BYTES)) {
        String topic = new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8);
        if (!isProbeTopic(topic)) {
          refuseProbe("not of the form <prefix>" + PROBE_MARKER + "<16 hex digits>", frame.length - 1);
        } else if (!takeProbeToken()) {
          refuseProbe("over " + PROBES_PER_SECOND + " probes per second", frame.length - 1);
        } else {
          probesAnswered.increment();
          answerProbe(topic);
        }
      }
    }
  }

  private static final byte[] PROBE_MARKER_BYTES = PROBE_MARKER.getBytes(StandardCharsets.US_ASCII);

  /** Whether {@code frame}, after its first (subscribe) byte, contains {@code marker}. */
  private static boolean contains(byte[] frame, byte[] marker) {
    outer:
    for (int i = 1; i + marker.length <= frame.length; i++) {
      for (int j = 0; j < marker.length; j++) {
        if (frame[i + j] != marker[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** Whether a probe subscription has the one form this publisher answers. */
  static boolean isProbeTopic(String topic) {
    return topic.length() <= MAX_PROBE_TOPIC && PROBE_TOPIC.matcher(topic).matches();
  }

  private boolean takeProbeToken() {
    long now = System.nanoTime();
    probeTokens = Math.min(PROBE_BURST, probeTokens + (now - probeRefill) * PROBES_PER_SECOND / 1e9);
    probeRefill = now;
    if (probeTokens < 1) {
      return false;
    }
    probeTokens -= 1;
    return true;
  }

  private void refuseProbe(String why, int length) {
    probesRefused.increment();
    long now = System.nanoTime();
    if (refusalLogged == 0 || now - refusalLogged > REFUSAL_LOG_NANOS) {
      refusalLogged = now;
      LOG.warn("publisher {}: not answering a probe subscription of {} bytes: {} ({} refused so far)", endpoint,
          length, why, probesRefused.sum());
    }
  }

  /** Probe subscriptions answered so far. */
  long probesAnswered() {
    return probesAnswered.sum();
  }

  /** Probe subscriptions not answered (malformed or over the rate) so far. */
  long probesRefused() {
    return probesRefused.sum();
  }

  /**
   * Answers a probe on exactly its topic. The answer is an ordinary two-frame message, so
   * reference subscribers that receive it (they subscribe to everything) parse it; it is never
   * signed because receivers handle probe answers before verification and never deliver them.
   * Its form is fixed (the topic is checked by {@link #isProbeTopic}, the body holds only this
   * publisher's id), so it stays under 300 bytes, and at most {@link #PROBES_PER_SECOND} are sent
   * per second after a burst of {@link #PROBE_BURST}: whoever subscribes cannot make this
   * publisher send every subscriber of {@code ""} large or many messages.
   */
  private void answerProbe(String topic) {
    ObjectNode body = Json.object();
    body.put("topic", topic);
    body.set("msg", Json.object().put("publisher", publisherId));
    body.put("timestamp", System.currentTimeMillis() / 1000);
    body.put("i", 0);
    // Never waits for a full relay (a connecting publisher's socket is no-drop): an answer that
    // does not fit is not sent.
    if (socket.send(topic.getBytes(StandardCharsets.UTF_8), ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
      socket.send(Json.canonical(body), 0);
    }
  }

  @Override
  public void close() {
    closing = true;
    pushLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // The stop marker follows every queued message, so they are all handed to the XPUB
      // socket, which then gets the configured linger time to flush them.
      push.send(new byte[0], 0);
      context.destroySocket(push);
    } finally {
      pushLock.unlock();
    }
    stateLock.lock();
    try {
      subscribed.signalAll();
    } finally {
      stateLock.unlock();
    }
    try {
      if (waits) {
        // Wait as long as the relay keeps taking messages; give up after the flush time without progress.
        while (!stopped.await(Math.min(1000, flushTimeout.toMillis()), TimeUnit.MILLISECONDS)) {
          if (System.nanoTime() - lastProgress > flushTimeout.toNanos()) {
            abandon = true;
            break;
          }
        }
      }
      stopped.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon = true;
    }
    if (abandoned.sum() > 0) {
      LOG.error("publisher {}: the relay took nothing for {} s; {} message(s) were not sent", endpoint,
          flushTimeout.toSeconds(), abandoned.sum());
    }
  }
}
