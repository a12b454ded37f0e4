package org.fedmsg.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (the JDK's) that records what it receives. A paused probe requests no
 * messages, so the JDK stops reading the socket and the server's writes back up as they would for
 * a browser tab that cannot keep up.
 */
final class WsProbe implements WebSocket.Listener, AutoCloseable {
  final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
  final CompletableFuture<String> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private volatile boolean paused;
  private WebSocket socket;

  static WsProbe connect(int port, String query, String origin, boolean paused) throws Exception {
    WsProbe probe = new WsProbe();
    probe.paused = paused;
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    if (origin != null) {
      builder.header("Origin", origin);
    }
    probe.socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws" + query), probe)
        .get(10, TimeUnit.SECONDS);
    return probe;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    if (!paused) {
      webSocket.request(1);
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        received.add(MessageJson.MAPPER.readTree(partial.toString()));
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + partial, e);
      }
      partial.setLength(0);
    }
    if (!paused) {
      webSocket.request(1);
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode + " " + reason);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete("error " + error);
  }

  /** Starts reading again (and keeps reading). */
  void resume() {
    paused = false;
    socket.request(Long.MAX_VALUE);
  }

  void send(String text) {
    socket.sendText(text, true).join();
  }

  /** The next message of {@code type}, skipping others, or fails after 10 s. */
  JsonNode next(String type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonNode n = received.poll(100, TimeUnit.MILLISECONDS);
      if (n != null && n.path("type").asText().equals(type)) {
        return n;
      }
    }
    throw new AssertionError("no '" + type + "' message within 10 s");
  }

  @Override
  public void close() {
    if (socket != null) {
      socket.abort();
    }
  }
}
