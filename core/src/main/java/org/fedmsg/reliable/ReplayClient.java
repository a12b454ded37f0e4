package org.fedmsg.reliable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.fedmsg.CurveOptions;
import org.fedmsg.crypto.Z85;
import org.fedmsg.discovery.curve.CurveSockets;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Asks a replay endpoint for a range of one signer's epoch (the native protocol, see {@code
 * docs/reliability.md}, "Replay endpoint").
 *
 * <p>The messages returned are the publisher's exact signed frames; verify them like live ones
 * before use. Stateless and thread-safe: each call opens its own DEALER socket (and ZeroMQ
 * context) and closes it before returning; gap fills are rare, so the cost does not matter.
 */
public final class ReplayClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] NATIVE = ReplayServer.NATIVE.getBytes(StandardCharsets.US_ASCII);

  private ReplayClient() {}

  /**
   * Fetches {@code [from, to]} of {@code epoch} of the signer, asking again from where a reply
   * stopped (the server's per-reply caps) until the range is answered or {@code timeout} has
   * passed.
   *
   * <p>CURVE: when {@code curve} is enabled and {@code url} is not one of its plain endpoints, the
   * socket is a CURVE client with {@code curve}'s client key pair, pinned to the server key
   * {@code curve} knows for {@code url} ({@link CurveOptions#serverKeys()}).
   *
   * @param url the replay endpoint, e.g. {@code tcp://host:9941}
   * @param curve the CURVE settings ({@link CurveOptions#disabled()} for plain)
   * @param signerSha256 lower-case hex SHA-256 of the signer's end-entity certificate (DER)
   * @param epoch the signer's epoch
   * @param from first seq wanted
   * @param to last seq wanted, {@code >= from}
   * @param timeout the whole call's bound
   * @return the messages and what the endpoint does not hold; {@link ReplayBatch#truncatedAt()}
   *     is set when the time ran out after some pages (ask again from there)
   * @throws ReplayException when the first reply is an error, does not come in time (also what a
   *     client refused by ZAP sees), or cannot be read
   * @throws IllegalArgumentException when {@code from > to} or {@code from} is negative
   */
  public static ReplayBatch fetch(String url, CurveOptions curve, String signerSha256, String epoch, long from,
      long to, Duration timeout) {
    String key = null;
    if (curve.enabled() && !curve.plainEndpoints().contains(url)) {
      key = curve.serverKeys().get(url);
      if (key == null) {
        throw new ReplayException(ReplayException.Reason.REFUSED,
            "CURVE is on and no server key is known for the replay endpoint " + url);
      }
    }
    return fetch(url, curve, key, signerSha256, epoch, from, to, timeout);
  }

  /**
   * As {@link #fetch(String, CurveOptions, String, String, long, long, Duration)}, with the
   * server's CURVE public key given (e.g. by discovery) instead of looked up by URL.
   *
   * @param serverKeyZ85 the endpoint's CURVE public key (Z85), or null for a plain socket
   */
  public static ReplayBatch fetch(String url, CurveOptions curve, String serverKeyZ85, String signerSha256,
      String epoch, long from, long to, Duration timeout) {
    new SeqRange(from, to);   // validates
    long deadline = System.nanoTime() + timeout.toNanos();
    List<byte[][]> messages = new ArrayList<>();
    List<SeqRange> missing = new ArrayList<>();
    List<SeqRange> statistical = new ArrayList<>();
    try (ZContext context = new ZContext(1)) {
      context.setLinger(0);
      ZMQ.Socket socket = context.createSocket(SocketType.DEALER);
      if (serverKeyZ85 != null) {
        byte[] serverKey = Z85.decodeKey(serverKeyZ85).orElseThrow(() -> new ReplayException(
            ReplayException.Reason.REFUSED, "not a CURVE public key: " + serverKeyZ85));
        CurveSockets.client(socket, curve.clientKeyPair(), serverKey);
      }
      socket.connect(url);
      long next = from;
      boolean first = true;
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          if (first) {
            throw new ReplayException(ReplayException.Reason.TIMEOUT, "no reply from " + url + " within " + timeout);
          }
          return new ReplayBatch(messages, missing, statistical, OptionalLong.of(next));
        }
        Page page;
        try {
          page = ask(socket, url, signerSha256, epoch, next, to, (int) Math.min(Integer.MAX_VALUE, left));
        } catch (ReplayException e) {
          if (first) {
            throw e;
          }
          // A later page failed (rate limit, timeout): what came so far is still good.
          return new ReplayBatch(messages, missing, statistical, OptionalLong.of(next));
        }
        first = false;
        messages.addAll(page.messages);
        missing.addAll(page.missing);
        statistical.addAll(page.statistical);
        if (page.truncatedAt < 0) {
          return new ReplayBatch(messages, missing, statistical, OptionalLong.empty());
        }
        if (page.truncatedAt <= next || page.truncatedAt > to) {
          throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " stopped at " + page.truncatedAt
              + ", outside the range asked " + next + ".." + to);
        }
        next = page.truncatedAt;
      }
    }
  }

  private record Page(List<byte[][]> messages, List<SeqRange> missing, List<SeqRange> statistical,
      long truncatedAt) {}

  private static Page ask(ZMQ.Socket socket, String url, String signer, String epoch, long from, long to,
      int timeoutMs) {
    ObjectNode req = JSON.createObjectNode();
    req.put("signer", signer);
    req.put("epoch", epoch);
    req.put("from", from);
    req.put("to", to);
    socket.sendMore(NATIVE);
    socket.send(req.toString().getBytes(StandardCharsets.UTF_8), 0);
    socket.setReceiveTimeOut(timeoutMs);
    byte[] head = socket.recv(0);
    if (head == null) {
      throw new ReplayException(ReplayException.Reason.TIMEOUT, "no reply from " + url + " within " + timeoutMs
          + " ms (is the endpoint up, and does it admit this client's CURVE key?)");
    }
    List<byte[]> rest = new ArrayList<>();
    while (socket.hasReceiveMore()) {
      rest.add(socket.recv(0));
    }
    JsonNode header;
    try {
      header = JSON.readTree(head);
    } catch (java.io.IOException e) {
      throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered a header that is not JSON");
    }
    if (header == null || !header.isObject()) {
      throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered a header that is not an object");
    }
    String status = header.path("status").asText("");
    if ("error".equals(status)) {
      throw new ReplayException(ReplayException.Reason.fromWire(header.path("reason").asText("")),
          header.path("detail").asText(""));
    }
    if (!"ok".equals(status)) {
      throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered status '" + status + "'");
    }
    JsonNode count = header.get("count");
    if (count == null || !count.canConvertToInt() || count.intValue() < 0 || rest.size() != 3 * count.intValue()) {
      throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered " + rest.size()
          + " frames for count " + count);
    }
    List<byte[][]> messages = new ArrayList<>(count.intValue());
    for (int i = 0; i < rest.size(); i += 3) {
      messages.add(new byte[][] {rest.get(i), rest.get(i + 1), rest.get(i + 2)});
    }
    JsonNode truncated = header.get("truncated_at");
    long truncatedAt = -1;
    if (truncated != null && !truncated.isNull()) {
      if (!truncated.canConvertToLong() || !truncated.isIntegralNumber()) {
        throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered a bad truncated_at");
      }
      truncatedAt = truncated.longValue();
    }
    return new Page(messages, ranges(header.get("missing"), url), ranges(header.get("statistical"), url),
        truncatedAt);
  }

  private static List<SeqRange> ranges(JsonNode node, String url) {
    List<SeqRange> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered ranges that are not a list");
    }
    for (JsonNode r : node) {
      if (!r.isArray() || r.size() != 2 || !r.get(0).isIntegralNumber() || !r.get(1).isIntegralNumber()) {
        throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered a range that is not [a, b]");
      }
      try {
        out.add(new SeqRange(r.get(0).longValue(), r.get(1).longValue()));
      } catch (IllegalArgumentException e) {
        throw new ReplayException(ReplayException.Reason.BAD_REPLY, url + " answered " + e.getMessage());
      }
    }
    return out;
  }
}
