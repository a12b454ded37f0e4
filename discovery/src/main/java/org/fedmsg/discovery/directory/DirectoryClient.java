package org.fedmsg.discovery.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.LogText;
import org.fedmsg.crypto.SignerIdentity;
import org.fedmsg.crypto.Z85;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.curve.CurveSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Talks to the directory replicas: queries each in turn and merges their answers, verifying every
 * registration itself; registers with each.
 *
 * <p>Each request uses a fresh REQ socket with a timeout, so a dead replica costs one timeout and never
 * wedges the client. Thread-safe (requests are serialised).
 */
public final class DirectoryClient implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DirectoryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> servers;
  private final Optional<RegistrationVerifier> verifier;
  private final Duration timeout;
  private final String label;
  private final ZContext context = new ZContext();
  private final Map<String, byte[]> curveServerKeys = new java.util.HashMap<>();
  private final CurveKeyPair curveClientKeys;

  /**
   * A verified registration from the directory.
   *
   * @param registration the signed registration
   * @param signer who signed it (verified by this client)
   */
  public record Verified(SignedRegistration registration, SignerIdentity signer) {
    /**
     * Validates.
     *
     * @throws NullPointerException if an argument is null
     */
    public Verified {
      Objects.requireNonNull(registration, "registration");
      Objects.requireNonNull(signer, "signer");
    }
  }

  /**
   * What a query found.
   *
   * @param registrations the newest verified registration per service and signer, withdrawals included
   * @param problems replicas that did not answer, registrations that failed verification
   * @param repliesReceived how many replicas answered
   */
  public record QueryResult(List<Verified> registrations, List<Problem> problems, int repliesReceived) {
    /**
     * Copies.
     *
     * @throws NullPointerException if an argument is null
     */
    public QueryResult {
      registrations = List.copyOf(registrations);
      problems = List.copyOf(problems);
    }
  }

  /**
   * The outcome of registering with one replica.
   *
   * @param server the replica
   * @param accepted whether it stored the registration
   * @param detail {@code ok}, {@code rejected} (see the replica's log), {@code rejected: <reason>} (replay,
   *     URL held by another signer, quota) or the transport error
   */
  public record RegisterOutcome(String server, boolean accepted, String detail) {}

  /**
   * A client.
   *
   * @param servers the replica endpoints, e.g. {@code tcp://dir1.example.org:9941}
   * @param verifier checks registrations received (required for {@link #query}; may be empty for a client
   *     that only registers)
   * @param timeout per request
   * @param label the source label used in problems
   * @throws IllegalArgumentException if no server is given
   */
  public DirectoryClient(List<String> servers, Optional<RegistrationVerifier> verifier, Duration timeout,
      String label) {
    this(servers, Map.of(), null, verifier, timeout, label);
  }

  /**
   * A client of replicas some or all of which are CURVE servers.
   *
   * @param servers the replica endpoints
   * @param curveServerKeys replica endpoint to its CURVE public key (Z85); replicas not in the map are plain
   * @param curveClientKeys this client's CURVE key pair, or null for a fresh ephemeral one (enough when
   *     the replicas admit any client)
   * @param verifier checks registrations received (required for {@link #query})
   * @param timeout per request
   * @param label the source label used in problems
   * @throws IllegalArgumentException if no server is given or a key is not 40 characters of Z85
   */
  public DirectoryClient(List<String> servers, Map<String, String> curveServerKeys, CurveKeyPair curveClientKeys,
      Optional<RegistrationVerifier> verifier, Duration timeout, String label) {
    curveServerKeys.forEach((url, key) -> this.curveServerKeys.put(url, Z85.decodeKey(key).orElseThrow(
        () -> new IllegalArgumentException("CURVE server key of " + url + " is not 40 characters of Z85"))));
    this.curveClientKeys = curveServerKeys.isEmpty() ? null
        : curveClientKeys != null ? curveClientKeys : CurveKeyPair.generate("directory-client");
    this.servers = List.copyOf(servers);
    if (this.servers.isEmpty()) {
      throw new IllegalArgumentException("at least one directory server is required");
    }
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.label = Objects.requireNonNull(label, "label");
  }

  /**
   * The replica endpoints.
   *
   * @return the list
   */
  public List<String> servers() {
    return servers;
  }

  /**
   * Asks every replica for the registrations (of one service, or all) and merges them: per service and
   * signer key ({@link SignedRegistration#signerKeyId()}) the newest verified one wins. Problem kinds: {@code REPLICA_DOWN} when a replica did
   * not answer but another did, {@code TIMEOUT}/{@code UNREACHABLE} when none answered,
   * {@code REJECTED_REGISTRATION} for each registration that failed verification.
   *
   * @param service a service name, or null for all
   * @return the merged result; never throws for network or data faults
   * @throws IllegalStateException if the client has no verifier
   */
  public synchronized QueryResult query(String service) {
    RegistrationVerifier v = verifier.orElseThrow(() -> new IllegalStateException("no verifier configured"));
    ObjectNode request = JSON.createObjectNode().put("op", "query");
    if (service != null) {
      request.put("service", service);
    }
    Map<String, Verified> newest = new LinkedHashMap<>();
    List<Problem> problems = new ArrayList<>();
    List<Problem> down = new ArrayList<>();
    int replies = 0;
    for (String server : servers) {
      Optional<JsonNode> reply = request(server, request, down);
      if (reply.isEmpty()) {
        continue;
      }
      if (!"ok".equals(reply.get().path("status").asText()) || !reply.get().path("registrations").isArray()) {
        down.add(problem(Problem.Kind.UNREACHABLE, server, "unexpected reply " + abbreviate(reply.get())));
        continue;
      }
      replies++;
      for (JsonNode n : reply.get().path("registrations")) {
        SignedRegistration sr;
        try {
          sr = SignedRegistration.fromJson(n);
        } catch (RuntimeException e) {
          problems.add(problem(Problem.Kind.REJECTED_REGISTRATION, server, "malformed registration: " + e.getMessage()));
          continue;
        }
        VerificationResult result = v.verify(sr);
        if (result instanceof VerificationResult.Invalid inv) {
          problems.add(problem(Problem.Kind.REJECTED_REGISTRATION, server,
              sr.registration().service() + ": " + inv.reason() + ": " + inv.detail()));
          continue;
        }
        SignerIdentity signer = ((VerificationResult.Valid) result).signer();
        // Per signer key, not certificate: a statement under a renewed certificate supersedes (and a
        // withdrawal hides) every older one made with the same key.
        String key = sr.registration().service() + "\n" + sr.signerKeyId();
        Verified prev = newest.get(key);
        if (prev == null || sr.registration().issuedAt().isAfter(prev.registration().registration().issuedAt())) {
          newest.put(key, new Verified(sr, signer));
        }
      }
    }
    if (replies > 0) {
      // Other replicas answered: a dead one is worth a warning, not a failed source.
      down.forEach(p -> problems.add(new Problem(p.source(), Problem.Kind.REPLICA_DOWN, p.subject(), p.detail())));
    } else {
      problems.addAll(down);
    }
    problems.forEach(p -> LOG.warn("{}", LogText.escape(p.toString())));   // URLs and details come from replicas
    return new QueryResult(new ArrayList<>(newest.values()), problems, replies);
  }

  /**
   * Sends a registration to every replica.
   *
   * @param registration the signed registration
   * @return one outcome per replica, in order; never throws for network faults
   */
  public synchronized List<RegisterOutcome> register(SignedRegistration registration) {
    ObjectNode request = JSON.createObjectNode().put("op", "register");
    request.set("registration", registration.toJson());
    List<RegisterOutcome> out = new ArrayList<>();
    for (String server : servers) {
      List<Problem> errs = new ArrayList<>();
      Optional<JsonNode> reply = request(server, request, errs);
      if (reply.isEmpty()) {
        out.add(new RegisterOutcome(server, false, errs.get(0).detail()));
      } else {
        String status = reply.get().path("status").asText("?");
        String reason = reply.get().path("reason").asText("");
        out.add(new RegisterOutcome(server, "ok".equals(status), reason.isEmpty() ? status : status + ": " + reason));
      }
    }
    return out;
  }

  /**
   * One request with the "lazy pirate" pattern: a fresh REQ socket per attempt, retried until the timeout
   * runs out. A fresh connection occasionally never completes on a busy host, and a REQ socket cannot be
   * reused after a lost reply; retrying is safe because registering the same registration twice is
   * idempotent and queries are read-only.
   */
  private Optional<JsonNode> request(String server, JsonNode request, List<Problem> problems) {
    byte[] body = request.toString().getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    long attemptMillis = Math.max(250, timeout.toMillis() / 4);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        problems.add(problem(Problem.Kind.TIMEOUT, server, "no reply within " + timeout.toMillis() + " ms"));
        return Optional.empty();
      }
      Attempt a = attempt(server, body, (int) Math.min(left, attemptMillis));
      if (a.reply != null) {
        try {
          return Optional.of(JSON.readTree(a.reply));
        } catch (IOException e) {
          problems.add(problem(Problem.Kind.UNREACHABLE, server, "unreadable reply: " + e.getMessage()));
          return Optional.empty();
        }
      }
      if (a.error != null) {
        problems.add(problem(Problem.Kind.UNREACHABLE, server, a.error));
        return Optional.empty();
      }
    }
  }

  /** The reply, or an error that retrying cannot fix, or neither (no reply in time). */
  private static final class Attempt {
    final byte[] reply;
    final String error;

    Attempt(byte[] reply, String error) {
      this.reply = reply;
      this.error = error;
    }
  }

  private Attempt attempt(String server, byte[] body, int millis) {
    try (ZMQ.Socket socket = context.createSocket(SocketType.REQ)) {
      socket.setLinger(0);
      socket.setMaxMsgSize(16L << 20); // a full listing fits; bounds what a rogue server makes us allocate
      socket.setSendTimeOut(millis);
      socket.setReceiveTimeOut(millis);
      byte[] serverKey = curveServerKeys.get(server);
      if (serverKey != null) {
        CurveSockets.client(socket, curveClientKeys, serverKey);
      }
      try {
        socket.connect(server);
      } catch (RuntimeException e) {
        return new Attempt(null, "cannot connect: " + e.getMessage());
      }
      if (!socket.send(body)) {
        return new Attempt(null, null);
      }
      return new Attempt(socket.recv(), null);
    } catch (RuntimeException e) {
      return new Attempt(null, e.toString());
    }
  }

  private Problem problem(Problem.Kind kind, String subject, String detail) {
    return new Problem(label, kind, subject, detail);
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** Closes the ZeroMQ context. */
  @Override
  public void close() {
    context.close();
  }
}
