package org.fedmsg;

import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.discovery.curve.ZapHandler;
import org.fedmsg.discovery.directory.DirectoryRegistrar;
import org.zeromq.ZContext;

/**
 * The publishing socket of a bus and what guards and announces it: the ZAP handler that admits
 * CURVE clients to a bound socket, and the directory registration of its endpoint.
 */
final class PublishingSocket {
  private final ZmqPublisher publisher;
  /** Null unless CURVE is on and the socket is bound (an active publisher is a CURVE client). */
  private final ZapHandler zap;
  /** Null unless the configuration has a directory to register with. */
  private final DirectoryRegistrar registrar;
  /** Null unless {@code replay_endpoints} has an entry for this publisher (and it keeps an outbox). */
  private final ReplayEndpoint replay;

  private PublishingSocket(ZmqPublisher publisher, ZapHandler zap, DirectoryRegistrar registrar,
      ReplayEndpoint replay) {
    this.publisher = publisher;
    this.zap = zap;
    this.registrar = registrar;
    this.replay = replay;
  }

  /**
   * Binds (or, for an active publisher, connects to the relay), then registers. Everything
   * opened here is closed again if a later step throws, so a bad setting never leaves a port
   * bound or a thread running.
   *
   * @param signer signs the directory registration; null when the bus does not sign
   * @param outbox the durable outbox the replay endpoint serves; null when the bus keeps none
   */
  static PublishingSocket open(ZContext context, BusOptions options, Signer signer,
      org.fedmsg.reliable.DurableOutbox outbox) {
    List<String> candidates = options.active ? List.of(options.relayInbound) : options.endpoints.get(options.name);
    String name = options.name == null ? "relay_inbound" : options.name;
    ZapHandler zap = null;
    ZmqPublisher publisher = null;
    DirectoryRegistrar registrar = null;
    ReplayEndpoint replay = null;
    try {
      if (options.curve.enabled() && !options.active) {
        zap = ZapHandler.start(context, options.curve.allowedClients().orElse(null), name);
      }
      publisher = ZmqPublisher.open(context, options.socketOptions, options.curve, name, candidates, options.active);
      // The ZAP handler (started above for a bound CURVE publisher) guards the replay socket too.
      replay = ReplayEndpoint.forPublisher(context, options, signer, outbox, zap != null);
      registrar = BusDiscovery.publisherRegistrar(options, signer, publisher.endpoint(),
          replay == null ? null : replay.endpoint());
      if (registrar != null) {
        registrar.start();
      }
      return new PublishingSocket(publisher, zap, registrar, replay);
    } catch (RuntimeException | Error e) {
      new PublishingSocket(publisher, zap, registrar, replay).close();
      throw e;
    }
  }

  ZmqPublisher publisher() {
    return publisher;
  }

  String endpoint() {
    return publisher.endpoint();
  }

  /** CURVE clients the ZAP handler turned away (the publish socket's, or the replay socket's own). */
  long curveRefused() {
    return (zap == null ? 0 : zap.refused()) + (replay == null ? 0 : replay.curveRefused());
  }

  /** The replay endpoint, or null. */
  ReplayEndpoint replay() {
    return replay;
  }

  /** Withdraws the directory registration (first on close, while the socket still answers). */
  void withdraw() {
    if (registrar != null) {
      registrar.close();
    }
  }

  void close() {
    withdraw();
    if (replay != null) {
      replay.close();
    }
    if (publisher != null) {
      publisher.close();
    }
    if (zap != null) {
      zap.close();
    }
  }
}
