package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongFunction;
import org.fedmsg.json.CanonicalJson;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * An outsider's view of a running {@link Relay}: a plain JeroMQ PUB connected to its inbound
 * endpoint sends raw frames, a plain SUB on its outbound endpoint sees exactly what it forwards.
 * Order is kept on this one path, so "not forwarded" is shown by the next marker message arriving
 * first: no sleeping, no guessing. Warm-up messages (sent until the path is up) are recognised by
 * their {@code msg_id} and skipped.
 */
final class RawRelayHarness implements AutoCloseable {
  static final String TOPIC = "org.fedoraproject.dev.attack.test";

  private final ZContext context = new ZContext();
  private final ZMQ.Socket pub;
  private final ZMQ.Socket sub;
  private final Set<String> warmUp = new HashSet<>();

  RawRelayHarness(Relay relay) {
    pub = context.createSocket(SocketType.PUB);
    pub.connect(relay.inboundEndpoint());
    sub = context.createSocket(SocketType.SUB);
    sub.setReceiveTimeOut(10_000);
    sub.subscribe(TOPIC.getBytes(UTF_8));
    sub.connect(relay.outboundEndpoint());
  }

  /**
   * Sends fresh good messages (made by {@code fresh} from a counter) until one comes out: both
   * subscriptions are then in place.
   */
  void awaitFlowing(LongFunction<List<byte[]>> fresh) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    sub.setReceiveTimeOut(50);
    try {
      for (long n = 0; System.nanoTime() < deadline; n++) {
        List<byte[]> frames = fresh.apply(n);
        warmUp.add(msgId(frames));
        send(frames);
        if (sub.recv() != null) {
          drainRest();
          return; // warm-up messages still in flight are skipped by next()
        }
      }
      throw new AssertionError("relay does not forward fresh good messages within 20 s");
    } finally {
      sub.setReceiveTimeOut(10_000);
    }
  }

  private void drainRest() {
    while (sub.hasReceiveMore()) {
      sub.recv();
    }
  }

  void send(List<byte[]> frames) {
    for (int i = 0; i < frames.size(); i++) {
      pub.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
    }
  }

  /** The next forwarded message's frames, warm-up messages skipped; fails after 10 s. */
  List<byte[]> next() {
    while (true) {
      byte[] first = sub.recv();
      if (first == null) {
        throw new AssertionError("nothing forwarded within 10 s");
      }
      List<byte[]> frames = new ArrayList<>();
      frames.add(first);
      while (sub.hasReceiveMore()) {
        frames.add(sub.recv());
      }
      if (!warmUp.contains(msgId(frames))) {
        return frames;
      }
    }
  }

  /** Sends {@code frames} and fails unless they are the next message forwarded. */
  void sendExpectForwarded(List<byte[]> frames) {
    send(frames);
    String expected = msgId(frames);
    String got = msgId(next());
    if (!expected.equals(got)) {
      throw new AssertionError("expected " + expected + " to be forwarded next, got " + got);
    }
  }

  static String msgId(List<byte[]> frames) {
    return CanonicalJson.parse(frames.get(1)).path("msg_id").asText("");
  }

  /**
   * Sends {@code attack}, then {@code marker} (a fresh good message), and returns the next
   * forwarded message: the marker if the attack was dropped.
   */
  List<byte[]> sendThenMarker(List<byte[]> attack, List<byte[]> marker) {
    send(attack);
    send(marker);
    return next();
  }

  static String id() {
    return "2026-" + UUID.randomUUID();
  }

  @Override
  public void close() {
    context.close();
  }
}
