package org.fedmsg.store;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datagrepper-compatible HTTP API over a {@link MessageStore}: {@code /raw}, {@code /id},
 * {@code /topics}, {@code /healthz} (see {@code docs/store.md} for every parameter beside
 * datagrepper's). Responses are JSON; {@code /raw} streams its page as rows are read. Each
 * message carries {@code frames}: its frames as they travelled, base64, so clients verify it.
 *
 * <p>Built on the JDK's HTTP server: a small pool of handler threads, one per request in flight.
 */
public final class StoreHttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreHttpApi.class);
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final RawQuery.Parser parser;
  private final MessageStore store;

  private StoreHttpApi(MessageStore store, HttpServer server, Clock clock) {
    this.store = store;
    this.server = server;
    this.parser = new RawQuery.Parser(store.options(), clock);
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "fedmsg-store-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * Serves the API on {@code host:port} (port 0: any free port, see {@link #port()}).
   *
   * @throws IOException if the address cannot be bound
   */
  public static StoreHttpApi start(MessageStore store, String host, int port) throws IOException {
    return start(store, host, port, Clock.systemUTC());
  }

  static StoreHttpApi start(MessageStore store, String host, int port, Clock clock) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    StoreHttpApi api = new StoreHttpApi(store, server, clock);
    server.start();
    return api;
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (path.length() > 1 && path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);  // a trailing slash is optional, as in datagrepper
      }
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        error(ex, 405, "method not allowed: use GET", null);
        return;
      }
      Map<String, List<String>> params;
      try {
        params = params(ex.getRequestURI().getRawQuery());
      } catch (IllegalArgumentException e) {
        error(ex, 400, "malformed query string: " + e.getMessage(), null);
        return;
      }
      switch (path) {
        case "/raw" -> raw(ex, params);
        case "/id" -> id(ex, params);
        case "/topics" -> send(ex, 200, JSON.valueToTree(store.topics()));
        case "/healthz" -> health(ex);
        default -> error(ex, 404, "not_found", null);
      }
    } catch (StoreException e) {
      LOG.warn("store API: {}", e.getMessage());
      try {
        error(ex, 503, "store unavailable: " + e.getMessage(), null);
      } catch (IOException | RuntimeException ignored) {
        // the response had started: the client sees a truncated body
      }
    } catch (IOException e) {
      LOG.debug("store API: client went away: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.error("store API: internal error", e);
      try {
        error(ex, 500, "internal error", null);
      } catch (IOException | RuntimeException ignored) {
        // the response had started
      }
    }
  }

  private void raw(HttpExchange ex, Map<String, List<String>> params) throws IOException {
    RawQuery rq;
    try {
      rq = parser.parse(params);
    } catch (IllegalArgumentException e) {
      error(ex, 400, e.getMessage(), null);
      return;
    }
    long total = store.count(rq.query());
    int rows = rq.query().rowsPerPage();
    long pages = (total + rows - 1) / rows;
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, 0);  // chunked: the page is written as it is read
    try (OutputStream out = ex.getResponseBody();
        JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeArrayFieldStart("raw_messages");
      int count = store.query(rq.query(), m -> {
        JSON.writeTree(g, render(m, rq.meta()));
        g.flush();
      });
      g.writeEndArray();
      g.writeNumberField("count", count);
      g.writeNumberField("pages", pages);
      g.writeNumberField("total", total);
      g.writeFieldName("arguments");
      JSON.writeTree(g, rq.arguments());
      g.writeEndObject();
    }
  }

  private void id(HttpExchange ex, Map<String, List<String>> params) throws IOException {
    List<String> ids = params.getOrDefault("id", List.of());
    if (ids.isEmpty()) {
      ObjectNode o = JSON.createObjectNode().put("error", "missing_argument").put("argument", "id");
      send(ex, 400, o);
      return;
    }
    List<String> meta;
    try {
      meta = RawQuery.meta(params);
    } catch (IllegalArgumentException e) {
      error(ex, 400, e.getMessage(), null);
      return;
    }
    Optional<ArchivedMessage> m = store.byMsgId(ids.get(0));
    if (m.isEmpty()) {
      error(ex, 404, "not_found", null);
      return;
    }
    send(ex, 200, render(m.get(), meta));
  }

  private void health(HttpExchange ex) throws IOException {
    boolean reachable = store.databaseReachable();
    StoreStats s = store.stats();
    ObjectNode o = JSON.createObjectNode();
    o.put("status", reachable ? "ok" : "unavailable");
    o.put("database", reachable ? "reachable" : "unreachable");
    o.put("writer", s.healthy() ? "ok" : "failing");
    o.put("queued", s.queued());
    o.put("stored", s.stored());
    o.put("dropped", s.dropped());
    o.put("missed", s.missed());
    send(ex, reachable ? 200 : 503, o);
  }

  /** A message as datagrepper shows it (its body's fields), plus {@code frames} and, if asked, {@code meta}. */
  static ObjectNode render(ArchivedMessage m, List<String> meta) {
    ObjectNode o = m.body();
    ArrayNode frames = o.putArray("frames");
    m.framesBase64().forEach(frames::add);
    if (!meta.isEmpty()) {
      ObjectNode metas = o.putObject("meta");
      for (String name : meta) {
        ArrayNode values = metas.putArray(name);
        (name.equals("usernames") ? m.users() : m.packages()).stream().sorted().forEach(values::add);
      }
    }
    return o;
  }

  private static void error(HttpExchange ex, int status, String message, ObjectNode arguments) throws IOException {
    ObjectNode o = JSON.createObjectNode().put("error", message);
    if (arguments != null) {
      o.set("arguments", arguments);
    }
    send(ex, status, o);
  }

  private static void send(HttpExchange ex, int status, com.fasterxml.jackson.databind.JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  static Map<String, List<String>> params(String rawQuery) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }
}
