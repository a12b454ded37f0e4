package org.fedmsg.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.BusStats;
import org.fedmsg.Relay;
import org.fedmsg.status.Heartbeat;

/**
 * The relay's heartbeat: an active publisher connected to the relay's own inbound socket sends
 * {@code <prefix>.<env>.relay_outbound._heartbeat} through the relay, so a heartbeat seen
 * downstream also proves the forwarding path works. Signed like any active publisher's message
 * (when {@code sign_messages} is set), and checked by the relay like any other.
 */
final class RelayHeartbeat implements AutoCloseable {
  static final String NAME = "relay_outbound";

  private final Bus bus;
  private final Heartbeat heartbeat;

  private RelayHeartbeat(Bus bus, Heartbeat heartbeat) {
    this.bus = bus;
    this.heartbeat = heartbeat;
  }

  /**
   * @param options the relay's options (topic prefix, environment, signing) as read from the configuration
   * @throws org.fedmsg.BusException if the publisher cannot be created
   */
  static RelayHeartbeat start(Relay relay, BusOptions.Builder options, Duration interval) {
    org.fedmsg.CurveOptions curve = options.build().curve();
    if (curve.enabled() && curve.keyPair().isPresent() && !curve.serverKeys().containsKey(relay.inboundEndpoint())) {
      // The heartbeat talks to its own relay, whose CURVE key it holds: no need to configure it
      // for the bound address (which differs from the configured one with an ephemeral port).
      org.fedmsg.CurveOptions.Builder withOwnKey = org.fedmsg.CurveOptions.builder().keyPair(curve.keyPair().get());
      curve.serverKeys().forEach(withOwnKey::serverKey);
      curve.plainEndpoints().forEach(withOwnKey::plainEndpoint);
      options.curve(withOwnKey.serverKey(relay.inboundEndpoint(), curve.keyPair().get().publicKeyZ85()).build());
    }
    Bus bus = Bus.create(options.name(null).active(true).relayInbound(relay.inboundEndpoint()).build());
    try {
      Heartbeat heartbeat = Heartbeat.start(bus, NAME, interval, () -> {
        BusStats stats = relay.stats();
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        extra.put("kind", "relay");
        extra.put("endpoint", relay.outboundEndpoint());
        extra.put("inbound", relay.inboundEndpoint());
        extra.put("received", stats.received());
        extra.put("forwarded", relay.forwarded());
        extra.put("published", relay.forwarded());
        extra.put("rejected", stats.rejected());
        extra.put("peer_disconnects", stats.peerDisconnects());
        extra.put("handshake_nudges", stats.handshakeNudges());
        relay.crlStatus().filter(org.fedmsg.crypto.TrustStore.CrlStatus::configured).ifPresent(crl -> {
          ObjectNode c = extra.putObject("crl");
          c.put("loads", crl.loads());
          c.put("refused", crl.refused());
          c.put("last_refusal", crl.lastRefusal());
          c.put("problem", crl.problem());
        });
        extra.set("rejected_by_reason", org.fedmsg.status.Heartbeat.byReason(stats));
        return extra;
      });
      return new RelayHeartbeat(bus, heartbeat);
    } catch (RuntimeException e) {
      bus.close();
      throw e;
    }
  }

  Heartbeat heartbeat() {
    return heartbeat;
  }

  @Override
  public void close() {
    heartbeat.close();
    bus.close();
  }
}
