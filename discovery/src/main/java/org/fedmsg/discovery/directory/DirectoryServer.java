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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.crypto.AllowedCurveClients;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.LogText;
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
 * (a registration not newer than the stored one for the same service and signer key), keeps the latest
 * registration per service and signer key until every older one has expired, and answers queries with the
 * signed registrations as received. Replicas are independent: services register with each, clients query
 * each.
 *
 * <p>A signer is its public key ({@link SignedRegistration#signerKeyId()}), not its certificate: a renewed
 * certificate keeping the key is the same signer, so a registration signed under the previous certificate
 * cannot be replayed past a newer statement (a withdrawal included). An endpoint URL belongs to the first
 * signer that registered it until that registration expires or is withdrawn ({@link Refusal#URL_HELD}), and
 * each signer is held to its {@link Settings quotas}.
 *
 * <p>Refusals before the signature is verified are reported to the peer as a bare {@code "rejected"}; the
 * refusals of a verified signer (replay, URL held, quota) also carry a {@code reason} it can act on. Every
 * reason goes to the local log and to {@link #rejections()} or {@link #refusals()}.
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
  private final Settings settings;
  private final ZContext context = new ZContext();
  /** service -> signer key id -> the latest registration (or withdrawal) of that signer for that service. */
  private final Map<String, Map<String, Stored>> store = new HashMap<>();
  /** URL -> who listed it (signer key id and service); liveness is checked against {@link #store}. */
  private final Map<String, Set<Holder>> urlHolders = new HashMap<>();
  /** signer key id -> what it stores (entries and bytes), kept up to date on every change. */
  private final Map<String, Usage> usage = new HashMap<>();
  private final Map<Reason, AtomicLong> rejections = new EnumMap<>(Reason.class);
  private final Map<Refusal, AtomicLong> refusals = new EnumMap<>(Refusal.class);
  /** Work done by {@code register} (map look-ups and URL checks): shows it does not grow with the store. */
  private long registerSteps;
  private long stateWrites;
  private boolean dirty;
  private boolean loading;
  private long lastWriteNanos;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final String endpoint;
  private final Thread thread;
  private final ZapHandler zap;
  private volatile boolean running = true;

  private record Stored(SignedRegistration registration, SignerIdentity signer, String signerKey, ObjectNode json,
      long bytes) {}

  private record Holder(String signerKey, String service) {}

  private static final class Usage {
    int entries;
    long bytes;
  }

  /**
   * Why the replica refused a verified signer's registration (beyond a replay, counted as
   * {@link Reason#DUPLICATE}).
   */
  public enum Refusal {
    /** An endpoint URL is held by another signer's live registration (first holder wins). */
    URL_HELD,
    /** The signer already stores its maximum number of services. */
    TOO_MANY_SERVICES,
    /** The registration lists more endpoints than one service may have. */
    TOO_MANY_ENDPOINTS,
    /** The signer's stored registrations would exceed its byte quota. */
    TOO_MANY_BYTES
  }

  /**
   * Per-signer quotas and the state-file write cadence.
   *
   * @param maxServicesPerSigner services one signer key may hold (withdrawals and expired entries kept as
   *     replay guards count until forgotten)
   * @param maxEndpointsPerService endpoints one registration may list
   * @param maxBytesPerSigner total size of one signer's stored registrations (JSON, certificates included)
   * @param stateWriteInterval the state file is rewritten at most once per interval (and on close)
   */
  public record Settings(int maxServicesPerSigner, int maxEndpointsPerService, long maxBytesPerSigner,
      Duration stateWriteInterval) {

    /** 64 services, 16 endpoints per service, 256 KiB per signer, state written at most once a second. */
    public static final Settings DEFAULT = new Settings(64, 16, 256 * 1024, Duration.ofSeconds(1));

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a quota is not positive or the interval is negative
     */
    public Settings {
      if (maxServicesPerSigner < 1 || maxEndpointsPerService < 1 || maxBytesPerSigner < 1) {
        throw new IllegalArgumentException("directory quotas must be positive");
      }
      if (maxEndpointsPerService > Registration.MAX_ENDPOINTS) {
        throw new IllegalArgumentException("at most " + Registration.MAX_ENDPOINTS + " endpoints per service");
      }
      Objects.requireNonNull(stateWriteInterval, "stateWriteInterval");
      if (stateWriteInterval.isNegative()) {
        throw new IllegalArgumentException("stateWriteInterval must not be negative");
      }
    }
  }

  private DirectoryServer(String bind, RegistrationVerifier verifier, Path stateDirectory, Settings settings,
      CurveKeyPair curve, AllowedCurveClients allowedClients) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.stateDirectory = stateDirectory;
    this.settings = Objects.requireNonNull(settings, "settings");
    for (Reason r : Reason.values()) {
      rejections.put(r, new AtomicLong());
    }
    for (Refusal r : Refusal.values()) {
      refusals.put(r, new AtomicLong());
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
    return new DirectoryServer(bind, verifier, stateDirectory, Settings.DEFAULT, null, null);
  }

  /**
   * Binds and starts a replica with explicit quotas, optionally as a CURVE server.
   *
   * @param bind a ZeroMQ bind address
   * @param verifier checks registrations
   * @param stateDirectory where registrations are kept across restarts, or null for memory only
   * @param settings per-signer quotas and the state write cadence
   * @param curve the replica's CURVE key pair, or null for a plain replica
   * @param allowedClients with {@code curve}: the client keys admitted, or null for any
   * @return the running replica
   * @throws IllegalArgumentException if the address cannot be bound
   */
  public static DirectoryServer start(String bind, RegistrationVerifier verifier, Path stateDirectory,
      Settings settings, CurveKeyPair curve, AllowedCurveClients allowedClients) {
    return new DirectoryServer(bind, verifier, stateDirectory, settings, curve, allowedClients);
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
    return new DirectoryServer(bind, verifier, stateDirectory, Settings.DEFAULT,
        Objects.requireNonNull(curve, "curve"), allowedClients);
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
   * How many verified registrations were refused by the directory's own rules (URL held, quotas), per
   * refusal, since start.
   *
   * @return a snapshot copy
   */
  public Map<Refusal, Long> refusals() {
    Map<Refusal, Long> out = new EnumMap<>(Refusal.class);
    refusals.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  synchronized long registerSteps() {
    return registerSteps;
  }

  synchronized long stateWrites() {
    return stateWrites;
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
    synchronized (this) {
      if (dirty) {
        saveState();
      }
    }
    stopped.countDown();
  }

  private void serve(ZMQ.Socket socket) {
    try {
      while (running && !Thread.currentThread().isInterrupted()) {
        ZMsg msg = ZMsg.recvMsg(socket);
        saveStateIfDue();
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
    return register(json, false);
  }

  private ObjectNode register(JsonNode json, boolean fromState) {
    SignedRegistration sr;
    try {
      sr = SignedRegistration.fromJson(json);
    } catch (RuntimeException e) {
      reject(Reason.MALFORMED, "malformed registration: " + e.getMessage());
      return status("rejected");
    }
    Instant now = verifier.clock().instant();
    Registration r = sr.registration();
    // A reloaded withdrawal (or registration) past its expiry is still a replay guard until every older
    // registration of its signer has expired: verify it as of its last valid instant.
    boolean guardOnly = fromState && !r.expiresAt().isAfter(now) && r.issuedAt().plus(verifier.maxLifetime()).isAfter(now);
    VerificationResult v = verifier.verify(sr, guardOnly ? r.expiresAt().minusMillis(1) : now);
    if (v instanceof VerificationResult.Invalid inv) {
      reject(inv.reason(), inv.detail());
      return status("rejected");
    }
    SignerIdentity signer = ((VerificationResult.Valid) v).signer();
    String signerKey = sr.signerKeyId();
    Stored old = store.getOrDefault(r.service(), Map.of()).get(signerKey);
    registerSteps++;
    if (old != null) {
      Registration o = old.registration().registration();
      if (o.nonce().equals(r.nonce()) && o.issuedAt().equals(r.issuedAt())) {
        return status("ok"); // the same registration again (a retry): nothing changes
      }
      if (!r.issuedAt().isAfter(o.issuedAt())) {
        String why = "replayed registration of " + r.service() + " by " + signer.commonName() + ": issued "
            + r.issuedAt() + ", not newer than the stored " + (o.withdrawal() ? "withdrawal" : "registration")
            + " issued " + o.issuedAt() + " by the same key";
        reject(Reason.DUPLICATE, why);
        return refused(why);
      }
    }
    String held = heldByAnother(r, signerKey, now);
    if (held != null) {
      return refuse(Refusal.URL_HELD, held);
    }
    if (r.endpoints().size() > settings.maxEndpointsPerService()) {
      return refuse(Refusal.TOO_MANY_ENDPOINTS, signer.commonName() + " registers " + r.endpoints().size()
          + " endpoints for " + r.service() + "; the limit is " + settings.maxEndpointsPerService());
    }
    ObjectNode stored = sr.toJson();
    long bytes = stored.toString().getBytes(StandardCharsets.UTF_8).length;
    Usage use = usage.computeIfAbsent(signerKey, k -> new Usage());
    registerSteps++;
    if (old == null && use.entries >= settings.maxServicesPerSigner()) {
      return refuse(Refusal.TOO_MANY_SERVICES, signer.commonName() + " already holds " + use.entries
          + " services (withdrawn and expired ones count until forgotten); the limit is "
          + settings.maxServicesPerSigner());
    }
    long newBytes = use.bytes - (old == null ? 0 : old.bytes()) + bytes;
    if (newBytes > settings.maxBytesPerSigner()) {
      return refuse(Refusal.TOO_MANY_BYTES, signer.commonName() + " would store " + newBytes
          + " bytes of registrations; the limit is " + settings.maxBytesPerSigner());
    }
    if (old != null) {
      forget(r.service(), old);
    }
    put(r.service(), new Stored(sr, signer, signerKey, stored, bytes));
    if (!fromState) {
      LOG.info("Directory: {} {} by {} (until {}): {}", r.withdrawal() ? "withdrawal of" : "registration of",
          LogText.escape(r.service()), LogText.escape(signer.commonName()), r.expiresAt(),
          LogText.escape(r.endpoints().toString()));
    }
    dirty = true;
    saveStateIfDue();
    return status("ok");
  }

  /**
   * Why one of the registration's URLs still belongs to another signer, or null: the first holder keeps a
   * URL while its registration listing it is live (not expired, not replaced, not withdrawn).
   */
  private String heldByAnother(Registration r, String signerKey, Instant now) {
    for (String url : r.endpoints()) {
      registerSteps++;
      Set<Holder> holders = urlHolders.get(address(url));
      if (holders == null) {
        continue;
      }
      for (Holder h : holders) {
        registerSteps++;
        if (h.signerKey().equals(signerKey)) {
          continue;
        }
        Stored s = store.getOrDefault(h.service(), Map.of()).get(h.signerKey());
        if (s != null && s.registration().registration().expiresAt().isAfter(now)) {
          return url + " is held by " + s.signer().commonName() + " (service " + h.service() + ", until "
              + s.registration().registration().expiresAt() + ")";
        }
      }
    }
    return null;
  }

  /** What a URL is held under: host names are case-insensitive, so {@code tcp://PKGDB:1} is {@code tcp://pkgdb:1}. */
  static String address(String url) {
    return url.toLowerCase(java.util.Locale.ROOT);
  }

  private void put(String service, Stored s) {
    store.computeIfAbsent(service, k -> new HashMap<>()).put(s.signerKey(), s);
    Usage use = usage.computeIfAbsent(s.signerKey(), k -> new Usage());
    use.entries++;
    use.bytes += s.bytes();
    for (String url : s.registration().registration().endpoints()) {
      urlHolders.computeIfAbsent(address(url), k -> new HashSet<>()).add(new Holder(s.signerKey(), service));
    }
  }

  /** Removes the holder and usage entries of a stored registration (the caller removes or replaces it). */
  private void forget(String service, Stored s) {
    Usage use = usage.get(s.signerKey());
    if (use != null) {
      use.entries--;
      use.bytes -= s.bytes();
      if (use.entries <= 0) {
        usage.remove(s.signerKey());
      }
    }
    Holder h = new Holder(s.signerKey(), service);
    for (String url : s.registration().registration().endpoints()) {
      Set<Holder> holders = urlHolders.get(address(url));
      if (holders != null && holders.remove(h) && holders.isEmpty()) {
        urlHolders.remove(address(url));
      }
    }
  }

  private ObjectNode refuse(Refusal refusal, String detail) {
    refusals.get(refusal).incrementAndGet();
    LOG.warn("Directory {}: registration refused ({}): {}", endpoint, refusal, LogText.escape(detail));
    return refused(refusal + ": " + detail);
  }

  /** A refusal the (verified) signer is told the reason of, so it can act on it. */
  private static ObjectNode refused(String reason) {
    return status("rejected").put("reason", reason);
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
    boolean changed = store.entrySet().removeIf(e -> {
      e.getValue().values().removeIf(s -> {
        Registration r = s.registration().registration();
        boolean gone = !r.issuedAt().plus(verifier.maxLifetime()).isAfter(now);
        if (gone) {
          forget(e.getKey(), s);
        }
        return gone;
      });
      return e.getValue().isEmpty();
    });
    // Expired but not yet purged entries are kept as replay guards but not served.
    if (changed) {
      dirty = true;
      saveStateIfDue();
    }
  }

  private void reject(Reason reason, String detail) {
    rejections.get(reason).incrementAndGet();
    // the detail quotes what the sender wrote (names of its certificates, its service names)
    LOG.warn("Directory {}: registration rejected ({}): {}", endpoint, reason, LogText.escape(detail));
  }

  private static ObjectNode status(String s) {
    return JSON.createObjectNode().put("status", s);
  }

  private synchronized void loadState() {
    if (stateDirectory == null) {
      return;
    }
    Path file = stateDirectory.resolve(STATE_FILE);
    if (!Files.exists(file)) {
      return;
    }
    loading = true;
    try {
      int kept = 0;
      int read = 0;
      for (JsonNode n : JSON.readTree(file.toFile())) {
        read++;
        if (register(n, true).path("status").asText().equals("ok")) {
          kept++;
        }
      }
      dirty = kept != read;
      LOG.info("Directory: reloaded {} registration(s) from {}", kept, file);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Directory: ignoring unreadable state file {}: {}", file, e.toString());
    } finally {
      loading = false;
    }
  }

  /**
   * Writes the state when it changed and the last write is at least the write interval ago, so a flood
   * of registrations costs one file write per interval, not one per registration.
   */
  private synchronized void saveStateIfDue() {
    if (!dirty || loading || stateDirectory == null) {
      return;
    }
    if (stateWrites > 0 && System.nanoTime() - lastWriteNanos < settings.stateWriteInterval().toNanos()) {
      return;
    }
    saveState();
  }

  /** Writes every stored entry (tombstones included) to a temporary file renamed over the state file. */
  private void saveState() {
    dirty = false;
    if (stateDirectory == null) {
      return;
    }
    stateWrites++;
    lastWriteNanos = System.nanoTime();
    ArrayNode all = JSON.createArrayNode();
    store.values().forEach(m -> m.values().forEach(s -> all.add(s.json())));
    try {
      Files.createDirectories(stateDirectory);
      Path tmp = Files.createTempFile(stateDirectory, STATE_FILE, ".tmp");
      JSON.writeValue(tmp.toFile(), all);
      Files.move(tmp, stateDirectory.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      dirty = true;
      LOG.warn("Directory: could not save state in {}: {}", stateDirectory, e.toString());
    }
  }
}
