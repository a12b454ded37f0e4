package org.fedmsg;

/**
 * An active publisher (one that connects to a relay) waits before its first send until the
 * relay's subscription has arrived on its socket, instead of sleeping and hoping; after that,
 * sends go straight out.
 */
final class RelayHandshake {
  private final BusOptions options;
  private final ZmqPublisher publisher;
  private volatile boolean ready;

  RelayHandshake(BusOptions options, ZmqPublisher publisher) {
    this.options = options;
    this.publisher = publisher;
  }

  /** @throws TransportException when no subscription arrives within {@code activeConnectTimeout} */
  void await() {
    if (ready) {
      return;
    }
    try {
      if (!publisher.awaitSubscriber(options.activeConnectTimeout)) {
        throw new TransportException(notSubscribed());
      }
      ready = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while waiting for the relay", e);
    }
  }

  /**
   * Why an active publisher got no subscription from the relay. A CURVE mismatch looks the same
   * as a missing relay from this side (ZeroMQ drops a failed handshake silently), so name both.
   */
  private String notSubscribed() {
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
}
