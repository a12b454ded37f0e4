package org.fedmsg;

import java.util.List;
import java.util.Set;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.discovery.Discovery;
import org.zeromq.ZContext;

/**
 * The receiving side of a bus, opened on its first subscription: a bus that only publishes
 * (fedmsg logger, a relay's heartbeat) never loads a trust store, so it cannot fail on a CA it
 * will never use. Connects the subscriber to what discovery reports (or to the static
 * endpoints), and passes every accepted message to the dispatcher and every probe answer to the
 * probes.
 */
final class SubscriberSide {
  private final BusOptions options;
  private final ZContext context;
  /** The bus's resources: a trust store and a discovery opened here join them. */
  private final List<AutoCloseable> owned;
  private final Dispatcher dispatcher;
  private final Probes probes;
  private final Object lock = new Object();
  private volatile Receiver receiver;
  /** The verifier of {@link #receiver}; null until opened or when validation is off. */
  private volatile org.fedmsg.wire.MessageVerifier verifier;
  /** Verifies on {@code verify_threads} workers, delivers in arrival order (see {@link ParallelReceiver}). */
  private volatile ParallelReceiver pipeline;
  private volatile ZmqSubscriber subscriber;
  /** fedmsg/1 gaps filled by the reference replay protocol; null when no publisher serves it. */
  private volatile ReferenceGapFill referenceGaps;
  /** Fills gaps of the critical bus; null when there are no critical topics or no validation. */
  private volatile GapFill gapFill;
  /** A durable subscriber's saved positions; null without {@code durable_name}. Ordered stage only. */
  private volatile GapFillPositions positions;
  /** Lost ranges of both gap fills, in the order they were reported. */
  private final RecentLosses recentLosses = new RecentLosses();
  private final java.util.concurrent.atomic.LongAdder deduplicated = new java.util.concurrent.atomic.LongAdder();
  /** The discovery the subscriber follows; null until opened, or with static endpoints. */
  private volatile Discovery discovery;
  private volatile boolean closed;

  SubscriberSide(BusOptions options, ZContext context, List<AutoCloseable> owned, Dispatcher dispatcher,
      Probes probes) {
    this.options = options;
    this.context = context;
    this.owned = owned;
    this.dispatcher = dispatcher;
    this.probes = probes;
  }

  /**
   * The subscriber, opened on first use.
   *
   * @throws IllegalStateException when the bus is closed
   * @throws ConfigException for bad trust or discovery settings
   */
  ZmqSubscriber open() {
    ZmqSubscriber sub = subscriber;
    if (sub != null) {
      return sub;
    }
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("bus is closed");
      }
      if (subscriber == null) {
        org.fedmsg.wire.MessageVerifier verifier =
            BusSecurity.resolveVerifier(options, BusSecurity.busComponent(options), owned);
        receiver = new Receiver(options, verifier);
        this.verifier = verifier;
        referenceGaps = ReferenceGapFill.create(options, receiver, recentLosses);
        positions = GapFillSetup.positions(options, verifier);
        pipeline = new ParallelReceiver(receiver, options.verifyThreads, this::deliver, probes::record, "bus", true);
        gapFill = GapFillSetup.gapFill(options, receiver, verifier, pipeline, this::deliver, positions, "bus",
            this::replayEndpoints, recentLosses);
        ZmqSubscriber created = new ZmqSubscriber(context, options.socketOptions, options.curve, null, this::onFrames,
            "bus");
        Discovery found;
        try {
          found = BusDiscovery.open(options, ownedTrustStore());
        } catch (RuntimeException e) {
          created.close();
          throw e;
        }
        if (found == null) {
          options.endpoints.forEach((service, urls) -> {
            if (!service.equals("relay_inbound")) {
              urls.forEach(created::connect);
            }
          });
        } else {
          found.addListener(change -> {
            // A discovery given by the caller outlives this bus: ignore it once closed.
            if (!closed) {
              BusDiscovery.apply(created, change);
            }
          });
          found.current();
          found.start();
          discovery = found;
          if (options.discovery == null) {
            owned.add(found);
          }
        }
        subscriber = created;
      }
      return subscriber;
    }
  }

  /** The subscriber if it is open, else null. */
  ZmqSubscriber current() {
    return subscriber;
  }

  /** The receiving pipeline if the subscriber is open, else null. */
  Receiver receiver() {
    return receiver;
  }

  /** The fedmsg/1 gap fill by the reference replay protocol, or null when none runs. */
  ReferenceGapFill referenceGaps() {
    return referenceGaps;
  }

  /** The replay endpoints of the publishers this bus is connected to (see {@link Bus#replayEndpoints()}). */
  List<org.fedmsg.discovery.Endpoint> replayEndpoints() {
    return BusDiscovery.replayEndpoints(options, discovery, connections());
  }

  Set<String> connections() {
    ZmqSubscriber sub = subscriber;
    return sub == null ? Set.of() : sub.connections();
  }

  long peerDisconnects() {
    ZmqSubscriber sub = subscriber;
    return sub == null ? 0 : sub.peerDisconnects();
  }

  long handshakeFailures() {
    ZmqSubscriber sub = subscriber;
    return sub == null ? 0 : sub.handshakeFailures();
  }

  long handshakeNudges() {
    ZmqSubscriber sub = subscriber;
    return sub == null ? 0 : sub.handshakeNudges();
  }

  /** The verifier of received messages, or null (not opened, or validation off). */
  org.fedmsg.wire.MessageVerifier verifier() {
    return verifier;
  }

  /**
   * In the ordered stage: hands a message to the handlers and, for a durable subscriber, saves
   * its position once they have returned (a message already delivered before a restart is
   * skipped by its {@code msg_id}).
   */
  private void deliver(List<byte[]> frames, Receiver.Accepted a) {
    ReferenceGapFill refs = referenceGaps;
    if (refs == null) {
      deliverAccepted(a);
      return;
    }
    // a fedmsg/1 gap filled by the reference protocol goes first; fetched messages have no (epoch, seq)
    refs.deliver(a.message(), a.fingerprint(), m -> deliverAccepted(m == a.message() ? a : new Receiver.Accepted(m, 0, null, null, null,
        0)));
  }

  private void deliverAccepted(Receiver.Accepted a) {
    GapFillPositions saved = positions;
    String msgId = a.message().msgId().orElse(null);
    if (saved != null && msgId != null && saved.seen(msgId)) {
      deduplicated.increment();
      return;
    }
    HandlerPositions.CURRENT.set(a);
    try {
      dispatcher.dispatch(a.message());
    } finally {
      HandlerPositions.CURRENT.remove();
    }
    if (saved != null) {
      saved.delivered(a, msgId);
    }
  }

  /** Messages of gaps delivered from replay endpoints: the critical bus's and fedmsg/1's (reference protocol). */
  long gapFilled() {
    GapFill g = gapFill;
    ReferenceGapFill refs = referenceGaps;
    return (g == null ? 0 : g.filled()) + (refs == null ? 0 : refs.filled());
  }

  /** Messages of gaps that could not be filled: the critical bus's and fedmsg/1's (reference protocol). */
  long lost() {
    GapFill g = gapFill;
    ReferenceGapFill refs = referenceGaps;
    return (g == null ? 0 : g.lost()) + (refs == null ? 0 : refs.lost());
  }

  /** The latest lost ranges (for the heartbeat), oldest first: the critical bus's and fedmsg/1's. */
  List<org.fedmsg.reliable.LostRange> recentLosses() {
    return recentLosses.list();
  }

  /** The gap fill, if any. */
  GapFill gapFill() {
    return gapFill;
  }

  /** Messages a durable subscriber did not hand over again because it had delivered them before. */
  long deduplicated() {
    return deduplicated.sum();
  }

  /** Runs on the receiving thread for every multipart message. */
  private void onFrames(List<byte[]> frames) {
    pipeline.submit(frames);
  }

  private TrustStore ownedTrustStore() {
    for (AutoCloseable resource : owned) {
      if (resource instanceof TrustStore trust) {
        return trust;
      }
    }
    return null;
  }

  /**
   * Refuses to open a subscriber from now on.
   *
   * @return false when this was already done (the bus is closing or closed)
   */
  boolean markClosed() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      closed = true;
      return true;
    }
  }

  /** Closes the subscriber, if open; call {@link #markClosed} first. */
  void close() {
    ZmqSubscriber sub = subscriber;
    if (sub != null) {
      sub.close();
    }
    GapFill g = gapFill;
    if (g != null) {
      g.close();
    }
    ParallelReceiver p = pipeline;
    GapFillPositions saved = positions;
    if (p != null && saved != null) {
      p.runOrdered(saved::close);
    }
    if (p != null) {
      p.close();
    }
    ReferenceGapFill gaps = referenceGaps;
    if (gaps != null) {
      gaps.close();
    }
  }
}
