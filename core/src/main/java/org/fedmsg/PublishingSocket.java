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

  private PublishingSocket(ZmqPublisher publisher, ZapHandler zap, DirectoryRegistrar registrar) {
    this.publisher = publisher;
    this.zap = zap;
    this.registrar = registrar;
  }

  /**
   * Binds (or, for an active publisher, connects to the relay), then registers. Everything
   * opened here is closed again if a later step throws, so a bad setting never leaves a port
   * bound or a thread running.
   *
   * @param signer signs the directory registration; null when the bus does not sign
   */
  static PublishingSocket open(ZContext context, BusOptions options, Signer signer) {
    List<String> candidates = options.active ? List.of(options.relayInbound) : options.endpoints.get(options.name);
    String name = options.name == null ? "relay_inbound" : options.name;
    ZapHandler zap = null;
    ZmqPublisher publisher = null;
    DirectoryRegistrar registrar = null;
    try {
      if (options.curve.enabled() && !options.active) {
        zap = ZapHandler.start(context, options.curve.allowedClients().orElse(null), name);
      }
      publisher = ZmqPublisher.open(context, options.socketOptions, options.curve, name, candidates, options.active);
      if (options.wireFormat == WireFormat.FEDMSG2) {
        publisher.compacting(options.compactor());
      }
      registrar = BusDiscovery.registrar(options, signer, publisher.endpoint());
      if (registrar != null) {
        registrar.start();
      }
      return new PublishingSocket(publisher, zap, registrar);
    } catch (RuntimeException | Error e) {
      new PublishingSocket(publisher, zap, registrar).close();
      throw e;
    }
  }

  ZmqPublisher publisher() {
    return publisher;
  }

  String endpoint() {
    return publisher.endpoint();
  }

  /** CURVE clients the ZAP handler turned away. */
  long curveRefused() {
    return zap == null ? 0 : zap.refused();
  }

  /** Withdraws the directory registration (first on close, while the socket still answers). */
  void withdraw() {
    if (registrar != null) {
      registrar.close();
    }
  }

  void close() {
    withdraw();
    if (publisher != null) {
      publisher.close();
    }
    if (zap != null) {
      zap.close();
    }
  }
}
