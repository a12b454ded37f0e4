package org.fedmsg;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.LogText;
import org.fedmsg.discovery.curve.ZapHandler;
import org.fedmsg.reliable.DurableOutbox;
import org.fedmsg.reliable.ReplayServer;
import org.fedmsg.reliable.ReplaySource;
import org.fedmsg.reliable.ReplayStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * The replay endpoint of a process ({@code replay_endpoints[<name>]}), put on the same footing
 * as its publish socket: same ZeroMQ context, same CURVE server key, same ZAP handler (and so the
 * same {@code curve.allowed_clients}).
 */
final class ReplayEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayEndpoint.class);

  private final ReplayServer server;
  /** Null unless this endpoint had to start the context's ZAP handler itself (an active publisher). */
  private final ZapHandler zap;

  private ReplayEndpoint(ReplayServer server, ZapHandler zap) {
    this.server = server;
    this.zap = zap;
  }

  /**
   * The replay endpoint of a publisher: serves its own outbox. Null when {@code replay_endpoints}
   * has no entry for its name (or it keeps no outbox: logged, since the entry then promises more
   * than the process keeps).
   *
   * @param zapRunning whether the context already has a ZAP handler (a bound CURVE publisher's)
   */
  static ReplayEndpoint forPublisher(ZContext context, BusOptions options, org.fedmsg.crypto.Signer signer,
      DurableOutbox outbox, boolean zapRunning) {
    String url = url(options, options.name);
    if (url == null) {
      return null;
    }
    if (outbox == null || signer == null) {
      LOG.warn("replay_endpoints has an entry for '{}' but it keeps no durable outbox (it needs a name, "
          + "critical_topics, state_dir and wire_format fedmsg2): no replay endpoint", LogText.escape(options.name));
      return null;
    }
    String own = sha256(signer.certificate());
    ReplaySource source = s -> s.equals(own) ? outbox : null;
    return start(context, options, options.name, url, source, zapRunning);
  }

  /** The replay endpoint of a relay named {@code name}: serves its outboxes per upstream signer. Null without an entry. */
  static ReplayEndpoint forRelay(ZContext context, BusOptions options, String name, ReplaySource source,
      boolean zapRunning) {
    String url = url(options, name);
    return url == null ? null : start(context, options, name, url, source, zapRunning);
  }

  private static String url(BusOptions options, String name) {
    if (options.config == null || name == null) {
      return null;
    }
    return options.config.replayEndpoints().get(name);
  }

  private static ReplayEndpoint start(ZContext context, BusOptions options, String name, String url,
      ReplaySource source, boolean zapRunning) {
    CurveKeyPair key = null;
    ZapHandler zap = null;
    if (options.curve.enabled()) {
      key = options.curve.serverKeyPair("the replay endpoint of '" + name + "'");
      if (!zapRunning) {
        zap = ZapHandler.start(context, options.curve.allowedClients().orElse(null), name + "-replay");
      }
    }
    try {
      ReplayServer server = ReplayServer.start(context, ZmqPublisher.bindAddress(url), key, name, source,
          options.config.replayLimits());
      return new ReplayEndpoint(server, zap);
    } catch (RuntimeException e) {
      if (zap != null) {
        zap.close();
      }
      if (e instanceof ConfigException) {
        throw e;
      }
      throw new TransportException("cannot bind the replay endpoint " + url + " of '" + name + "': " + e.getMessage(),
          e);
    }
  }

  /** Lower-case hex SHA-256 of a certificate's DER: how the replay protocol names a signer. */
  static String sha256(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot hash the certificate: " + e.getMessage(), e);
    }
  }

  String endpoint() {
    return server.endpoint();
  }

  ReplayStats stats() {
    return server.stats();
  }

  long curveRefused() {
    return zap == null ? 0 : zap.refused();
  }

  @Override
  public void close() {
    server.close();
    if (zap != null) {
      zap.close();
    }
  }
}
