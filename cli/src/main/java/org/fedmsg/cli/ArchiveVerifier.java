package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.config.TrustSettings;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.wire.MessageVerifier;

/**
 * Verifies archived messages from their frames "as of" their signing time (or a fixed instant):
 * a certificate that has expired since still verifies what it signed while it was valid. Used by
 * {@code fedmsg store import} and {@code fedmsg replay}. No replay window: archives repeat by nature.
 */
final class ArchiveVerifier implements AutoCloseable {
  private final TrustStore trust;
  private final Instant at;

  private ArchiveVerifier(TrustStore trust, Instant at) {
    this.trust = trust;
    this.at = at;
  }

  /**
   * @param ca the CA bundle, or null for the configuration's trust settings
   * @param at a fixed instant to judge certificates at, or null for each message's signing time
   */
  static ArchiveVerifier create(FedmsgConfig config, Path ca, Path crl, Instant at) {
    TrustOptions.Builder b = ca == null ? TrustSettings.options(config) : TrustOptions.builder().ca(ca);
    if (crl != null) {
      b.crl(crl);
    }
    b.backgroundRefresh(false);
    return new ArchiveVerifier(TrustStore.create(b.build()), at);
  }

  VerificationResult verify(List<byte[]> frames, Instant signedAt) {
    try (MessageVerifier v = MessageVerifier.builder().trust(trust).asOf(at != null ? at : signedAt).build()) {
      return v.verify(frames);
    }
  }

  /** The body's {@code timestamp} as an instant, or now when it has none. */
  static Instant signingTime(JsonNode body) {
    JsonNode ts = body == null ? null : body.get("timestamp");
    if (ts == null || !ts.isNumber() || !Double.isFinite(ts.doubleValue()) || Math.abs(ts.doubleValue()) > 1e11) {
      return Instant.now();
    }
    double s = ts.doubleValue();
    long whole = (long) Math.floor(s);
    return Instant.ofEpochSecond(whole, Math.round((s - whole) * 1e9));
  }

  @Override
  public void close() {
    trust.close();
  }
}
