package org.fedmsg.discovery.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.SignerIdentity;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.discovery.curve.CurveSockets;
import org.fedmsg.discovery.curve.ZapHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * One replica of the directory service: a ZeroMQ ROUTER socket answering JSON requests (protocol in
 * {@code docs/discovery.md}). It verifies every registration ({@link RegistrationVerifier}), refuses replays
 * (a registration not newer than the stored one for the same service and signer), keeps the latest
 * registration per service and signer until it expires, and answers queries with the signed registrations
 * as received. Replicas are independent: services register with each, clients query each.
 *
 * <p>Refusals are reported to the peer as a bare {@code "rejected"}; the reason goes to the local log and
 * to {@link #rejections()}.
 *
 * <p>Thread-safe. One thread serves the socket; {@link #close()} stops it.
 */
public final class DirectoryServer implements AutoCloseable {

  /** Largest request accepted, in bytes. */
  public static final int MAX_REQUEST_BYTES = 64 * 1024;
  static final String STATE_FILE = "directory-registrations.json";
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistrationVerifier verifier;
  private final Path stateDirectory;
  private final ZContext context = new ZContext();
  private final Map<String, Map<String, Stored>> store = new HashMap<>();
  private final Map<Reason, AtomicLong> rejections = new EnumMap<>(Reason.class);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final String endpoint;
  private final Thread thread;
  private final ZapHandler zap;
  private volatile boolean running = true;

  private record Stored(SignedRegistration registration, SignerIdentity signer, ObjectNode json) {}

  private DirectoryServer(String bind, RegistrationVerifier verifier, Path stateDirectory, CurveKeyPair curve,
      AllowedCurveClients allowedClients) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.stateDirectory = stateDirectory;
    for (Reason r : Reason.values()) {
      rejections.put(r, new AtomicLong());
    }
    loadState();
    this.zap = curve == null ? null : ZapHandler.start(context, allowedClients, "directory");
    ZMQ.Socket socket = context.createSocket(SocketType.ROUTER);
    socket.setLinger(0);
    socket.setMaxMsgSize(MAX_REQUEST_BYTES); // a larger frame drops the peer before JeroMQ allocates it
    socket.setReceiveTimeOut(200);
    try {
      if (curve != null) {
        CurveSockets.server(socket, curve, "directory");
      }
      socket.bind(bind);
    } catch (RuntimeException e) {
      if (zap != null) {
        zap.close();
      }
      context.close();
      throw new IllegalArgumentException("cannot bind the directory to " + bind + ": " + e.getMessage(), e);
    }
    this.endpoint = socket.getLastEndpoint();
    this.thread = new Thread(() -> serve(socket), "fedmsg-directory " + endpoint);
    this.thread.setDaemon(true);
    this.thread.start();
    LOG.info("Directory replica listening on {}{}", endpoint,
        curve == null ? "" : " (CURVE, server key " + curve.publicKeyZ85() + ")");
  }

  /**
   * Binds and starts a replica.
   *
   * @param bind a ZeroMQ bind address, e.g. {@code tcp://127.0.0.1:9941} or {@code tcp://127.0.0.1:*}
   * @param verifier checks registrations (trust store, registration policy, clock)
   * @param stateDirectory where registrations are kept across restarts, or null for memory only
   * @return the running replica
   * @throws IllegalArgumentException if the address cannot be bound
   */
  public static DirectoryServer start(String bind, RegistrationVerifier verifier, Path stateDirectory) {
    return new DirectoryServer(bind, verifier, stateDirectory, null, null);
  }

  /**
   * Binds and starts a replica that is a CURVE server: clients must know {@code curve}'s public key,
   * and a ZAP handler admits any client with a valid handshake, or only {@code allowedClients}.
   *
   * @param bind a ZeroMQ bind address
   * @param verifier checks registrations
   * @param stateDirectory where registrations are kept across restarts, or null for memory only
   * @param curve the replica's CURVE key pair
   * @param allowedClients the client keys admitted, or null for any
   * @return the running replica
   * @throws IllegalArgumentException if the address cannot be bound
   */
  public static DirectoryServer start(String bind, RegistrationVerifier verifier, Path stateDirectory,
      CurveKeyPair curve, AllowedCurveClients allowedClients) {
    return new DirectoryServer(bind, verifier, stateDirectory, java.util.Objects.requireNonNull(curve, "curve"),
        allowedClients);
  }

  /**
   * CURVE clients refused by this replica's ZAP handler (0 when CURVE is off).
   *
   * @return the count since start
   */
  public long curveRefusals() {
    return zap == null ? 0 : zap.refused();
  }

  /**
   * The bound endpoint (with the real port when {@code *} was asked for).
   *
   * @return e.g. {@code tcp://127.0.0.1:40123}
   */
  public String endpoint() {
    return endpoint;
  }

  /**
   * How many registrations were refused, per reason, since start.
   *
   * @return a snapshot copy
   */
  public Map<Reason, Long> rejections() {
    Map<Reason, Long> out = new EnumMap<>(Reason.class);
    rejections.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /**
   * The registrations currently held (not expired), for inspection.
   *
   * @return a snapshot copy
   */
  public synchronized List<SignedRegistration> registrations() {
    purgeExpired();
    List<SignedRegistration> out = new ArrayList<>();
    store.values().forEach(m -> m.values().forEach(s -> out.add(s.registration())));
    return out;
  }

  /**
   * Blocks until the replica is closed.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitTermination() throws InterruptedException {
    stopped.await();
  }

  /** Stops serving and releases the socket. Idempotent. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (zap != null) {
      zap.close();
    }
    context.close();
    stopped.countDown();
  }

  private void serve(ZMQ.Socket socket) {
    try {
      while (running && !Thread.currentThread().isInterrupted()) {
        ZMsg msg = ZMsg.recvMsg(socket);
        if (msg == null) {
          continue;
        }
        // ROUTER from a REQ peer: [identity, empty delimiter, body].
        if (msg.size() != 3) {
          LOG.warn("Directory: dropping a request of {} frames", msg.size());
          msg.destroy();
          continue;
        }
        byte[] identity = msg.pop().getData();
        msg.pop();
        byte[] body = msg.pop().getData();
        LOG.debug("Directory {}: request of {} bytes", endpoint, body.length);
        ObjectNode reply;
        try {
          reply = handle(body);
        } catch (RuntimeException e) {
          // One bad request must not stop the replica.
          LOG.error("Directory {}: request failed", endpoint, e);
          reply = status("error").put("error", "internal error");
        }
        ZMsg out = new ZMsg();
        out.add(identity);
        out.add(new byte[0]);
        out.add(reply.toString().getBytes(StandardCharsets.UTF_8));
        out.send(socket);
      }
    } catch (RuntimeException e) {
      if (running) {
        LOG.error("Directory replica {} stopped on an error", endpoint, e);
      }
    } finally {
      socket.close();
    }
  }

  ObjectNode handle(byte[] body) {
    JsonNode request;
    try {
      if (body.length > MAX_REQUEST_BYTES) {
        throw new IllegalArgumentException("request larger than " + MAX_REQUEST_BYTES + " bytes");
      }
      request = JSON.readTree(body);
      if (request == null || !request.isObject()) {
        throw new IllegalArgumentException("request is not a JSON object");
      }
    } catch (IOException | IllegalArgumentException e) {
      reject(Reason.MALFORMED, "unreadable request: " + e.getMessage());
      return status("error").put("error", "malformed request");
    }
    switch (request.path("op").asText("")) {
      case "register":
        return register(request.get("registration"));
      case "query":
        JsonNode service = request.path("service");
        return query(service.isTextual() ? service.asText() : null);
      default:
        reject(Reason.MALFORMED, "unknown op " + request.path("op"));
        return status("error").put("error", "unknown op");
    }
  }

  private synchronized ObjectNode register(JsonNode json) {
    SignedRegistration sr;
    try {
      sr = SignedRegistration.fromJson(json);
    } catch (RuntimeException e) {
      reject(Reason.MALFORMED, "malformed registration: " + e.getMessage());
      return status("rejected");
    }
    VerificationResult v = verifier.verify(sr);
    if (v instanceof VerificationResult.Invalid inv) {
      reject(inv.reason(), inv.detail());
      return status("rejected");
    }
    SignerIdentity signer = ((VerificationResult.Valid) v).signer();
    Registration r = sr.registration();
    Map<String, Stored> perSigner = store.computeIfAbsent(r.service(), k -> new HashMap<>());
    Stored old = perSigner.get(signer.fingerprint());
    if (old != null) {
      Registration o = old.registration().registration();
      if (o.nonce().equals(r.nonce()) && o.issuedAt().equals(r.issuedAt())) {
        return status("ok"); // the same registration again (a retry): nothing changes
      }
      if (!r.issuedAt().isAfter(o.issuedAt())) {
        reject(Reason.DUPLICATE, "replayed registration of " + r.service() + " by " + signer.commonName()
            + ": issued " + r.issuedAt() + ", not newer than the stored one issued " + o.issuedAt());
        return status("rejected");
      }
    }
    perSigner.put(signer.fingerprint(), new Stored(sr, signer, sr.toJson()));
    LOG.info("Directory: {} {} by {} (until {}): {}", r.withdrawal() ? "withdrawal of" : "registration of",
        r.service(), signer.commonName(), r.expiresAt(), r.endpoints());
    saveState();
    return status("ok");
  }

  private synchronized ObjectNode query(String service) {
    purgeExpired();
    ObjectNode reply = status("ok");
    ArrayNode list = reply.putArray("registrations");
    Instant now = verifier.clock().instant();
    store.forEach((name, perSigner) -> {
      if (service == null || service.equals(name)) {
        perSigner.values().stream().filter(s -> s.registration().registration().expiresAt().isAfter(now))
            .forEach(s -> list.add(s.json()));
      }
    });
    return reply;
  }

  /**
   * Drops registrations whose signer's latest statement is older than the maximum lifetime: by then every
   * earlier registration of that signer has expired too, so forgetting it cannot let a replay in.
   */
  private void purgeExpired() {
    Instant now = verifier.clock().instant();
    boolean changed = store.values().removeIf(perSigner -> {
      perSigner.values().removeIf(s -> {
        Registration r = s.registration().registration();
        return !r.issuedAt().plus(verifier.maxLifetime()).isAfter(now);
      });
      return perSigner.isEmpty();
    });
    // Expired but not yet purged entries are kept as replay guards but not served.
    if (changed) {
      saveState();
    }
  }

  private void reject(Reason reason, String detail) {
    rejections.get(reason).incrementAndGet();
    LOG.warn("Directory {}: registration rejected ({}): {}", endpoint, reason, detail);
  }

  private static ObjectNode status(String s) {
    return JSON.createObjectNode().put("status", s);
  }

  private void loadState() {
    if (stateDirectory == null) {
      return;
    }
    Path file = stateDirectory.resolve(STATE_FILE);
    if (!Files.exists(file)) {
      return;
    }
    try {
      int kept = 0;
      for (JsonNode n : JSON.readTree(file.toFile())) {
        if (register(n).path("status").asText().equals("ok")) {
          kept++;
        }
      }
      LOG.info("Directory: reloaded {} registration(s) from {}", kept, file);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Directory: ignoring unreadable state file {}: {}", file, e.toString());
    }
  }

  private void saveState() {
    if (stateDirectory == null) {
      return;
    }
    ArrayNode all = JSON.createArrayNode();
    store.values().forEach(m -> m.values().forEach(s -> all.add(s.json())));
    try {
      Files.createDirectories(stateDirectory);
      Path tmp = Files.createTempFile(stateDirectory, STATE_FILE, ".tmp");
      JSON.writeValue(tmp.toFile(), all);
      Files.move(tmp, stateDirectory.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("Directory: could not save state in {}: {}", stateDirectory, e.toString());
    }
  }
}
