package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.discovery.Discovery;
import org.fedmsg.discovery.curve.ZapHandler;
import org.fedmsg.discovery.directory.DirectoryRegistrar;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/** The {@link Bus} over JeroMQ. */
final class FedmsgBus implements Bus {
  private static final Logger LOG = LoggerFactory.getLogger(FedmsgBus.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final BusOptions options;
  private final IoThreads io = new IoThreads(1, "bus");
  private final ZContext context = io.context();
  private final ZmqPublisher publisher;
  private final AtomicLong counter = new AtomicLong();
  /**
   * Created with the subscriber: a bus that only publishes (fedmsg logger, a relay's heartbeat)
   * never loads a trust store, so it cannot fail on a CA it will never use.
   */
  private volatile Receiver receiver;
  private final Signer signer;
  private final TopicPolicy publishPolicy;
  private final Fedmsg2.Stamper stamper = Fedmsg2.Stamper.start();
  private final List<AutoCloseable> owned = new java.util.ArrayList<>();
  private final List<HandlerSubscription> subscriptions = new CopyOnWriteArrayList<>();
  private final Map<String, Set<String>> probes = new ConcurrentHashMap<>();
  private final LongAdder published = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder handlerErrors = new LongAdder();
  private final Object subscriberLock = new Object();
  private volatile ZmqSubscriber subscriber;
  private DirectoryRegistrar registrar;
  private ZapHandler zap;
  private volatile boolean activeReady;
  private volatile boolean closed;

  FedmsgBus(BusOptions options) {
    this.options = options;
    boolean publishing = options.active || options.name != null;
    Signer resolvedSigner = null;
    TopicPolicy resolvedPolicy = null;
    ZmqPublisher opened = null;
    // Everything opened here (policy watcher, ZAP thread, bound socket, registrar) is closed again
    // if a later step throws, so a bad setting never leaves a port bound or a thread running.
    try {
      resolvedSigner = publishing ? BusSecurity.resolveSigner(options) : null;
      resolvedPolicy = publishing ? BusSecurity.resolvePublishPolicy(options, owned) : null;
      if (publishing && options.wireFormat == WireFormat.FEDMSG2 && resolvedSigner == null) {
        throw new ConfigException("wire_format fedmsg2 needs a signing key (sign_messages and certnames)");
      }
      // Sockets are destroyed with the context's linger: use the configured one so that
      // messages queued just before close() still leave.
      context.setLinger(options.socketOptions.lingerMs());
      if (publishing) {
        List<String> candidates = options.active ? List.of(options.relayInbound) : options.endpoints.get(options.name);
        String name = options.name == null ? "relay_inbound" : options.name;
        if (options.curve.enabled() && !options.active) {
          this.zap = ZapHandler.start(context, options.curve.allowedClients().orElse(null), name);
        }
        opened = ZmqPublisher.open(context, options.socketOptions, options.curve, name, candidates,
            options.active);
        this.registrar = BusDiscovery.registrar(options, resolvedSigner, opened.endpoint());
        if (registrar != null) {
          registrar.start();
        }
      }
    } catch (RuntimeException | Error e) {
      closeAfterFailedStart(opened);
      throw e;
    }
    this.signer = resolvedSigner;
    this.publishPolicy = resolvedPolicy;
    this.publisher = opened;
  }

  private void closeAfterFailedStart(ZmqPublisher opened) {
    if (registrar != null) {
      registrar.close();
    }
    if (opened != null) {
      opened.close();
    }
    if (zap != null) {
      zap.close();
    }
    io.close();
    closeOwned();
  }

  /* --------------- publish --------------- */

  @Override
  public Message publish(String topic, Object msg) {
    return publish(options.modnameRule.guess(), topic, msg);
  }

  @Override
  public Message publish(String modname, String topic, Object msg) {
    if (publisher == null) {
      throw new IllegalStateException("this bus has no publisher: set a name with endpoints, or active");
    }
    String fullTopic = Topic.build(options.topicPrefix, options.environment, modname, topic);
    return publishEnvelope(fullTopic, msg, null, Map.of());
  }

  @Override
  public Message publishForwarded(String fullTopic, Object msg, String msgId, Map<String, ? extends JsonNode> extra) {
    if (publisher == null) {
      throw new IllegalStateException("this bus has no publisher: set a name with endpoints, or active");
    }
    Objects.requireNonNull(msgId, "msgId");
    if (fullTopic == null || fullTopic.isEmpty() || !fullTopic.startsWith(options.topicPrefix + ".")) {
      throw new IllegalArgumentException("topic must start with " + options.topicPrefix + ".: " + fullTopic);
    }
    for (String name : extra.keySet()) {
      if (ENVELOPE_FIELDS.contains(name)) {
        throw new IllegalArgumentException("'" + name + "' is an envelope field the bus sets");
      }
    }
    return publishEnvelope(fullTopic, msg, msgId, extra);
  }

  /** Fields the bus itself writes; forwarded messages may not set them. */
  private static final Set<String> ENVELOPE_FIELDS = Set.of("topic", "msg", "timestamp", "msg_id", "i", "username",
      "crypto", "signature", "certificate", "epoch", "seq");

  private Message publishEnvelope(String fullTopic, Object msg, String msgId, Map<String, ? extends JsonNode> extra) {
    if (publishPolicy != null && signer != null) {
      publishPolicy.requireAllowed(fullTopic, signer.commonName());
    }
    ObjectNode body = envelope(fullTopic, Json.payload(msg), counter.incrementAndGet());
    if (msgId != null) {
      body.put("msg_id", msgId);
    }
    extra.forEach(body::set);
    byte[][] frames;
    if (options.wireFormat == WireFormat.FEDMSG2) {
      synchronized (stamper) {
        // fedmsg/2 sequence numbers must reach the socket in the order they were stamped.
        frames = encode(fullTopic, body);
        send(fullTopic, frames);
      }
    } else {
      // fedmsg/1 has no sequence: threads sign in parallel and only the hand-off is serialised.
      frames = encode(fullTopic, body);
      send(fullTopic, frames);
    }
    String signedBy = signer == null ? null : signer.commonName();
    return new Message(fullTopic, body, frames[1], options.wireFormat, signedBy, frames.length == 3 ? frames[2] : null);
  }

  private ObjectNode envelope(String fullTopic, JsonNode msg, long i) {
    ObjectNode body = Json.object();
    body.put("topic", fullTopic);
    body.set("msg", msg);
    body.put("timestamp", options.clock.millis() / 1000);
    int year = options.clock.instant().atZone(ZoneId.systemDefault()).getYear();
    body.put("msg_id", year + "-" + UUID.randomUUID());
    body.put("i", i);
    body.put("username", options.username);
    return body;
  }

  private void send(String fullTopic, byte[][] frames) {
    awaitRelayIfActive();
    if (!publisher.send(frames)) {
      publishFailures.increment();
      throw new TransportException("ZeroMQ refused the message on " + fullTopic + " (hand-off queue full or closed)");
    }
    published.increment();
  }

  /** The frames for a body; signs it (adding the signature fields to {@code body}) when signing. */
  private byte[][] encode(String fullTopic, ObjectNode body) {
    if (options.wireFormat == WireFormat.FEDMSG2) {
      stamper.stamp(body);
      return Fedmsg2.encode(fullTopic, body, signer);
    }
    byte[] topicFrame = fullTopic.getBytes(StandardCharsets.UTF_8);
    if (signer == null) {
      return new byte[][] {topicFrame, Json.canonical(body)};
    }
    ObjectNode signed = Fedmsg1.sign(body, signer);
    body.setAll(signed);
    return new byte[][] {topicFrame, Fedmsg1.wireBody(signed)};
  }

  private void awaitRelayIfActive() {
    if (!options.active || activeReady) {
      return;
    }
    try {
      if (!publisher.awaitSubscriber(options.activeConnectTimeout)) {
        throw new TransportException(relayNotSubscribed());
      }
      activeReady = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while waiting for the relay", e);
    }
  }

  /**
   * Why an active publisher got no subscription from the relay. A CURVE mismatch looks the same
   * as a missing relay from this side (ZeroMQ drops a failed handshake silently), so name both.
   */
  private String relayNotSubscribed() {
    String head = "no subscription from the relay at " + options.relayInbound + " within "
        + options.activeConnectTimeout.toMillis() + " ms: ";
    if (options.curve.enabled()) {
      return head + "the CURVE handshake likely failed (or no relay runs there): check that the relay has CURVE on, "
          + "that endpoints.relay_inbound gives the relay's public key as curve_server_key, "
          + "and that the relay admits this client's key (its curve.allowed_clients)";
    }
    return head + "is fedmsg relay running? If the relay has CURVE on, a plain client's handshake fails silently: "
        + "set curve.enabled here and give the relay's public key as curve_server_key under endpoints.relay_inbound";
  }

  @Override
  public String publisherEndpoint() {
    return publisher == null ? null : publisher.endpoint();
  }

  /* --------------- subscribe --------------- */

  @Override
  public Subscription subscribe(String topicPrefix, MessageHandler handler) {
    java.util.Objects.requireNonNull(topicPrefix, "topicPrefix");
    java.util.Objects.requireNonNull(handler, "handler");
    ZmqSubscriber sub = subscriber();
    HandlerSubscription subscription = new HandlerSubscription(topicPrefix, handler);
    subscriptions.add(subscription);
    sub.subscribe(topicPrefix);
    return subscription;
  }

  private ZmqSubscriber subscriber() {
    ZmqSubscriber sub = subscriber;
    if (sub != null) {
      return sub;
    }
    synchronized (subscriberLock) {
      if (closed) {
        throw new IllegalStateException("bus is closed");
      }
      if (subscriber == null) {
        receiver = new Receiver(options, BusSecurity.resolveVerifier(options, owned));
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
          if (options.discovery == null) {
            owned.add(found);
          }
        }
        subscriber = created;
      }
      return subscriber;
    }
  }

  @Override
  public Set<String> connectedEndpoints() {
    ZmqSubscriber sub = subscriber;
    return sub == null ? Set.of() : sub.connections();
  }

  /** Runs on the receiving thread for every multipart message. */
  private void onFrames(List<byte[]> frames) {
    Message message = receiver.accept(frames, this::recordProbeAnswer);
    if (message != null) {
      dispatch(message);
    }
  }

  private void dispatch(Message message) {
    boolean matched = false;
    for (HandlerSubscription s : subscriptions) {
      if (!message.topic().startsWith(s.prefix)) {
        continue;
      }
      matched = true;
      try {
        s.handler.onMessage(message);
      } catch (Exception | LinkageError | AssertionError e) {
        handlerErrors.increment();
        LOG.warn("handler for '{}' failed on {}: {}", s.prefix, message, e.toString());
        try {
          options.listener.handlerFailed(message, e);
        } catch (RuntimeException ignored) {
          // a failing listener must not stop delivery either
        }
      }
    }
    if (matched) {
      delivered.increment();
    }
  }

  private void recordProbeAnswer(Message answer) {
    String topic = answer.topic();
    String nonce = topic.substring(topic.lastIndexOf('.') + 1);
    Set<String> seen = probes.get(nonce);
    if (seen != null) {
      JsonNode id = answer.bodyTree().path("msg").path("publisher");
      synchronized (seen) {
        seen.add(id.asText("?"));
        seen.notifyAll();
      }
    }
  }

  private TrustStore ownedTrustStore() {
    for (AutoCloseable resource : owned) {
      if (resource instanceof TrustStore trust) {
        return trust;
      }
    }
    return null;
  }

  private static String randomHex() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /* --------------- stats and lifecycle --------------- */

  @Override
  public BusStats stats() {
    Receiver r = receiver;
    if (r == null) {
      return new BusStats(published.sum(), publishFailures.sum(), 0, 0, 0, 0, Map.of(), Map.of())
          .withCurve(0, zap == null ? 0 : zap.refused());
    }
    RejectionLog rejections = r.rejections();
    return new BusStats(published.sum(), publishFailures.sum(), r.received(), delivered.sum(),
        handlerErrors.sum(), r.gaps(), rejections.byReason(), rejections.byCause())
        .withCurve(subscriber == null ? 0 : subscriber.handshakeFailures(), zap == null ? 0 : zap.refused());
  }

  @Override
  public void close() {
    synchronized (subscriberLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (registrar != null) {
      registrar.close();
    }
    if (subscriber != null) {
      subscriber.close();
    }
    if (publisher != null) {
      publisher.close();
    }
    if (zap != null) {
      zap.close();
    }
    io.close();
    closeOwned();
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

  private final class HandlerSubscription implements Subscription {
    final String prefix;
    final MessageHandler handler;

    HandlerSubscription(String prefix, MessageHandler handler) {
      this.prefix = prefix;
      this.handler = handler;
    }

    @Override
    public String topicPrefix() {
      return prefix;
    }

    @Override
    public boolean awaitReady(Duration timeout) throws InterruptedException {
      ZmqSubscriber sub = subscriber();
      String nonce = randomHex();
      String probeTopic = options.topicPrefix + ZmqPublisher.PROBE_MARKER + nonce;
      Set<String> seen = new java.util.HashSet<>();
      probes.put(nonce, seen);
      sub.subscribe(probeTopic);
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        synchronized (seen) {
          // With no publisher known yet (discovery still looking) nothing can be confirmed.
          while (sub.connections().isEmpty() || seen.size() < sub.connections().size()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              return false;
            }
            seen.wait(Math.max(1, left / 1_000_000));
          }
          return true;
        }
      } finally {
        probes.remove(nonce);
        sub.unsubscribe(probeTopic);
      }
    }

    @Override
    public void close() {
      if (subscriptions.remove(this)) {
        ZmqSubscriber sub = subscriber;
        if (sub != null && subscriptions.stream().noneMatch(s -> s.prefix.equals(prefix))) {
          sub.unsubscribe(prefix);
        }
      }
    }
  }
}
