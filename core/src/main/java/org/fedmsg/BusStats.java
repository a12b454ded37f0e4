package org.fedmsg;

import java.util.Map;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * A snapshot of a bus's counters.
 *
 * @param published messages handed to the publishing socket
 * @param publishFailures messages the publishing socket refused to queue (a bound publisher's hand-off
 *     queue at its high-water mark, or closed) or a connecting publisher gave up at close; drops at a
 *     subscriber's high-water mark on an XPUB socket are silent in ZeroMQ and not counted
 * @param received multipart messages read from subscribing sockets, good or bad
 * @param delivered messages that passed every check and matched at least one subscription
 * @param handlerErrors exceptions thrown by handlers
 * @param gaps fedmsg/2 messages known lost: sequence numbers publishers skipped on the way here
 * @param rejectedByReason rejections per reason (reasons never seen are absent)
 * @param rejectedByCause rejections per {@code REASON/cause}
 * @param curveHandshakeFailures CURVE handshakes of this process's subscribing sockets that failed or
 *     were cut off by the publisher (wrong server key, or our key refused)
 * @param curveRefusals CURVE clients refused by the ZAP handler of this process's CURVE servers
 * @param peerDisconnects connections of this process's receiving sockets that ended, for any
 *     reason: a peer that went away, broke the protocol or sent a frame over {@code
 *     max_message_size} (JeroMQ reports them alike)
 * @param gapsFilled fedmsg/2 messages of gaps that were fetched from a replay endpoint and delivered
 *     (critical bus, see {@code docs/reliability.md})
 * @param lost sequence numbers of gaps that could not be filled and were reported lost ({@link
 *     BusListener#onLoss}): missing at the replay endpoint, endpoint unreachable, or refused by
 *     verification; also fedmsg/1 {@code seq_id}s the reference replay protocol could not fetch
 * @param handshakeNudges times a connecting socket's ZMTP greeting stalled and the I/O threads were
 *     nudged to recover it ({@code docs/architecture.md}, "JeroMQ's stalled handshake"); 0 for
 *     bound sockets, which do not stall
 * @param signaturesFull fedmsg/2 signature frames sent with the certificate chain in full ({@code
 *     wire_compact}; a bus without it counts neither form)
 * @param signaturesCompact fedmsg/2 signature frames sent compact, the chain named by its digest
 * @param compactChainKnown compact frames received whose chain the verifier already knew
 * @param compactChainWaited compact frames received whose chain was verified in full on another
 *     thread just before ({@code verify_threads}): found when the message was completed
 * @param compactChainUnknown compact frames received whose chain was never seen in full: refused
 *     ({@code UNTRUSTED_CHAIN}, cause {@code unknown-certificate})
 */
public record BusStats(
    long published,
    long publishFailures,
    long received,
    long delivered,
    long handlerErrors,
    long gaps,
    Map<Reason, Long> rejectedByReason,
    Map<String, Long> rejectedByCause,
    long curveHandshakeFailures,
    long curveRefusals,
    long peerDisconnects,
    long gapsFilled,
    long lost,
    long handshakeNudges,
    long signaturesFull,
    long signaturesCompact,
    long compactChainKnown,
    long compactChainWaited,
    long compactChainUnknown) {

  public BusStats {
    rejectedByReason = Map.copyOf(rejectedByReason);
    rejectedByCause = Map.copyOf(rejectedByCause);
  }

  /** Counters without handshake nudges and compact frames. */
  public BusStats(long published, long publishFailures, long received, long delivered, long handlerErrors,
      long gaps, Map<Reason, Long> rejectedByReason, Map<String, Long> rejectedByCause, long curveHandshakeFailures,
      long curveRefusals, long peerDisconnects, long gapsFilled, long lost) {
    this(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason, rejectedByCause,
        curveHandshakeFailures, curveRefusals, peerDisconnects, gapsFilled, lost, 0, 0, 0, 0, 0, 0);
  }

  /** Counters without gap fill. */
  public BusStats(long published, long publishFailures, long received, long delivered, long handlerErrors,
      long gaps, Map<Reason, Long> rejectedByReason, Map<String, Long> rejectedByCause, long curveHandshakeFailures,
      long curveRefusals, long peerDisconnects) {
    this(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason, rejectedByCause,
        curveHandshakeFailures, curveRefusals, peerDisconnects, 0, 0);
  }

  /** Counters without CURVE events. */
  public BusStats(long published, long publishFailures, long received, long delivered, long handlerErrors,
      long gaps, Map<Reason, Long> rejectedByReason, Map<String, Long> rejectedByCause) {
    this(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason, rejectedByCause,
        0, 0, 0);
  }

  /** Counters without peer disconnects. */
  public BusStats(long published, long publishFailures, long received, long delivered, long handlerErrors,
      long gaps, Map<Reason, Long> rejectedByReason, Map<String, Long> rejectedByCause, long curveHandshakeFailures,
      long curveRefusals) {
    this(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason, rejectedByCause,
        curveHandshakeFailures, curveRefusals, 0);
  }

  /** A copy with the CURVE counters set. */
  BusStats withCurve(long handshakeFailures, long refusals) {
    return new BusStats(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason,
        rejectedByCause, handshakeFailures, refusals, peerDisconnects, gapsFilled, lost, handshakeNudges, signaturesFull,
        signaturesCompact, compactChainKnown, compactChainWaited, compactChainUnknown);
  }

  /** A copy with the peer disconnect count set. */
  BusStats withPeerDisconnects(long disconnects) {
    return new BusStats(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason,
        rejectedByCause, curveHandshakeFailures, curveRefusals, disconnects, gapsFilled, lost, handshakeNudges,
        signaturesFull, signaturesCompact, compactChainKnown, compactChainWaited, compactChainUnknown);
  }

  /** A copy with the gap fill counters set. */
  BusStats withGapFill(long filled, long lostSeqs) {
    return new BusStats(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason,
        rejectedByCause, curveHandshakeFailures, curveRefusals, peerDisconnects, filled, lostSeqs, handshakeNudges,
        signaturesFull, signaturesCompact, compactChainKnown, compactChainWaited, compactChainUnknown);
  }

  /** A copy with the handshake nudge count set. */
  BusStats withHandshakeNudges(long nudges) {
    return new BusStats(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason,
        rejectedByCause, curveHandshakeFailures, curveRefusals, peerDisconnects, gapsFilled, lost, nudges,
        signaturesFull, signaturesCompact, compactChainKnown, compactChainWaited, compactChainUnknown);
  }

  /** A copy with the compact frame counters set: sent full and compact, received by how the chain was found. */
  BusStats withCompact(long sentFull, long sentCompact, long chainKnown, long chainWaited, long chainUnknown) {
    return new BusStats(published, publishFailures, received, delivered, handlerErrors, gaps, rejectedByReason,
        rejectedByCause, curveHandshakeFailures, curveRefusals, peerDisconnects, gapsFilled, lost, handshakeNudges,
        sentFull, sentCompact, chainKnown, chainWaited, chainUnknown);
  }

  /** Total rejections over all reasons. */
  public long rejected() {
    return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Rejections for one reason (0 when none). */
  public long rejected(Reason reason) {
    return rejectedByReason.getOrDefault(reason, 0L);
  }
}
