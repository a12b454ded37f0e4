package org.fedmsg.discovery.curve;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.Z85;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The ZAP handler (ZeroMQ RFC 27) of one context: every CURVE server socket of the context asks
 * it, during each handshake, whether the client's public key may connect.
 *
 * <ul>
 *   <li>Without an allowed-clients list, any client that completes the CURVE handshake is admitted
 *       (the handshake already proves it holds the secret key of the public key it shows); its
 *       user id is the key's fingerprint.
 *   <li>With one ({@code curve.allowed_clients}), only listed keys are admitted; the user id is the
 *       key's name (the file's {@code metadata/name} or file name).
 * </ul>
 *
 * <p>Every refusal is counted ({@link #refused()}) and logged with the client's address and key
 * fingerprint: at WARN the first time for an address and key, then at most once per 10 s with the
 * number of refusals in between (a refused client keeps reconnecting). Admissions are logged at
 * INFO with the user id. Requests of other mechanisms (a plain socket in the same context, which
 * ZeroMQ may also route here) are admitted: whether a socket is plain is a configuration decision.
 *
 * <p>One handler per context, started before the CURVE sockets bind. One thread; thread-safe.
 */
public final class ZapHandler implements AutoCloseable {
  /** The address ZeroMQ sends ZAP requests to, inside the socket's context. */
  public static final String ZAP_ENDPOINT = "inproc://zeromq.zap.01";
  private static final Logger LOG = LoggerFactory.getLogger(ZapHandler.class);
  private static final long REPEAT_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final ZContext context;
  private final AllowedCurveClients allowed;
  private final LongAdder refused = new LongAdder();
  private final Map<String, long[]> lastLogged = new ConcurrentHashMap<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;

  private ZapHandler(ZContext context, AllowedCurveClients allowed, ZMQ.Socket socket, String label) {
    this.context = context;
    this.allowed = allowed;
    this.thread = new Thread(() -> serve(socket), "fedmsg-zap-" + label);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Starts the handler of {@code context}.
   *
   * @param context the context of the CURVE server sockets
   * @param allowed the admitted client keys, or null to admit any client with a valid handshake
   * @param label names the thread
   * @return the running handler; close it before the context
   * @throws IllegalStateException if the context has a ZAP handler already
   */
  public static ZapHandler start(ZContext context, AllowedCurveClients allowed, String label) {
    ZMQ.Socket socket = context.createSocket(SocketType.REP);
    socket.setLinger(0);
    socket.setReceiveTimeOut(200);
    try {
      socket.bind(ZAP_ENDPOINT);
    } catch (ZMQException e) {
      context.destroySocket(socket);
      throw new IllegalStateException("this context has a ZAP handler already", e);
    }
    if (allowed == null) {
      LOG.info("CURVE ({}): admitting any client that completes the handshake", label);
    }
    return new ZapHandler(context, allowed, socket, label);
  }

  /** Clients refused so far. */
  public long refused() {
    return refused.sum();
  }

  private void serve(ZMQ.Socket socket) {
    try {
      while (running) {
        byte[] version;
        try {
          version = socket.recv(0);
        } catch (ZMQException e) {
          if (running) {
            LOG.error("ZAP handler stopped: {}", e.toString());
          }
          return;
        }
        if (version == null) {
          continue;
        }
        java.util.List<byte[]> frames = new java.util.ArrayList<>();
        frames.add(version);
        while (socket.hasReceiveMore() && frames.size() < 16) {
          frames.add(socket.recv(0));
        }
        while (socket.hasReceiveMore()) {
          socket.recv(0);
        }
        reply(socket, frames);
      }
    } finally {
      context.destroySocket(socket);
      stopped.countDown();
    }
  }

  private void reply(ZMQ.Socket socket, java.util.List<byte[]> f) {
    byte[] requestId = f.size() > 1 ? f.get(1) : new byte[0];
    Decision d = decide(f);
    socket.send("1.0", ZMQ.SNDMORE);
    socket.send(requestId, ZMQ.SNDMORE);
    socket.send(d.admit ? "200" : (d.malformed ? "500" : "400"), ZMQ.SNDMORE);
    socket.send(d.text, ZMQ.SNDMORE);
    socket.send(d.userId, ZMQ.SNDMORE);
    socket.send(new byte[0], 0);
  }

  private record Decision(boolean admit, boolean malformed, String text, String userId) {}

  private Decision decide(java.util.List<byte[]> f) {
    // [version, request id, domain, address, identity, mechanism, credentials...]
    if (f.size() < 6 || !"1.0".equals(text(f.get(0)))) {
      refused.increment();
      LOG.warn("ZAP: malformed request of {} frames refused", f.size());
      return new Decision(false, true, "malformed ZAP request", "");
    }
    String domain = text(f.get(2));
    String address = text(f.get(3));
    String mechanism = text(f.get(5));
    if (!"CURVE".equals(mechanism)) {
      return new Decision(true, false, "OK", "");
    }
    if (f.size() < 7 || f.get(6).length != 32) {
      refused.increment();
      LOG.warn("ZAP: CURVE request from {} on {} without a 32-byte client key refused", address, domain);
      return new Decision(false, true, "malformed CURVE credentials", "");
    }
    byte[] key = f.get(6);
    String fingerprint = Z85.fingerprint(key);
    if (allowed == null) {
      LOG.info("CURVE client {} admitted on {} from {}", fingerprint, domain, address);
      return new Decision(true, false, "OK", fingerprint);
    }
    Optional<String> name = allowed.lookup(key);
    if (name.isPresent()) {
      LOG.info("CURVE client '{}' ({}) admitted on {} from {}", name.get(), fingerprint, domain, address);
      return new Decision(true, false, "OK", name.get());
    }
    refused.increment();
    logRefusal(domain, address, fingerprint);
    return new Decision(false, false, "client key not allowed", "");
  }

  private void logRefusal(String domain, String address, String fingerprint) {
    String host = address;
    long now = System.nanoTime();
    if (lastLogged.size() > 10_000) {
      lastLogged.clear(); // bounded memory against a flood of distinct keys
    }
    long[] state = lastLogged.computeIfAbsent(domain + "|" + host + "|" + fingerprint, k -> new long[] {now - REPEAT_LOG_NANOS - 1, 0});
    synchronized (state) {
      if (now - state[0] > REPEAT_LOG_NANOS) {
        LOG.warn("CURVE client {} refused on {} from {}: key not in curve.allowed_clients {}{}", fingerprint, domain,
            address, allowed.sources(), state[1] > 0 ? " (" + state[1] + " more refusal(s) since the last report)" : "");
        state[0] = now;
        state[1] = 0;
      } else {
        state[1]++;
      }
    }
  }

  private static String text(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.UTF_8);
  }

  /** Stops the handler; call before closing the context. Idempotent. */
  @Override
  public void close() {
    running = false;
    try {
      stopped.await(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
