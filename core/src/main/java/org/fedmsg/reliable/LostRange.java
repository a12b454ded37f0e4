package org.fedmsg.reliable;

import java.util.Objects;

/**
 * Critical-bus messages that were missed and could not be fetched: reported once, with the
 * publisher and the exact range.
 *
 * @param signer the publisher's certificate common name
 * @param fingerprint SHA-256 of the publisher's certificate (DER, lower-case hex); may be null for
 *     a fedmsg/1 publisher (reference replay) whose certificate was not verified
 * @param epoch the publisher's epoch; empty for a fedmsg/1 publisher (reference replay, {@code
 *     seq_id}s)
 * @param range the sequence numbers lost
 * @param reason {@code missing}, {@code unreachable}, {@code no-endpoint}, {@code refused} or
 *     {@code overflow} (see {@code BusListener.onLoss})
 */
public record LostRange(String signer, String fingerprint, String epoch, SeqRange range, String reason) {
  public LostRange {
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(epoch, "epoch");
    Objects.requireNonNull(range, "range");
    Objects.requireNonNull(reason, "reason");
  }
}
