package org.fedmsg.web;

import io.javalin.http.sse.SseClient;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client: a daemon thread writes its queue to the stream (Javalin's SSE
 * writes block), so a slow reader holds up only its own thread and is dropped when its queue
 * fills like any other client.
 */
final class EventStreamClient extends Client {
  private final SseClient sse;
  private final Thread writer;
  private volatile String closeMessage;

  EventStreamClient(String id, SseClient sse, boolean frames, int capacity, DropListener onDrop) {
    super(id, frames, capacity, onDrop);
    this.sse = sse;
    this.writer = new Thread(this::write, "fedmsg-gateway-sse-" + id);
    writer.setDaemon(true);
  }

  void start() {
    writer.start();
  }

  private void write() {
    try {
      while (!isClosed() && !sse.terminated()) {
        String next = queue.poll(15, TimeUnit.SECONDS);
        if (next == null) {
          sse.sendComment("keep-alive");  // lets proxies and the browser see the stream is alive
        } else {
          sse.sendEvent("message", next);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      drop("send-failed", "send failed");
    } finally {
      // Only this thread writes, so a reader too slow to take the close event blocks nobody else.
      String message = closeMessage;
      if (message != null) {
        try {
          sse.sendEvent("close", message);
        } catch (RuntimeException e) {
          // the stream is already gone
        }
      }
      sse.close();
    }
  }

  @Override
  void pump() {
    // the writer thread waits on the queue
  }

  @Override
  void closeTransport(String message) {
    closeMessage = message;
    writer.interrupt();
  }

  @Override
  String transport() {
    return "sse";
  }
}
