package org.fedmsg;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.LogText;
import org.fedmsg.discovery.curve.ZapHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * {@code fedmsg relay}: a SUB socket bound on {@code relay_inbound} that short-lived processes
 * (such as {@code fedmsg logger}) connect their publishers to, and a publisher bound on the first
 * free {@code relay_outbound} endpoint that everyone else subscribes to.
 *
 * <p>Frames are forwarded verbatim (a fedmsg/2 signature frame in full or compact form, by the
 * outbound's own subscribers: {@code wire_compact}), so signatures survive the hop in both wire formats (the
 * reference relay re-serialises bodies; receivers re-canonicalise, so both work for fedmsg/1).
 * When validation is on, the relay runs the same checks as a subscriber and forwards only what
 * passes: a relay is where forged or unauthorized messages are best stopped.
 */
public final class Relay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  private final IoThreads io = new IoThreads(1, "relay");
  private final ZContext context = io.context();
  private static final String RELAY_OUTBOUND = "relay_outbound";
  private final ZmqPublisher outbound;
  private final ZmqSubscriber inbound;
  private final Receiver receiver;
  private final ParallelReceiver pipeline;
  /** Fills gaps of upstream signers on critical topics; null without critical topics. */
  private final GapFill gapFill;
  private final org.fedmsg.wire.MessageVerifier verifier;
  private ZapHandler zap;
  private org.fedmsg.discovery.directory.DirectoryRegistrar registrar;
  private final LongAdder forwarded = new LongAdder();
  /** Accepted messages the outbound publisher refused to queue (its hand-off queue full): lost. */
  private final LongAdder forwardRefused = new LongAdder();
  private final List<AutoCloseable> owned = new java.util.ArrayList<>();
  /** The outboxes per upstream signer; null when the relay keeps none. */
  private final RelayOutboxes outboxes;
  /** The replay endpoint serving {@link #outboxes}; null when there is none. */
  private ReplayEndpoint replay;

  private Relay(BusOptions options, List<String> outboundEndpoints) {
    this.verifier = BusSecurity.resolveVerifier(options, "relay", owned);
    this.receiver = new Receiver(options, verifier);
    this.pipeline = new ParallelReceiver(receiver, options.verifyThreads, this::forward, null, "relay");
    // the relay is a critical subscriber of its inbound side: each hop fills its own gaps
    this.gapFill = GapFillSetup.gapFill(options, receiver, verifier, pipeline, (f, a) -> forward(f, a.message()), null,
        "relay");
    this.outboxes = RelayOutboxes.open(options, RELAY_OUTBOUND, verifier != null);
    if (outboxes != null && verifier != null) {
      // A restarted relay continues its upstream signers' sequences where its outboxes end: what
      // they sent while it was down (or just before it died, not yet kept) is then a gap, filled
      // from their replay endpoints, instead of being tracked afresh and never asked for.
      // Unlike a durable subscriber, the relay does not ask for the rest of an old epoch when a
      // signer comes back with a new one: each `fedmsg logger` run is an epoch of its own, with no
      // replay endpoint, and asking would report losses that are none.
      List<GapFillPositions.Position> resumed = outboxes.resumePositions();
      for (GapFillPositions.Position p : resumed) {
        verifier.resumeAt(p.signerKey(), p.epoch(), p.seq());
      }
      if (!resumed.isEmpty()) {
        LOG.info("relay resumes the sequences of {} upstream signer(s) from its outboxes", resumed.size());
      }
    }
    context.setLinger(options.socketOptions.lingerMs());
    CurveOptions curve = options.curve;
    ZmqPublisher out = null;
    ZmqSubscriber in = null;
    try {
      this.zap = curve.enabled()
          ? ZapHandler.start(context, curve.allowedClients().orElse(null), "relay") : null;
      out = ZmqPublisher.open(context, options.socketOptions, curve, "relay_outbound", outboundEndpoints, false)
          .compacting(options.compactor());
      this.outbound = out;  // before the inbound socket exists: onFrames forwards to it
      in = new ZmqSubscriber(context, options.socketOptions, curve, options.relayInbound, this::onFrames, "relay");
      this.inbound = in;  // subscribed to everything before it bound (ZmqSubscriber)
      if (outboxes != null) {
        this.replay = ReplayEndpoint.forRelay(context, options, RELAY_OUTBOUND, outboxes, curve.enabled());
      } else if (options.config != null && options.config.replayEndpoints().containsKey(RELAY_OUTBOUND)) {
        LOG.warn("replay_endpoints has an entry for relay_outbound but the relay keeps no outbox (it needs "
            + "critical_topics, state_dir and validation): no replay endpoint");
      }
      this.registrar = registrar(options, out.endpoint(), replay == null ? null : replay.endpoint());
    } catch (RuntimeException e) {
      if (replay != null) {
        replay.close();
      }
      if (outboxes != null) {
        outboxes.close();
      }
      if (in != null) {
        in.close();
      }
      if (out != null) {
        out.close();
      }
      if (zap != null) {
        zap.close();
      }
      io.close();
      throw e;
    }
    LOG.info("relay: inbound {} -> outbound {}{}", inbound.boundEndpoint(), outbound.endpoint(),
        curve.enabled() ? " (CURVE, server key " + curve.keyPair().orElseThrow().publicKeyZ85() + ")" : "");
  }

  /**
   * Starts a relay: binds {@code options.relayInbound()} and the first free endpoint of
   * {@code endpoints["relay_outbound"]}.
   *
   * @throws ConfigException when there is no {@code relay_outbound} endpoint
   * @throws TransportException when the sockets cannot be bound
   */
  public static Relay start(BusOptions options) {
    List<String> out = options.endpoints().get("relay_outbound");
    if (out == null || out.isEmpty()) {
      throw new ConfigException("endpoints.relay_outbound is not configured");
    }
    return new Relay(options, out);
  }

  /**
   * Like every binding component, the relay registers what it binds: {@code relay_outbound},
   * signed with the certificate {@code certnames["relay.<short host>"]} (or {@code <cert_prefix>.<short host>}),
   * when the configuration has a {@code directory} discovery source. Null otherwise.
   */
  private static org.fedmsg.discovery.directory.DirectoryRegistrar registrar(BusOptions options, String bound,
      String replayBound) {
    if (!BusDiscovery.hasDirectory(options.config)) {
      return null;
    }
    org.fedmsg.crypto.Signer signer;
    try {
      signer = options.signer != null ? options.signer
          : Certnames.signer(options.config, "relay." + Certnames.shortHostname(), false);
    } catch (ConfigException e) {
      throw new ConfigException("the relay registers relay_outbound with the directory (discovery type "
          + "directory) and signs the registration: " + e.getMessage().replace("sign_messages is on but ", ""), e);
    }
    org.fedmsg.discovery.directory.DirectoryRegistrar r = BusDiscovery.registrar(options, signer, RELAY_OUTBOUND, bound,
        replayBound);
    if (r != null) {
      r.start();
    }
    return r;
  }

  private void onFrames(List<byte[]> frames) {
    pipeline.submit(frames);
  }

  /** In arrival order, one at a time (see {@link ParallelReceiver}). */
  private void forward(List<byte[]> frames, Message accepted) {
    if (frames.size() == 3 && org.fedmsg.wire.Fedmsg2.isCompact(frames.get(2))) {
      // the accepted message holds the full form when the chain was checked here: the outbox
      // keeps, and the outbound gets, self-contained frames (the outbound compacts again by its
      // own subscribers' rule, so a new subscriber gets the chain in full)
      frames = accepted.frames();
    }
    if (outboxes != null) {
      // Kept before it is forwarded: a crash after this line loses nothing a replay cannot serve.
      outboxes.record(frames, accepted);
    }
    if (outbound.send(frames.toArray(new byte[0][]))) {
      forwarded.increment();
    } else {
      // Counted, so the loss shows in status and as fedmsg_publish_failures_total{component="relay"}.
      forwardRefused.increment();
      LOG.warn("relay: outbound refused {}", LogText.escape(accepted.topic()));
    }
  }

  /** The inbound endpoint actually bound. */
  public String inboundEndpoint() {
    return inbound.boundEndpoint();
  }

  /** The outbound endpoint actually bound. */
  public String outboundEndpoint() {
    return outbound.endpoint();
  }

  /** The replay endpoint actually bound (serving the outboxes per upstream signer), if any. */
  public java.util.Optional<String> replayEndpoint() {
    return replay == null ? java.util.Optional.empty() : java.util.Optional.of(replay.endpoint());
  }

  /** The counters of the relay's replay endpoint ({@link org.fedmsg.reliable.ReplayStats#NONE} without one). */
  public org.fedmsg.reliable.ReplayStats replayStats() {
    return replay == null ? org.fedmsg.reliable.ReplayStats.NONE : replay.stats();
  }

  /** Critical messages kept in the outboxes per upstream signer so far. */
  public long outboxKept() {
    return outboxes == null ? 0 : outboxes.kept();
  }

  /** Messages forwarded so far. */
  public long forwarded() {
    return forwarded.sum();
  }

  /**
   * Connections to the inbound socket that ended, for any reason (a peer that sent a frame over
   * {@code max_message_size} among them), so far; also {@link BusStats#peerDisconnects()}.
   */
  public long peerDisconnects() {
    return inbound.peerDisconnects();
  }

  /**
   * Whether the relay still works: false once one of its ZeroMQ I/O threads has died (logged; a
   * {@code fedmsg relay} process then exits non-zero).
   */
  public boolean healthy() {
    return io.failure() == null;
  }

  /** Counters of what the relay received and rejected. */
  public BusStats stats() {
    return receiver.stats(forwarded.sum(), forwardRefused.sum()).withCurve(0, zap == null ? 0 : zap.refused())
        .withPeerDisconnects(inbound.peerDisconnects())
        .withGapFill(gapFill == null ? 0 : gapFill.filled(), gapFill == null ? 0 : gapFill.lost())
        .withHandshakeNudges(inbound.handshakeNudges() + outbound.handshakeNudges())
        .withCompact(outbound.signaturesFull(), outbound.signaturesCompact(),
            verifier == null ? 0 : verifier.compactChainKnown(), verifier == null ? 0 : verifier.compactChainWaited(),
            verifier == null ? 0 : verifier.compactChainUnknown());
  }

  /**
   * The CRL bookkeeping of the relay's trust store (loads, refused replacements and why), for its
   * heartbeat and {@code fedmsg status}; empty when the relay does not validate.
   */
  public java.util.Optional<org.fedmsg.crypto.TrustStore.CrlStatus> crlStatus() {
    return verifier == null || verifier.trust() == null ? java.util.Optional.empty()
        : java.util.Optional.of(verifier.trust().crlStatus());
  }

  @Override
  public void close() {
    if (registrar != null) {
      registrar.close();
    }
    inbound.close();
    if (gapFill != null) {
      gapFill.close();
    }
    pipeline.close();
    if (replay != null) {
      replay.close();
    }
    outbound.close();
    if (zap != null) {
      zap.close();
    }
    io.close();
    if (outboxes != null) {
      outboxes.close();
    }
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("closing {}: {}", resource, e.toString());
      }
    }
  }
}
