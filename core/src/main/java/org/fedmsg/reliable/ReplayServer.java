package org.fedmsg.reliable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.LogText;
import org.fedmsg.discovery.curve.CurveSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The replay endpoint of a process: a ZeroMQ ROUTER socket that serves the stored critical
 * messages of its outbox(es) again, frames verbatim (see {@code docs/reliability.md}, "Replay
 * endpoint").
 *
 * <p>Two protocols on one socket, told apart by the first body frame: the native one (first frame
 * {@value #NATIVE}, then a JSON request) and the reference one (a single JSON frame, handed to a
 * {@link ReferenceQueryHandler}). Clients may be DEALER or REQ sockets (a REQ client's empty
 * delimiter is echoed back).
 *
 * <p>Security: with CURVE, the socket is a CURVE server with the publish socket's key in the same
 * ZeroMQ context, so the context's ZAP handler (the publish socket's {@code curve_allowed_clients})
 * decides who connects; a refused client gets nothing. Every request is bounded ({@link
 * ReplayLimits}); every rejection is counted ({@link #stats()}) and logged with its reason.
 *
 * <p>One thread serves the socket; the ZeroMQ context belongs to the caller.
 */
public final class ReplayServer implements AutoCloseable {
  /** The first frame of a native request. */
  public static final String NATIVE = "fedmsg/2 replay";
  private static final Logger LOG = LoggerFactory.getLogger(ReplayServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  /** A request is two small frames; anything larger is not one (refused by ZeroMQ at the door). */
  private static final long MAX_REQUEST_FRAME = 64 * 1024;
  private static final int MAX_REQUEST_FRAMES = 8;
  private static final byte[] NATIVE_BYTES = NATIVE.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NOT_CONFIGURED =
      "error: 'reference replay not configured'".getBytes(StandardCharsets.UTF_8);

  private final ZContext context;
  private final ZMQ.Socket socket;
  private final String endpoint;
  private final String label;
  private final ReplaySource source;
  private final ReplayLimits limits;
  private final ReferenceQueryHandler reference;
  private final RateLimiter rates;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;

  private final LongAdder ok = new LongAdder();
  private final LongAdder badRequest = new LongAdder();
  private final LongAdder rangeTooLarge = new LongAdder();
  private final LongAdder rateLimited = new LongAdder();
  private final LongAdder unknownSigner = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder referenceQueries = new LongAdder();
  private final LongAdder messagesServed = new LongAdder();
  private final LongAdder bytesServed = new LongAdder();

  private ReplayServer(ZContext context, ZMQ.Socket socket, String endpoint, String label, ReplaySource source,
      ReplayLimits limits, ReferenceQueryHandler reference, LongSupplier nanoTime) {
    this.context = context;
    this.socket = socket;
    this.endpoint = endpoint;
    this.label = label;
    this.source = source;
    this.limits = limits;
    this.reference = reference;
    this.rates = new RateLimiter(limits.requestsPerSecond(), limits.burst(), nanoTime);
    this.thread = new Thread(this::serve, "fedmsg-replay-" + label);
    this.thread.setDaemon(true);
  }

  /**
   * Binds a replay endpoint and starts serving it.
   *
   * @param context the ZeroMQ context of the process's publish socket (whose ZAP handler guards
   *     this socket too when CURVE is on); it must outlive the server
   * @param bindUrl where to bind, e.g. {@code tcp://*:9941} ({@code tcp://127.0.0.1:*} picks a port)
   * @param serverKey the publish socket's CURVE key pair, or null for a plain socket
   * @param label names the thread, the ZAP domain and the log lines (the service name)
   * @param source the outboxes served
   * @param limits the bounds of a request
   * @throws org.zeromq.ZMQException when the endpoint cannot be bound
   */
  public static ReplayServer start(ZContext context, String bindUrl, CurveKeyPair serverKey, String label,
      ReplaySource source, ReplayLimits limits) {
    return start(context, bindUrl, serverKey, label, source, limits, null, System::nanoTime);
  }

  /**
   * As {@link #start(ZContext, String, CurveKeyPair, String, ReplaySource, ReplayLimits)}, also
   * answering queries of the reference protocol: {@code reference} gets the query frame and returns
   * the reply's frames (it must not throw; e.g. {@code ReferenceQueries::answer}).
   */
  public static ReplayServer start(ZContext context, String bindUrl, CurveKeyPair serverKey, String label,
      ReplaySource source, ReplayLimits limits, java.util.function.Function<byte[], List<byte[]>> reference) {
    return start(context, bindUrl, serverKey, label, source, limits, reference == null ? null : reference::apply,
        System::nanoTime);
  }

  /**
   * As {@link #start(ZContext, String, CurveKeyPair, String, ReplaySource, ReplayLimits)}, with the
   * handler of reference queries (null: answered "not configured") and the clock of the rate
   * limit.
   */
  static ReplayServer start(ZContext context, String bindUrl, CurveKeyPair serverKey, String label,
      ReplaySource source, ReplayLimits limits, ReferenceQueryHandler reference, LongSupplier nanoTime) {
    ZMQ.Socket socket = context.createSocket(SocketType.ROUTER);
    String bound;
    try {
      socket.setLinger(0);
      socket.setReceiveTimeOut(200);
      socket.setMaxMsgSize(MAX_REQUEST_FRAME);
      // A reply is one message (however many frames); a slow client gets at most this many queued.
      socket.setSndHWM(64);
      if (serverKey != null) {
        CurveSockets.server(socket, serverKey, label);
      }
      socket.bind(bindUrl);
      bound = socket.getLastEndpoint();
    } catch (RuntimeException e) {
      context.destroySocket(socket);
      throw e;
    }
    ReplayServer server = new ReplayServer(context, socket, bound, label, source, limits, reference, nanoTime);
    server.thread.start();
    LOG.info("replay endpoint of {} on {}{}", LogText.escape(label), bound, serverKey != null ? " (CURVE)" : "");
    return server;
  }

  /** The endpoint actually bound (the port filled in when the URL asked for any). */
  public String endpoint() {
    return endpoint;
  }

  /** What the endpoint answered and refused so far. */
  public ReplayStats stats() {
    return new ReplayStats(ok.sum(), badRequest.sum(), rangeTooLarge.sum(), rateLimited.sum(), unknownSigner.sum(),
        refused.sum(), referenceQueries.sum(), messagesServed.sum(), bytesServed.sum());
  }

  private void serve() {
    try {
      while (running) {
        List<zmq.Msg> request;
        try {
          request = receive();
        } catch (ZMQException e) {
          if (running) {
            LOG.error("replay endpoint of {} stopped: {}", LogText.escape(label), e.toString());
          }
          return;
        }
        if (request == null) {
          continue;
        }
        try {
          handle(request);
        } catch (RuntimeException e) {
          // Nothing a client sends may stop the endpoint.
          refused.increment();
          LOG.error("replay endpoint of {}: request failed: {}", LogText.escape(label), e.toString(), e);
        }
      }
    } finally {
      context.destroySocket(socket);
      stopped.countDown();
    }
  }

  /** One whole request (routing id first), or null on a receive timeout. Oversized ones are cut. */
  private List<zmq.Msg> receive() {
    zmq.Msg first = socket.base().recv(0);
    if (first == null) {
      int errno = socket.base().errno();
      if (errno == zmq.ZError.EAGAIN || errno == zmq.ZError.EINTR) {
        return null;
      }
      throw new ZMQException(errno);
    }
    List<zmq.Msg> frames = new ArrayList<>();
    frames.add(first);
    zmq.Msg last = first;
    while (last.hasMore()) {
      last = socket.base().recv(0);
      if (last == null) {
        break;
      }
      if (frames.size() <= MAX_REQUEST_FRAMES) {
        frames.add(last);
      }
    }
    return frames;
  }

  private void handle(List<zmq.Msg> request) {
    byte[] routingId = request.get(0).data();
    int body = 1;
    boolean delimiter = request.size() > 1 && request.get(1).size() == 0;
    if (delimiter) {
      body = 2;
    }
    List<byte[]> frames = new ArrayList<>();
    for (int i = body; i < request.size(); i++) {
      frames.add(request.get(i).data());
    }
    String client = clientOf(request, routingId);
    Reply reply = new Reply(routingId, delimiter);
    if (!rates.tryAcquire(client)) {
      reject(reply, client, "rate-limited", rateLimited, "over " + limits.requestsPerSecond() + " requests per second");
      return;
    }
    if (request.size() > MAX_REQUEST_FRAMES) {
      reject(reply, client, "bad-request", badRequest, "too many frames");
      return;
    }
    if (!frames.isEmpty() && Arrays.equals(frames.get(0), NATIVE_BYTES)) {
      serveNative(reply, client, frames);
    } else if (frames.size() == 1 && frames.get(0).length > 0 && frames.get(0)[0] == '{') {
      referenceQueries.increment();
      reply.send(reference == null ? List.of(NOT_CONFIGURED) : reference.answer(frames.get(0)));
    } else {
      reject(reply, client, "bad-request", badRequest, "neither a native request (first frame '" + NATIVE
          + "') nor a reference query (one JSON frame)");
    }
  }

  private void serveNative(Reply reply, String client, List<byte[]> frames) {
    if (frames.size() != 2) {
      reject(reply, client, "bad-request", badRequest, "a native request is 2 frames, got " + frames.size());
      return;
    }
    Request req;
    try {
      req = Request.parse(frames.get(1));
    } catch (IllegalArgumentException e) {
      reject(reply, client, "bad-request", badRequest, e.getMessage());
      return;
    }
    if (req.to() - req.from() + 1 > limits.maxRange() || req.to() - req.from() + 1 <= 0) {
      reject(reply, client, "range-too-large", rangeTooLarge, "asked " + req.from() + ".." + req.to() + ", at most "
          + limits.maxRange() + " seqs per request (replay.max_range)");
      return;
    }
    DurableOutbox outbox = source.outboxOf(req.signer());
    if (outbox == null) {
      reject(reply, client, "unknown-signer", unknownSigner, "no outbox for signer " + req.signer());
      return;
    }
    List<DurableOutbox.Entry> held;
    List<SeqRange> statistical;
    try {
      held = outbox.range(req.epoch(), req.from(), req.to(), limits.maxMessagesPerReply() + 1);
      statistical = outbox.statistical(req.epoch(), req.from(), req.to());
    } catch (IllegalStateException e) {
      reject(reply, client, "refused", refused, "outbox unavailable");
      return;
    }
    List<byte[]> out = new ArrayList<>();
    out.add(null);   // the header, written last
    long bytes = 0;
    int count = 0;
    long truncatedAt = -1;
    for (DurableOutbox.Entry e : held) {
      long size = 0;
      for (byte[] f : e.frames()) {
        size += f.length;
      }
      if (count == limits.maxMessagesPerReply() || (count > 0 && bytes + size > limits.maxBytesPerReply())) {
        truncatedAt = e.seq();
        break;
      }
      for (byte[] f : e.frames()) {
        out.add(f);
      }
      bytes += size;
      count++;
    }
    long coveredTo = truncatedAt < 0 ? req.to() : truncatedAt - 1;
    List<SeqRange> missing = new ArrayList<>();
    List<SeqRange> stat = new ArrayList<>();
    for (SeqRange r : statistical) {
      if (r.from() <= coveredTo) {
        stat.add(new SeqRange(r.from(), Math.min(r.to(), coveredTo)));
      }
    }
    // Whatever is neither held nor statistical, up to where the reply stops, is missing.
    long next = req.from();
    int si = 0;
    int hi = 0;
    while (next <= coveredTo) {
      while (hi < count && held.get(hi).seq() < next) {
        hi++;
      }
      if (hi < count && held.get(hi).seq() == next) {
        next++;
        hi++;
        continue;
      }
      if (si < stat.size() && stat.get(si).from() <= next) {
        next = Math.max(next, stat.get(si).to() + 1);
        si++;
        continue;
      }
      long upTo = coveredTo;
      if (hi < count) {
        upTo = Math.min(upTo, held.get(hi).seq() - 1);
      }
      if (si < stat.size()) {
        upTo = Math.min(upTo, stat.get(si).from() - 1);
      }
      missing.add(new SeqRange(next, upTo));
      next = upTo + 1;
    }
    ObjectNode header = JSON.createObjectNode();
    header.put("status", "ok");
    header.put("count", count);
    header.set("missing", ranges(missing));
    header.set("statistical", ranges(stat));
    if (truncatedAt < 0) {
      header.putNull("truncated_at");
    } else {
      header.put("truncated_at", truncatedAt);
    }
    out.set(0, header.toString().getBytes(StandardCharsets.UTF_8));
    ok.increment();
    messagesServed.add(count);
    bytesServed.add(bytes);
    LOG.debug("replay {}: {} {} {}..{}: {} message(s), missing {}", LogText.escape(label), LogText.escape(client),
        req.epoch(), req.from(), req.to(), count, missing);
    reply.send(out);
  }

  private static ArrayNode ranges(List<SeqRange> ranges) {
    ArrayNode a = JSON.createArrayNode();
    for (SeqRange r : ranges) {
      a.addArray().add(r.from()).add(r.to());
    }
    return a;
  }

  private void reject(Reply reply, String client, String reason, LongAdder counter, String detail) {
    counter.increment();
    LOG.warn("replay endpoint of {}: refused a request from {}: {} ({})", LogText.escape(label),
        LogText.escape(client), reason, LogText.escape(detail));
    ObjectNode header = JSON.createObjectNode();
    header.put("status", "error");
    header.put("reason", reason);
    header.put("detail", detail);
    reply.send(List.of(header.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Who asked, for the rate limit: the CURVE client (the user id the ZAP handler gave it: the
   * key's name or fingerprint), else the peer's address, else the connection.
   */
  private static String clientOf(List<zmq.Msg> request, byte[] routingId) {
    for (zmq.Msg m : request) {
      zmq.io.Metadata meta = m.getMetadata();
      if (meta == null) {
        continue;
      }
      String user = meta.get(zmq.io.Metadata.USER_ID);
      if (user != null && !user.isEmpty()) {
        return "curve:" + user;
      }
      String address = meta.get(zmq.io.Metadata.PEER_ADDRESS);
      if (address != null && !address.isEmpty()) {
        int port = address.lastIndexOf(':');
        return "address:" + (port > 0 ? address.substring(0, port) : address);
      }
    }
    return "connection:" + java.util.HexFormat.of().formatHex(routingId);
  }

  /** Where a reply goes: the routing id, and the empty delimiter of a REQ client. */
  private final class Reply {
    private final byte[] routingId;
    private final boolean delimiter;

    Reply(byte[] routingId, boolean delimiter) {
      this.routingId = routingId;
      this.delimiter = delimiter;
    }

    void send(List<byte[]> frames) {
      // A client gone meanwhile just loses its reply (ROUTER drops what it cannot route).
      socket.sendMore(routingId);
      if (delimiter) {
        socket.sendMore(new byte[0]);
      }
      for (int i = 0; i < frames.size(); i++) {
        if (i + 1 < frames.size()) {
          socket.sendMore(frames.get(i));
        } else {
          socket.send(frames.get(i), 0);
        }
      }
    }
  }

  /** A parsed native request. */
  record Request(String signer, String epoch, long from, long to) {
    static Request parse(byte[] json) {
      JsonNode node;
      try {
        node = JSON.readTree(json);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("the request is not JSON");
      }
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("the request is not a JSON object");
      }
      java.util.Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String n = names.next();
        if (!List.of("signer", "epoch", "from", "to").contains(n)) {
          throw new IllegalArgumentException("unknown field '" + n + "'");
        }
      }
      JsonNode signer = node.get("signer");
      if (signer == null || !signer.isTextual() || !SHA256_HEX.matcher(signer.textValue()).matches()) {
        throw new IllegalArgumentException("'signer' must be the lower-case hex SHA-256 of the signer's certificate");
      }
      JsonNode epoch = node.get("epoch");
      if (epoch == null || !epoch.isTextual() || epoch.textValue().isEmpty() || epoch.textValue().length() > 64) {
        throw new IllegalArgumentException("'epoch' must be a string of 1 to 64 characters");
      }
      long from = seq(node, "from");
      long to = seq(node, "to");
      if (from > to) {
        throw new IllegalArgumentException("'from' is above 'to'");
      }
      return new Request(signer.textValue(), epoch.textValue(), from, to);
    }

    private static long seq(JsonNode node, String name) {
      JsonNode v = node.get(name);
      if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new IllegalArgumentException("'" + name + "' must be a non-negative integer");
      }
      return v.longValue();
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      if (!stopped.await(5, TimeUnit.SECONDS)) {
        LOG.warn("replay endpoint of {}: its thread did not stop within 5 s", LogText.escape(label));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
