package org.fedmsg.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.ServiceUnavailableResponse;
import io.javalin.http.sse.SseClient;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsMessageContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.fedmsg.Bus;
import org.fedmsg.BusListener;
import org.fedmsg.BusOptions;
import org.fedmsg.Message;
import org.fedmsg.Rejection;
import org.fedmsg.Subscription;
import org.fedmsg.store.MessageStore;
import org.fedmsg.store.StoreOptions;
import org.fedmsg.metrics.BusMeters;
import org.fedmsg.metrics.MetricsServer;
import org.fedmsg.metrics.ReceiveMeters;
import org.fedmsg.policy.TopicPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the messages a bus verified to browsers: WebSocket at {@code /ws}, Server-Sent Events at
 * {@code /sse}, the live bus page at {@code /}, statistics at {@code /stats} and
 * {@code /stats.json}, and Prometheus meters at {@code /metrics}, all on one HTTP port.
 *
 * <p>Clients choose topics with {@code ?topic=PATTERN} (repeatable; the policy's glob grammar,
 * relative to {@code <topic_prefix>.<environment>.}; none: everything the gateway serves) and,
 * on WebSocket, later with {@code {"subscribe": [...]}} / {@code {"unsubscribe": [...]}};
 * {@code ?frames=true} adds the original frames to each message (see {@link MessageJson}).
 * The gateway never blocks its bus on a client: every client has a bounded queue and is
 * dropped, with its reason, when the queue is full. See {@code docs/gateway.md}.
 *
 * <p>Thread-safe; {@link #close()} stops the server and the bus.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  static final String STATIC = "/org/fedmsg/web/static/";

  private final GatewayOptions options;
  private final Bus bus;
  private final BusStatistics statistics;
  private final MessageStore store;
  private final GatewayMeters meters;
  private final PrometheusMeterRegistry registry;
  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final Subscription subscription;
  private final Javalin server;

  private Gateway(GatewayOptions options, BusOptions.Builder busOptions, Clock clock) {
    this.options = options;
    this.registry = MetricsServer.newRegistry();
    AtomicReference<Bus> busRef = new AtomicReference<>();
    // the store is opened only to read its archive: its own meters stay out of the gateway's
    this.store = options.statsStoreUrl == null ? null : MessageStore.open(
        StoreOptions.builder().jdbcUrl(options.statsStoreUrl).build(), new SimpleMeterRegistry());
    this.statistics = new BusStatistics(clock, options.namespace, () -> busRef.get().stats(),
        store == null ? null : store::countsByTopic);
    busOptions.listener(ReceiveMeters.create(registry, "gateway", options.namespace.topicPrefix(),
        options.namespace.environment(), new BusListener() {
          @Override
          public void messageRejected(Rejection rejection) {
            statistics.rejected(rejection);
          }
        }));
    try {
      this.bus = Bus.create(busOptions.build());
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      }
      throw e;
    }
    busRef.set(bus);
    BusMeters.bind(registry, "gateway", bus::stats);
    this.meters = new GatewayMeters(registry, clients);
    Javalin javalin = null;
    Subscription sub = null;
    try {
      sub = bus.subscribe("", this::fanOut);
      javalin = Javalin.create(config -> {
        config.startup.showJavalinBanner = false;
        config.jetty.modifyWebSocketServletFactory(f -> f.setIdleTimeout(Duration.ofMinutes(5)));
        config.routes.get("/", ctx -> page(ctx, "live.html"));
        config.routes.get("/stats", ctx -> page(ctx, "stats.html"));
        config.routes.get("/notify-example.html", ctx -> page(ctx, "notify-example.html"));
        config.routes.get("/stats.json", ctx -> ctx.contentType("application/json")
            .result(MessageJson.write(statistics.snapshot(clients.size(), meters.droppedTotal()))));
        config.routes.get("/metrics", ctx -> ctx.contentType(MetricsServer.CONTENT_TYPE).result(registry.scrape()));
        config.routes.get("/assets/echarts.min.js", ctx -> echarts(ctx));
        for (String asset : List.of("live.js", "live.css", "stats.js", "fedmsg-notify.js")) {
          config.routes.get("/" + asset, ctx -> page(ctx, asset));
        }
        config.routes.wsBeforeUpgrade("/ws", this::admit);
        config.routes.ws("/ws", ws -> {
          ws.onConnect(this::connected);
          ws.onMessage(this::received);
          ws.onClose(ctx -> gone(ctx.sessionId()));
          ws.onError(ctx -> gone(ctx.sessionId()));
        });
        config.routes.before("/sse", this::admit);
        config.routes.sse("/sse", this::streamConnected);
      });
      try {
        javalin.start(options.host, options.port);
      } catch (RuntimeException e) {
        throw new UncheckedIOException(new IOException("cannot serve on " + options.host + ":" + options.port + ": "
            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e));
      }
    } catch (RuntimeException e) {
      if (javalin != null) {
        javalin.stop();
      }
      bus.close();
      if (store != null) {
        store.close();
      }
      throw e;
    }
    this.subscription = sub;
    this.server = javalin;
  }

  /**
   * Opens the bus described by {@code busOptions} (its listener is replaced by the gateway's, which
   * counts rejections) and starts serving it.
   *
   * @throws UncheckedIOException or a Javalin exception when the address cannot be bound
   */
  public static Gateway start(GatewayOptions options, BusOptions.Builder busOptions) {
    return new Gateway(Objects.requireNonNull(options, "options"), busOptions, Clock.systemUTC());
  }

  /** The HTTP port the gateway serves on. */
  public int port() {
    return server.port();
  }

  /** The address the gateway serves on. */
  public String host() {
    return options.host;
  }

  /** The bus the gateway reads from. */
  public Bus bus() {
    return bus;
  }

  /** The meters, as {@code /metrics} serves them. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** How many clients are connected. */
  public int clients() {
    return clients.size();
  }

  /** Waits until the bus's subscription reached every publisher, or {@code timeout}. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return subscription.awaitReady(timeout);
  }

  /* --------------- the bus side --------------- */

  private void fanOut(Message message) {
    statistics.arrived(message);
    if (!options.serves(message.topic())) {
      meters.restricted();
      return;
    }
    String plain = null;
    String withFrames = null;
    for (Client client : clients.values()) {
      if (!client.wants(message.topic())) {
        continue;
      }
      String json;
      if (client.frames) {
        json = withFrames == null ? withFrames = MessageJson.encode(message, true) : withFrames;
      } else {
        json = plain == null ? plain = MessageJson.encode(message, false) : plain;
      }
      client.offer(json);
      meters.sent();
    }
  }

  /* --------------- admission --------------- */

  /** Before the upgrade (WebSocket) or the stream (SSE): origin and connection cap. */
  private void admit(Context ctx) {
    if (!options.originAllowed(ctx.header("Origin"), ctx.header("Host"))) {
      meters.refused("origin");
      LOG.warn("refused a client from origin {}", org.fedmsg.crypto.LogText.escape(ctx.header("Origin")));
      throw new ForbiddenResponse("origin not allowed");
    }
    if (clients.size() >= options.maxConnections) {
      meters.refused("capacity");
      throw new ServiceUnavailableResponse("too many connections");
    }
  }

  /** The subscriptions a client asked for, or an error message naming the pattern refused. */
  private String subscribe(Client client, List<String> patterns) {
    List<TopicPattern> compiled = new ArrayList<>();
    for (String p : patterns) {
      TopicPattern pattern;
      try {
        pattern = TopicPattern.compile(p, options.namespace);
      } catch (IllegalArgumentException e) {
        return "bad topic pattern: " + e.getMessage();
      }
      if (!options.covers(pattern)) {
        return "topic not served by this gateway: " + pattern;
      }
      compiled.add(pattern);
    }
    if (client.subscriptions.size() + compiled.size() > options.maxSubscriptions) {
      return "too many subscriptions (at most " + options.maxSubscriptions + ")";
    }
    client.subscriptions.addAll(compiled);
    return null;
  }

  private void connected(WsConnectContext ctx) {
    WebSocketClient client = new WebSocketClient(ctx.sessionId(), ctx.session,
        "true".equals(ctx.queryParam("frames")), options.clientQueue, meters::dropped);
    String refusal = subscribe(client, ctx.queryParams("topic"));
    if (refusal != null) {
      meters.refused("subscription");
      ctx.closeSession(WebSocketClient.POLICY_VIOLATION, refusal);
      return;
    }
    if (clients.size() >= options.maxConnections) {
      meters.refused("capacity");
      ctx.closeSession(1013, "too many connections");
      return;
    }
    ctx.enableAutomaticPings(30, java.util.concurrent.TimeUnit.SECONDS);
    clients.put(client.id, client);
    client.reply(subscribedReply(client));
  }

  private void received(WsMessageContext ctx) {
    Client client = clients.get(ctx.sessionId());
    if (!(client instanceof WebSocketClient ws)) {
      return;
    }
    JsonNode request;
    try {
      request = MessageJson.MAPPER.readTree(ctx.message());
    } catch (IOException e) {
      ws.reply(error("not JSON"));
      return;
    }
    List<String> add = strings(request.get("subscribe"));
    List<String> remove = strings(request.get("unsubscribe"));
    if (add.isEmpty() && remove.isEmpty()) {
      ws.reply(error("expected {\"subscribe\": [...]} or {\"unsubscribe\": [...]}"));
      return;
    }
    for (String p : remove) {
      try {
        ws.subscriptions.remove(TopicPattern.compile(p, options.namespace));
      } catch (IllegalArgumentException e) {
        // nothing subscribed under a name that cannot be compiled
      }
    }
    String refusal = subscribe(ws, add);
    if (refusal != null) {
      meters.refused("subscription");
      ws.reply(error(refusal));
      return;
    }
    ws.reply(subscribedReply(ws));
  }

  private void streamConnected(SseClient sse) {
    Context ctx = sse.ctx();
    String id = "sse-" + ids.incrementAndGet();
    EventStreamClient client = new EventStreamClient(id, sse, "true".equals(ctx.queryParam("frames")),
        options.clientQueue, meters::dropped);
    String refusal = subscribe(client, ctx.queryParams("topic"));
    if (refusal != null) {
      meters.refused("subscription");
      sse.sendEvent("close", refusal);
      sse.close();
      return;
    }
    sse.onClose(() -> gone(id));
    clients.put(id, client);
    client.offer(subscribedReply(client));
    client.start();
    sse.keepAlive();
  }

  private void gone(String id) {
    Client client = clients.remove(id);
    if (client != null) {
      client.closed();
    }
  }

  private String subscribedReply(Client client) {
    ObjectNode out = MessageJson.MAPPER.createObjectNode();
    out.put("type", "subscribed");
    ArrayNode topics = out.putArray("topics");
    if (client.subscriptions.isEmpty()) {
      options.topics.forEach(t -> topics.add(t.toString()));
    } else {
      client.subscriptions.forEach(t -> topics.add(t.toString()));
    }
    return MessageJson.write(out);
  }

  private static String error(String message) {
    ObjectNode out = MessageJson.MAPPER.createObjectNode();
    out.put("type", "error");
    out.put("error", message);
    return MessageJson.write(out);
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node != null && node.isTextual()) {
      out.add(node.textValue());
    } else if (node != null && node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /* --------------- pages --------------- */

  private static void page(Context ctx, String name) {
    String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
        : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
    ctx.contentType(type).result(resource(STATIC + name));
  }

  private static void echarts(Context ctx) throws IOException {
    java.util.Properties pom = new java.util.Properties();
    try (InputStream in = Gateway.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/echarts/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the echarts WebJar is not on the class path");
      }
      pom.load(in);
    }
    ctx.contentType("text/javascript; charset=utf-8").header("Cache-Control", "max-age=86400")
        .result(resource("/META-INF/resources/webjars/echarts/" + pom.getProperty("version") + "/dist/echarts.min.js"));
  }

  private static byte[] resource(String path) {
    try (InputStream in = Gateway.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.stop();
    } finally {
      clients.values().forEach(Client::closed);
      clients.clear();
      bus.close();
      registry.close();
      if (store != null) {
        store.close();
      }
    }
  }
}
