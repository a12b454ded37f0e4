package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.store.ArchivedMessage;
import org.fedmsg.store.MessageStore;
import org.fedmsg.store.Query;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg replay}: reads archived messages from the store (its database, or a store's HTTP
 * API), verifies each from its frames as of its signing time, and prints them or re-sends their
 * original frames (never re-signed: receivers still see the author's signature).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Replay archived messages from the store (store.url / --url) or a store's HTTP API (--api URL),",
        "oldest first: --print one JSON line each (with its frames and whether it verifies as of its signing time),",
        "or --republish the original frames to relay_inbound (or --to); messages that do not verify are not sent."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:every message verified (and was sent)", "1:a message did not verify, or the source failed",
        "2:usage or configuration error"})
public final class ReplayCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Rows read per page from either source. */
  static final int PAGE = 100;

  @Mixin ConfigOptions configOptions;

  @Option(names = "--since", required = true, paramLabel = "TIME",
      description = "Oldest signing time: ISO-8601 (2026-01-10T12:00:00Z) or seconds since the epoch.")
  String since;

  @Option(names = "--until", paramLabel = "TIME", description = "Newest signing time (default: now).")
  String until;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "Only this topic (repeatable: any of them).")
  List<String> topics = new ArrayList<>();

  @Option(names = "--msg-id", paramLabel = "ID", description = "Only the message with this msg_id.")
  String msgId;

  @Option(names = "--url", paramLabel = "JDBC-URL", description = "Read this database (overrides store.url).")
  String url;

  @Option(names = "--api", paramLabel = "URL", description = "Read a store's HTTP API instead, e.g. http://127.0.0.1:8091.")
  String api;

  @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle (PEM); default: the configuration's.")
  Path ca;

  @Option(names = "--crl", paramLabel = "FILE", description = "CRL (PEM).")
  Path crl;

  @Option(names = "--to", paramLabel = "ENDPOINT", description = "With --republish: connect here (default: relay_inbound).")
  String to;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Mode mode;

  static final class Mode {
    @Option(names = "--print", required = true, description = "Print each message as a JSON line.")
    boolean print;

    @Option(names = "--republish", required = true, description = "Re-send each message's original frames.")
    boolean republish;
  }

  @Spec CommandSpec spec;

  /** One archived message on its way out. */
  interface Out extends AutoCloseable {
    void accept(List<byte[]> frames, JsonNode body, VerificationResult result) throws IOException;

    @Override
    void close();
  }

  @Override
  public Integer call() throws Exception {
    Instant from = time("--since", since);
    Instant upTo = until == null ? Instant.now() : time("--until", until);
    if (upTo.isBefore(from)) {
      throw new IllegalArgumentException("--until must not be before --since");
    }
    if (api != null && url != null) {
      throw new IllegalArgumentException("--api and --url are alternatives");
    }
    FedmsgConfig config = configOptions.load();
    int[] counts = new int[2];  // verified, not verified
    try (ArchiveVerifier verifier = ArchiveVerifier.create(config, ca, crl, null);
        Out out = mode.print ? printer() : republisher(config)) {
      Sink sink = (frames) -> {
        JsonNode body = CanonicalJson.parse(frames.get(1));
        VerificationResult r = verifier.verify(frames, ArchiveVerifier.signingTime(body));
        counts[r.isValid() ? 0 : 1]++;
        out.accept(frames, body, r);
      };
      if (api != null) {
        fromApi(from, upTo, sink);
      } else {
        fromStore(config, from, upTo, sink);
      }
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("replay: " + counts[0] + " message(s) verified" + (mode.republish ? " and sent" : "") + ", "
        + counts[1] + " did not verify" + (mode.republish && counts[1] > 0 ? " (not sent)" : ""));
    err.flush();
    return counts[1] == 0 ? 0 : Failures.RUNTIME;
  }

  @FunctionalInterface
  interface Sink {
    void accept(List<byte[]> frames) throws IOException;
  }

  private void fromStore(FedmsgConfig config, Instant from, Instant upTo, Sink sink) throws IOException {
    try (MessageStore store = MessageStore.open(StoreCommand.options(config, url),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
      if (msgId != null) {
        var m = store.byMsgId(msgId);
        if (m.isPresent() && inRange(m.get(), from, upTo)) {
          sink.accept(m.get().frames());
        }
        return;
      }
      // page by page, oldest first: the whole range is never held in memory
      for (int page = 1; ; page++) {
        Query q = new Query(from, upTo, topics, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), page, PAGE, false);
        int n = store.query(q, m -> sink.accept(m.frames()));
        if (n < PAGE) {
          return;
        }
      }
    }
  }

  private boolean inRange(ArchivedMessage m, Instant from, Instant upTo) {
    return !m.timestamp().isBefore(from) && !m.timestamp().isAfter(upTo)
        && (topics.isEmpty() || topics.contains(m.topic()));
  }

  private void fromApi(Instant from, Instant upTo, Sink sink) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String base = api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
    if (msgId != null) {
      HttpResponse<String> r = get(http, base + "/id?id=" + enc(msgId), true);
      if (r.statusCode() == 200) {
        JsonNode m = CanonicalJson.parse(r.body());
        if (inRange(m, from, upTo)) {
          sink.accept(frames(m));
        }
      }
      return;
    }
    StringBuilder filter = new StringBuilder();
    topics.forEach(t -> filter.append("&topic=").append(enc(t)));
    for (int page = 1; ; page++) {
      String q = base + "/raw?order=asc&rows_per_page=" + PAGE + "&page=" + page + "&start=" + seconds(from) + "&end="
          + seconds(upTo) + filter;
      JsonNode body = CanonicalJson.parse(get(http, q, false).body());
      JsonNode messages = body.path("raw_messages");
      for (JsonNode m : messages) {
        sink.accept(frames(m));
      }
      if (page >= body.path("pages").asLong(0)) {
        return;
      }
    }
  }

  private boolean inRange(JsonNode m, Instant from, Instant upTo) {
    Instant t = ArchiveVerifier.signingTime(m);
    return !t.isBefore(from) && !t.isAfter(upTo) && (topics.isEmpty() || topics.contains(m.path("topic").asText()));
  }

  private static HttpResponse<String> get(HttpClient http, String uri, boolean notFoundOk)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofMinutes(2)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200 && !(notFoundOk && r.statusCode() == 404)) {
      String error = r.body();
      try {
        error = CanonicalJson.parse(r.body()).path("error").asText(error);
      } catch (IllegalArgumentException ignored) {
        // not JSON: the raw text
      }
      throw new IOException("the store API answered " + r.statusCode() + ": " + Failures.firstLine(error));
    }
    return r;
  }

  private static List<byte[]> frames(JsonNode m) throws IOException {
    List<byte[]> frames = VerifyCommand.archivedFrames(m)
        .orElseThrow(() -> new IOException("the API returned a message without frames (not a fedmsg store?)"));
    if (frames.size() != 2 && frames.size() != 3) {
      throw new IOException("the API returned a message with malformed frames");
    }
    return frames;
  }

  private Out printer() {
    PrintWriter out = spec.commandLine().getOut();
    return new Out() {
      @Override
      public void accept(List<byte[]> frames, JsonNode body, VerificationResult r) throws IOException {
        ObjectNode line = JSON.createObjectNode();
        line.put("topic", body.path("topic").asText());
        line.set("msg_id", body.path("msg_id"));
        line.set("timestamp", body.path("timestamp"));
        line.put("valid", r.isValid());
        if (r instanceof VerificationResult.Invalid inv) {
          line.put("reason", inv.reason().name());
          line.put("detail", inv.detail());
        } else {
          line.put("signer", ((VerificationResult.Valid) r).signer().commonName());
        }
        ArrayNode f = line.putArray("frames");
        frames.forEach(b -> f.add(Base64.getEncoder().encodeToString(b)));
        out.println(JSON.writeValueAsString(line));
        out.flush();
      }

      @Override
      public void close() {
        out.flush();
      }
    };
  }

  /**
   * Sends frames verbatim from an XPUB socket connected to the relay, after the relay's
   * subscription has arrived (so nothing sent is lost to the slow-joiner race).
   */
  private Out republisher(FedmsgConfig config) {
    String endpoint = to != null ? to : config.relayInbound().get(0);
    ZContext context = new ZContext();
    ZMQ.Socket socket = context.createSocket(SocketType.XPUB);
    socket.setLinger(5000);
    socket.connect(endpoint);
    socket.setReceiveTimeOut(5000);
    byte[] subscription = socket.recv();
    if (subscription == null) {
      context.close();
      throw new IllegalStateException("no subscriber at " + endpoint + " within 5 s (is `fedmsg relay` running there?)");
    }
    PrintWriter err = spec.commandLine().getErr();
    return new Out() {
      @Override
      public void accept(List<byte[]> frames, JsonNode body, VerificationResult r) {
        if (!r.isValid()) {
          err.println("replay: not sent, does not verify (" + ((VerificationResult.Invalid) r).reason() + "): "
              + org.fedmsg.crypto.LogText.escape(body.path("msg_id").asText("-")));
          return;
        }
        for (int i = 0; i < frames.size(); i++) {
          socket.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
        }
      }

      @Override
      public void close() {
        context.close();  // linger: what is queued still leaves
      }
    };
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String seconds(Instant t) {
    return java.math.BigDecimal.valueOf(t.getEpochSecond()).add(java.math.BigDecimal.valueOf(t.getNano(), 9))
        .stripTrailingZeros().toPlainString();
  }

  static Instant time(String option, String text) {
    try {
      if (text.matches("-?[0-9]+(\\.[0-9]+)?")) {
        double s = Double.parseDouble(text);
        long whole = (long) Math.floor(s);
        return Instant.ofEpochSecond(whole, Math.round((s - whole) * 1e9));
      }
      return Instant.parse(text);
    } catch (NumberFormatException | java.time.DateTimeException e) {
      throw new IllegalArgumentException(option + " must be an ISO-8601 instant or seconds since the epoch: " + text);
    }
  }
}
