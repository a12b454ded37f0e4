package org.fedmsg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.fedmsg.crypto.Signer;
import org.fedmsg.policy.TopicPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * The {@link Bus} over JeroMQ: puts its parts together and owns their lifecycle. Publishing is
 * {@link PublishingSocket} (bind or relay connection, ZAP, directory registration) and
 * {@link Outbox} (envelope, policy, signing, hand-off); receiving is {@link SubscriberSide}
 * (subscriber, verification, discovery), {@link Dispatcher} (handlers) and {@link Probes}
 * (readiness).
 */
final class FedmsgBus implements Bus {
  private static final Logger LOG = LoggerFactory.getLogger(FedmsgBus.class);

  private final BusOptions options;
  private final IoThreads io = new IoThreads(1, "bus");
  private final ZContext context = io.context();
  /** Closed last: the policy watcher, trust store and discovery the parts opened. */
  private final List<AutoCloseable> owned = new ArrayList<>();
  /** Null for a bus that does not publish; then so is the outbox. */
  private final PublishingSocket publishing;
  private final Outbox outbox;
  private final Dispatcher dispatcher;
  private final Probes probes;
  private final SubscriberSide subscriberSide;
  /** Critical topics' durable outbox (see {@link CriticalPublishing}); null when this bus keeps none. */
  private final org.fedmsg.reliable.DurableOutbox durable;
  /** fedmsg/1 messages kept for the reference replay protocol ({@link ReferenceReplay}); null when none. */
  private final org.fedmsg.reliable.ReferenceStore reference;
  /** The replay endpoint serving {@link #durable} (and {@link #reference}); null when there is none. */
  private final ReplayEndpoint replay;

  FedmsgBus(BusOptions options) {
    this.options = options;
    boolean publishes = options.active || options.name != null;
    PublishingSocket opened = null;
    Outbox out = null;
    org.fedmsg.reliable.DurableOutbox kept = null;
    org.fedmsg.reliable.ReferenceStore referenceStore = null;
    // Everything opened here (policy watcher, ZAP thread, bound socket, registrar) is closed again
    // if a later step throws, so a bad setting never leaves a port bound or a thread running.
    try {
      Signer signer = publishes ? BusSecurity.resolveSigner(options) : null;
      TopicPolicy policy = publishes ? BusSecurity.resolvePublishPolicy(options, owned) : null;
      if (publishes && options.wireFormat == WireFormat.FEDMSG2 && signer == null) {
        throw new ConfigException("wire_format fedmsg2 needs a signing key (sign_messages and certnames)");
      }
      // Sockets are destroyed with the context's linger: use the configured one so that
      // messages queued just before close() still leave.
      context.setLinger(options.socketOptions.lingerMs());
      if (publishes) {
        kept = CriticalPublishing.openOutbox(options);
        referenceStore = ReferenceReplay.openStore(options);
        opened = PublishingSocket.open(context, options, signer, kept, referenceStore);
        out = new Outbox(options, opened.publisher(), signer, policy, kept, referenceStore);
      }
    } catch (RuntimeException | Error e) {
      if (opened != null) {
        opened.close();
      }
      if (kept != null) {
        kept.close();
      }
      if (referenceStore != null) {
        referenceStore.close();
      }
      io.close();
      closeOwned();
      throw e;
    }
    this.publishing = opened;
    this.outbox = out;
    this.durable = kept;
    this.reference = referenceStore;
    this.replay = opened == null ? null : opened.replay();
    this.dispatcher = new Dispatcher(options.listener);
    this.probes = new Probes(options.topicPrefix);
    this.subscriberSide = new SubscriberSide(options, context, owned, dispatcher, probes);
  }

  @Override
  public Message publish(String topic, Object msg) {
    return publish(options.modnameRule.guess(), topic, msg);
  }

  @Override
  public Message publish(String modname, String topic, Object msg) {
    if (outbox == null) {
      throw new IllegalStateException("this bus has no publisher: set a name with endpoints, or active");
    }
    return outbox.publish(modname, topic, msg);
  }

  @Override
  public Message publishForwarded(String fullTopic, Object msg, String msgId,
      Map<String, ? extends com.fasterxml.jackson.databind.JsonNode> extraFields) {
    if (outbox == null) {
      throw new IllegalStateException("this bus has no publisher: set a name with endpoints, or active");
    }
    return outbox.publishForwarded(fullTopic, msg, msgId, extraFields);
  }

  @Override
  public String publisherEndpoint() {
    return publishing == null ? null : publishing.endpoint();
  }

  @Override
  public Subscription subscribe(String topicPrefix, MessageHandler handler) {
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    Objects.requireNonNull(handler, "handler");
    ZmqSubscriber sub = subscriberSide.open();
    BusSubscription subscription =
        new BusSubscription(dispatcher.add(topicPrefix, handler), dispatcher, subscriberSide, probes);
    sub.subscribe(topicPrefix);
    return subscription;
  }

  @Override
  public java.util.Optional<String> replayEndpoint() {
    return replay == null ? java.util.Optional.empty() : java.util.Optional.of(replay.endpoint());
  }

  @Override
  public org.fedmsg.reliable.ReplayStats replayStats() {
    return replay == null ? org.fedmsg.reliable.ReplayStats.NONE : replay.stats();
  }

  @Override
  public List<org.fedmsg.discovery.Endpoint> replayEndpoints() {
    return subscriberSide.replayEndpoints();
  }

  @Override
  public Set<String> connectedEndpoints() {
    return subscriberSide.connections();
  }

  @Override
  public BusStats stats() {
    long published = outbox == null ? 0 : outbox.published();
    long failures = outbox == null ? 0 : outbox.failures();
    long curveRefused = publishing == null ? 0 : publishing.curveRefused();
    ZmqPublisher pub = publishing == null ? null : publishing.publisher();
    long pubNudges = pub == null ? 0 : pub.handshakeNudges();
    long sentFull = pub == null ? 0 : pub.signaturesFull();
    long sentCompact = pub == null ? 0 : pub.signaturesCompact();
    Receiver r = subscriberSide.receiver();
    if (r == null) {
      return new BusStats(published, failures, 0, 0, 0, 0, Map.of(), Map.of()).withCurve(0, curveRefused)
          .withHandshakeNudges(pubNudges).withCompact(sentFull, sentCompact, 0, 0, 0);
    }
    org.fedmsg.wire.MessageVerifier v = subscriberSide.verifier();
    RejectionLog rejections = r.rejections();
    return new BusStats(published, failures, r.received(), dispatcher.delivered(), dispatcher.handlerErrors(),
        r.gaps(), rejections.byReason(), rejections.byCause())
        .withCurve(subscriberSide.handshakeFailures(), curveRefused)
        .withPeerDisconnects(subscriberSide.peerDisconnects())
        .withGapFill(subscriberSide.gapFilled(), subscriberSide.lost())
        .withHandshakeNudges(pubNudges + subscriberSide.handshakeNudges())
        .withCompact(sentFull, sentCompact, v == null ? 0 : v.compactChainKnown(), v == null ? 0 : v.compactChainWaited(),
            v == null ? 0 : v.compactChainUnknown());
  }

  @Override
  public java.util.List<org.fedmsg.reliable.LostRange> lostRanges() {
    return subscriberSide.recentLosses();
  }

  @Override
  public void close() {
    if (!subscriberSide.markClosed()) {
      return;
    }
    if (publishing != null) {
      publishing.withdraw();
    }
    subscriberSide.close();
    if (publishing != null) {
      publishing.close();
    }
    io.close();
    if (durable != null) {
      durable.close();
    }
    if (reference != null) {
      reference.close();
    }
    closeOwned();
  }

  /**
   * The fedmsg/1 messages this publisher keeps for the reference replay protocol, or null: what
   * the replay endpoint's reference queries are answered from ({@link
   * org.fedmsg.reliable.ReferenceQueries}).
   */
  org.fedmsg.reliable.ReferenceStore referenceStore() {
    return reference;
  }

  /** The subscriber's fedmsg/1 gap fill by the reference replay protocol, or null when none runs. */
  ReferenceGapFill referenceGaps() {
    return subscriberSide.referenceGaps();
  }

  private void closeOwned() {
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("closing {}: {}", resource, e.toString());
      }
    }
  }
}
