package org.fedmsg;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.fedmsg.crypto.LogText;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.wire.MessageVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every receiving component (bus subscriber, relay, hub) does with a multipart message:
 * decode, verify, and either accept it or count, log and report the rejection.
 */
final class Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(Receiver.class);

  private final BusOptions options;
  private final Inbound inbound;
  private final RejectionLog rejections;
  private final LongAdder received = new LongAdder();

  private final LongAdder gaps = new LongAdder();
  private volatile boolean fillsGaps;

  /** @param verifier null when validation is off */
  Receiver(BusOptions options, org.fedmsg.wire.MessageVerifier verifier) {
    this.options = options;
    this.rejections = new RejectionLog(options.clock);
    this.inbound = new Inbound(options.validateSignatures, verifier);
  }

  /**
   * @param probeSink receives probe answers (never delivered as messages); may be null
   * @return the accepted message, or null when it was a probe answer or was rejected
   */
  Message accept(List<byte[]> frames, Consumer<Message> probeSink) {
    return complete(prepare(frames), probeSink);
  }

  /** The checks that depend on the message alone; thread-safe, any order (see {@link ParallelReceiver}). */
  Inbound.Pending prepare(List<byte[]> frames) {
    try {
      return inbound.prepare(frames);
    } catch (RuntimeException e) {
      return Inbound.Pending.done(Inbound.Outcome.reject(Reason.MALFORMED, "internal", e.toString(), ""));
    }
  }

  /**
   * An accepted message and where it sits in its publisher's sequence (fedmsg/2 with a verified
   * signature; else {@code signerKey}, {@code epoch} are null; {@code fingerprint} is the signer's
   * certificate's whenever the signature was verified, fedmsg/1 included).
   *
   * @param missed sequence numbers of this publisher's epoch skipped just before it
   */
  record Accepted(Message message, long missed, String signerKey, String fingerprint, String epoch, long seq) {}

  /** The order-dependent checks, counting and reporting: in arrival order, one at a time. */
  Message complete(Inbound.Pending pending, Consumer<Message> probeSink) {
    Accepted a = completeAccepted(pending, probeSink, false);
    return a == null ? null : a.message();
  }

  /**
   * {@link #complete} telling where the message sits in its publisher's sequence.
   *
   * @param fill the message was fetched by replay to fill a gap (see {@link GapFill})
   * @return null when it was a probe answer or was rejected
   */
  Accepted completeAccepted(Inbound.Pending pending, Consumer<Message> probeSink, boolean fill) {
    received.increment();
    Inbound.Outcome outcome;
    long start = System.nanoTime();
    try {
      outcome = inbound.complete(pending, fill);
    } catch (RuntimeException e) {
      outcome = Inbound.Outcome.reject(Reason.MALFORMED, "internal", e.toString(), "");
    }
    long checkNanos = System.nanoTime() - start;
    if (outcome.probe()) {
      if (probeSink != null) {
        probeSink.accept(outcome.message());
      }
      return null;
    }
    if (outcome.rejection() == null && outcome.message().format() != WireFormat.FEDMSG2
        && options.criticalTopics.matches(outcome.message().topic())) {
      // A fedmsg/1 message has no epoch or seq: its loss could not be seen, so it is not critical traffic.
      outcome = Inbound.Outcome.reject(Reason.UNSUPPORTED_CRYPTO, "critical-not-fedmsg2",
          "a critical topic (critical_topics) arrived in fedmsg/1; critical messages must be fedmsg/2",
          outcome.message().topic(), outcome.message().bodyTree()).signedBy(outcome.message().signer().orElse(null));
    }
    if (outcome.rejection() != null) {
      reject(outcome.rejection(), outcome.signer(), outcome.msgId());
      return null;
    }
    if (outcome.missed() > 0) {
      gaps.add(outcome.missed());
    }
    if (outcome.missed() > 0 && !fillsGaps) {
      RejectionLog.AUDIT.warn("gap: {} message(s) of the publisher signing as {} were lost before {} (peer {})",
          outcome.missed(), LogText.escape(outcome.message().signer().orElse("?")),
          LogText.escape(outcome.message().topic()), LogText.escape(ZmqSubscriber.deliveringPeer()));
    }
    try {
      options.listener.messageAccepted(outcome.message(), checkNanos);
    } catch (RuntimeException e) {
      LOG.warn("bus listener failed: {}", e.toString());
    }
    MessageVerifier.Prepared p = pending.prepared;
    if (p == null || p.signerKey() == null) {
      // fedmsg/1: no sequence, but the certificate's fingerprint names the publisher in a reference replay loss
      return new Accepted(outcome.message(), outcome.missed(), null, p == null ? null : p.signerFingerprint(), null, 0);
    }
    return new Accepted(outcome.message(), outcome.missed(), p.signerKey(), p.signerFingerprint(), p.epoch(), p.seq());
  }

  /** Gaps are filled (and their losses reported) by a {@link GapFill}: no "lost" audit line here. */
  void fillsGaps(boolean on) {
    this.fillsGaps = on;
  }

  Message accept(List<byte[]> frames) {
    return accept(frames, null);
  }

  private void reject(Rejection rejection, String signer, String msgId) {
    rejections.record(rejection, signer, msgId, ZmqSubscriber.deliveringPeer());
    try {
      options.listener.messageRejected(rejection);
    } catch (RuntimeException e) {
      LOG.warn("bus listener failed: {}", e.toString());
    }
  }

  /** fedmsg/2 sequence numbers skipped by publishers: messages lost on the way. */
  long gaps() {
    return gaps.sum();
  }

  long received() {
    return received.sum();
  }

  BusStats stats(long forwarded, long forwardRefused) {
    return new BusStats(0, forwardRefused, received.sum(), forwarded, 0, gaps.sum(), rejections.byReason(), rejections.byCause());
  }

  RejectionLog rejections() {
    return rejections;
  }
}
