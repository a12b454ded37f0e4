package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.fedmsg.crypto.SignerIdentity;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * Live-traffic replay protection: the {@code timestamp} must be within {@code window} of now,
 * and a signer's {@code msg_id} is accepted once. A message accepted at t has a timestamp within
 * [t - window, t + window], so it can pass the window check until t + 2 window: ids are remembered
 * for twice the window (bounded; the oldest are evicted first under pressure).
 */
final class ReplayGuard {
  private final Duration window;
  private final Cache<String, Boolean> seen;

  ReplayGuard(Duration window, long maxIds, Clock clock) {
    this.window = window;
    Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.seen = Caffeine.newBuilder()
        // Maintenance runs on the verifying thread: no hand-off to a pool on every message.
        .executor(Runnable::run)
        .maximumSize(maxIds)
        .expireAfterWrite(window.multipliedBy(2))
        .ticker(ticker)
        .build();
  }

  /** Null if the message passes, else the rejection. Records the id on success. */
  VerificationResult check(JsonNode body, SignerIdentity signer, Instant now) {
    JsonNode ts = body.get("timestamp");
    if (ts == null || ts.isNull()) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW, "no timestamp");
    }
    if (!ts.isNumber() || !Double.isFinite(ts.doubleValue())) {
      return VerificationResult.invalid(Reason.MALFORMED, "timestamp is not a number");
    }
    double skewSeconds = Math.abs(now.toEpochMilli() / 1000.0 - ts.doubleValue());
    if (skewSeconds > window.toMillis() / 1000.0) {
      return VerificationResult.invalid(Reason.OUTSIDE_WINDOW,
          String.format("timestamp %s is %.0f s from now (window %d s)", ts.asText(), skewSeconds, window.toSeconds()));
    }
    JsonNode id = body.get("msg_id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      return VerificationResult.invalid(Reason.MALFORMED, "no msg_id (needed for replay protection)");
    }
    // per signer: a signer cannot suppress another signer's message by pre-empting its id
    String key = signer.fingerprint() + ' ' + id.textValue();
    if (seen.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
      return VerificationResult.invalid(Reason.DUPLICATE, "msg_id " + id.textValue() + " already seen");
    }
    return null;
  }
}
