package org.fedmsg;

import java.util.concurrent.atomic.AtomicBoolean;
import org.fedmsg.reliable.ReferenceQueries;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * A replay socket for tests: a ROUTER on an ephemeral loopback port that hands each REQ client's
 * query to {@link ReferenceQueries} and sends its frames back, as a process's replay endpoint does
 * for the reference protocol. Bind first ({@link #endpoint()} goes into {@code replay_endpoints}),
 * {@link #start} once the queries exist.
 */
final class ReferenceReplaySocket implements AutoCloseable {
  private final ZContext context = new ZContext(1);
  private final ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
  private final AtomicBoolean stop = new AtomicBoolean();
  private Thread thread;
  private volatile int answered;

  ReferenceReplaySocket() {
    this(null);
  }

  /** @param curveKey makes it a CURVE server with this key pair (no ZAP handler: any client key is admitted) */
  ReferenceReplaySocket(org.fedmsg.crypto.CurveKeyPair curveKey) {
    if (curveKey != null) {
      org.fedmsg.discovery.curve.CurveSockets.server(router, curveKey, "replay-test");
    }
    router.bind("tcp://127.0.0.1:*");
    router.setReceiveTimeOut(50);
  }

  String endpoint() {
    return router.getLastEndpoint();
  }

  ReferenceReplaySocket start(ReferenceQueries queries) {
    thread = new Thread(() -> {
      while (!stop.get()) {
        ZMsg request = ZMsg.recvMsg(router);
        if (request == null) {
          continue;
        }
        ZMsg reply = new ZMsg();
        reply.add(request.pop().getData());   // routing id
        reply.add(request.pop().getData());   // the REQ envelope's empty delimiter
        queries.answer(request.pop().getData()).forEach(reply::add);
        reply.send(router);
        answered++;
      }
    }, "reference-replay-test-socket");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Queries answered so far. */
  int answered() {
    return answered;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    if (thread != null) {
      thread.join(5000);
    }
    context.close();
  }
}
