package org.fedmsg;

import java.util.Objects;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * Why a received message was dropped.
 *
 * @param reason the check that failed
 * @param cause a short, stable name for the precise cause within the reason, used to count and to
 *     rate-limit logging (e.g. {@code frame-count}, {@code not-utf8}, {@code not-json})
 * @param detail human-readable detail for local logs; never sent to peers
 * @param topic the topic frame as far as it could be read, or {@code ""}
 */
public record Rejection(Reason reason, String cause, String detail, String topic) {
  public Rejection {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(topic, "topic");
  }
}
