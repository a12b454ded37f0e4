package org.fedmsg.web;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket client: one asynchronous send in flight at a time, the next started from the
 * previous one's completion, so no thread waits on a slow reader.
 */
final class WebSocketClient extends Client {
  /** Close code 1008 (policy violation): the server ends the connection by its rules. */
  static final int POLICY_VIOLATION = 1008;
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketClient.class);

  private final Session session;
  private final AtomicBoolean sending = new AtomicBoolean();

  WebSocketClient(String id, Session session, boolean frames, int capacity, DropListener onDrop) {
    super(id, frames, capacity, onDrop);
    this.session = session;
  }

  @Override
  void pump() {
    // Loop rather than recurse: a send that completes at once would otherwise nest one call per message.
    while (!isClosed() && sending.compareAndSet(false, true)) {
      String next = queue.poll();
      if (next == null) {
        sending.set(false);
        if (queue.isEmpty()) {
          return;
        }
        continue;  // a message arrived between poll and reset: go round again
      }
      // 0: in flight; 1: this thread returned and the completion pumps; 2: completed before that.
      AtomicInteger state = new AtomicInteger();
      session.sendText(next, Callback.from(() -> {
        if (!state.compareAndSet(0, 2)) {
          sending.set(false);
          pump();
        }
      }, error -> drop("send-failed", "send failed")));
      if (state.compareAndSet(0, 1)) {
        return;
      }
      sending.set(false);
    }
  }

  /** Sends a control reply (subscription acknowledgement or error) through the same queue. */
  void reply(String json) {
    offer(json);
  }

  @Override
  void closeTransport(String message) {
    try {
      session.close(POLICY_VIOLATION, message, Callback.NOOP);
    } catch (RuntimeException e) {
      LOG.debug("closing client {}: {}", id, e.toString());
    }
  }

  @Override
  String transport() {
    return "websocket";
  }
}
