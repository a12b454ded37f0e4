package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.policy.TopicPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks received messages of either wire format, in this order, each failure with its own
 * {@link Reason}: well-formed ({@code MALFORMED}), format accepted and crypto known ({@code
 * UNSUPPORTED_CRYPTO}), signed ({@code UNSIGNED}), certificate chain, validity and revocation,
 * algorithm strength, signature (all via {@link TrustStore}), frame topic equals signed topic
 * ({@code TOPIC_MISMATCH}), replay window on {@code timestamp} ({@code OUTSIDE_WINDOW}),
 * duplicate {@code msg_id} or fedmsg/2 {@code seq} ({@code DUPLICATE}), then the topic policy
 * ({@code NOT_AUTHORIZED}, with the policy's explanation as the detail).
 *
 * <p>Two modes: <b>live</b> (the default: certificates judged at the clock's now, replay window
 * and duplicate/sequence tracking on) and <b>as of</b> an instant ({@link Builder#asOf}: for
 * archives replayed on purpose and offline checks; no replay window, no duplicate or sequence
 * tracking).
 *
 * <p>Thread-safe; never throws for bad input. Example:
 *
 * <pre>{@code
 * MessageVerifier verifier = MessageVerifier.builder().trust(store).policy(policy).build();
 * MessageVerifier.Verdict v = verifier.check(frames);      // frames as received
 * if (v.result() instanceof VerificationResult.Invalid inv) { ... inv.reason() ... }
 * }</pre>
 */
public final class MessageVerifier {
  private static final Logger log = LoggerFactory.getLogger(MessageVerifier.class);
  /** Default replay window: ten minutes either side of now. */
  public static final Duration DEFAULT_REPLAY_WINDOW = Duration.ofMinutes(10);
  /** Default bound on remembered message ids. */
  public static final long DEFAULT_SEEN_IDS = 100_000;
  /** Default bound on tracked (signer, epoch) sequences. */
  public static final long DEFAULT_SEQUENCES = 10_000;

  private final TrustStore trust;
  private final TopicPolicy policy;
  private final Clock clock;
  private final Instant asOf;
  private final Set<WireFormat> formats;
  private final ReplayGuard replay;
  private final SequenceTracker sequences;

  /** The trust store signatures are checked against; null when none was given. */
  public TrustStore trust() {
    return trust;
  }

  private MessageVerifier(Builder b) {
    this.trust = b.trust;
    this.policy = b.policy;
    this.clock = b.clock;
    this.asOf = b.asOf;
    this.formats = Set.copyOf(b.formats);
    boolean windowOn = asOf == null && b.window != null && !b.window.isZero();
    this.replay = windowOn ? new ReplayGuard(b.window, b.seenIds, clock) : null;
    this.sequences = asOf == null ? new SequenceTracker(b.sequences) : null;
  }

  /** A builder; {@link Builder#trust} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The outcome of {@link #check}: the result plus what was decoded, so that the caller does not
   * parse the frames again.
   *
   * @param result valid with the signer, or invalid with the reason; never null
   * @param format the wire format by frame count, or null if neither (2 or 3 frames)
   * @param topic the topic frame as text, or null if it was not UTF-8 or absent
   * @param body the parsed body, or null if it could not be parsed; the caller owns it
   * @param missed fedmsg/2 only: how many sequence numbers of this publisher's epoch were skipped
   *     just before this message (0 for the first message seen of an epoch, for fedmsg/1 and for
   *     rejected messages)
   */
  public record Verdict(VerificationResult result, WireFormat format, String topic, ObjectNode body, long missed) {
    /** Checks that the result is not null. */
    public Verdict {
      Objects.requireNonNull(result, "result");
    }
  }

  /**
   * Checks a message as received: 2 frames are fedmsg/1, 3 frames fedmsg/2.
   *
   * @param frames the frames; null or any other count is {@code MALFORMED}
   * @return the verdict; never null, never throws
   */
  public Verdict check(List<byte[]> frames) {
    try {
      if (frames == null || (frames.size() != 2 && frames.size() != 3) || hasNull(frames)) {
        return new Verdict(VerificationResult.invalid(Reason.MALFORMED,
            "expected 2 (fedmsg/1) or 3 (fedmsg/2) frames, got " + (frames == null ? "none" : frames.size())),
            null, null, null, 0);
      }
      return frames.size() == 2 ? checkFedmsg1(frames) : checkFedmsg2(frames);
    } catch (RuntimeException e) {
      // a bug or a resource problem, never a reason to let bad input escape as an exception
      log.warn("unexpected failure while verifying a message", e);
      return new Verdict(VerificationResult.invalid(Reason.MALFORMED, "verification failed: " + e), null, null, null, 0);
    }
  }

  private static boolean hasNull(List<byte[]> frames) {
    for (byte[] f : frames) {
      if (f == null) {
        return true;
      }
    }
    return false;
  }

  /** {@code check(frames).result()}. */
  public VerificationResult verify(List<byte[]> frames) {
    return check(frames).result();
  }

  /**
   * Checks a fedmsg/1 body that the caller has already parsed (e.g. with {@link
   * CanonicalJson#parse(byte[])}).
   *
   * @param frameTopic the topic frame as text, or null when there is no frame (an archived or
   *     offline message): then the topic check is skipped
   * @param body the parsed body
   * @return the result; never null, never throws
   */
  public VerificationResult verify(String frameTopic, JsonNode body) {
    try {
      if (!formats.contains(WireFormat.FEDMSG1)) {
        return VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "wire format fedmsg1 is not accepted");
      }
      Instant at = instant();
      VerificationResult r = Fedmsg1.checkSignature(body, trust, at);
      if (!(r instanceof VerificationResult.Valid v)) {
        return r;
      }
      JsonNode topic = body.get("topic");
      if (frameTopic != null && (topic == null || !topic.isTextual() || !topic.textValue().equals(frameTopic))) {
        return VerificationResult.invalid(Reason.TOPIC_MISMATCH,
            "frame topic '" + frameTopic + "' differs from signed topic " + (topic == null ? "(none)" : topic));
      }
      if (replay != null) {
        VerificationResult rejected = replay.check(body, v.signer(), at);
        if (rejected != null) {
          return signedBy(rejected, v);
        }
      }
      return Fedmsg1.authorize(policy, topic, v);
    } catch (RuntimeException e) {
      log.warn("unexpected failure while verifying a message", e);
      return VerificationResult.invalid(Reason.MALFORMED, "verification failed: " + e);
    }
  }

  /** The instant certificates are judged at. */
  Instant instant() {
    return asOf != null ? asOf : clock.instant();
  }

  private Verdict checkFedmsg1(List<byte[]> frames) {
    String topic = CanonicalJson.strictUtf8(frames.get(0));
    if (topic == null) {
      return new Verdict(VerificationResult.invalid(Reason.MALFORMED, "topic frame is not UTF-8"),
          WireFormat.FEDMSG1, null, null, 0);
    }
    ObjectNode body;
    try {
      JsonNode parsed = CanonicalJson.parse(frames.get(1));
      if (!(parsed instanceof ObjectNode o)) {
        return new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not a JSON object"),
            WireFormat.FEDMSG1, topic, null, 0);
      }
      body = o;
    } catch (IllegalArgumentException e) {
      return new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not JSON: " + e.getMessage()),
          WireFormat.FEDMSG1, topic, null, 0);
    }
    return new Verdict(verify(topic, body), WireFormat.FEDMSG1, topic, body, 0);
  }

  private Verdict checkFedmsg2(List<byte[]> frames) {
    byte[] topicBytes = frames.get(0);
    byte[] bodyBytes = frames.get(1);
    String topic = CanonicalJson.strictUtf8(topicBytes);
    if (topic == null) {
      return fail2(Reason.MALFORMED, "topic frame is not UTF-8", null, null);
    }
    if (!formats.contains(WireFormat.FEDMSG2)) {
      return fail2(Reason.UNSUPPORTED_CRYPTO, "wire format fedmsg2 is not accepted", topic, null);
    }
    SignatureFrame sf;
    try {
      sf = SignatureFrame.parse(frames.get(2));
    } catch (IllegalArgumentException e) {
      return fail2(Reason.MALFORMED, "signature frame: " + e.getMessage(), topic, null);
    }
    Optional<SignatureAlgorithm> alg = SignatureAlgorithm.fromWireName(sf.algorithm);
    if (alg.isEmpty()) {
      return fail2(Reason.UNSUPPORTED_CRYPTO, "unknown signature algorithm '" + sf.algorithm + "'", topic, null);
    }
    ObjectNode body;
    try {
      JsonNode parsed = CanonicalJson.parse(bodyBytes);
      if (!(parsed instanceof ObjectNode o)) {
        return fail2(Reason.MALFORMED, "body is not a JSON object", topic, null);
      }
      body = o;
    } catch (IllegalArgumentException e) {
      return fail2(Reason.MALFORMED, "body is not JSON: " + e.getMessage(), topic, null);
    }
    String problem = Fedmsg2.envelopeProblem(body);
    if (problem != null) {
      return fail2(Reason.MALFORMED, problem, topic, body);
    }
    List<X509Certificate> chain;
    try {
      chain = trust.parseCertificatesCached(sf.chain);
    } catch (RuntimeException e) {
      return fail2(Reason.MALFORMED, "certificate chain: " + e.getMessage(), topic, body);
    }
    if (!StrictCertificates.isExactDer(chain, sf.chain)) {
      // the certificate parser repairs or ignores some non-canonical encodings; fedmsg/2 accepts
      // only exact DER, so that the chain bytes are not malleable
      return fail2(Reason.MALFORMED, "certificate chain is not in canonical DER", topic, body);
    }
    Instant at = instant();
    VerificationResult r = trust.verify(chain, alg.get(), Fedmsg2.signedBytes(alg.get(), topicBytes, bodyBytes),
        sf.signature, at, Profile.STRONG);
    if (!(r instanceof VerificationResult.Valid v)) {
      return new Verdict(r, WireFormat.FEDMSG2, topic, body, 0);
    }
    JsonNode bodyTopic = body.get("topic");
    if (bodyTopic == null || !bodyTopic.isTextual() || !bodyTopic.textValue().equals(topic)) {
      return fail2(Reason.TOPIC_MISMATCH, "frame topic '" + topic + "' differs from body topic "
          + (bodyTopic == null ? "(none)" : bodyTopic), topic, body);
    }
    if (replay != null) {
      VerificationResult rejected = replay.check(body, v.signer(), at);
      if (rejected != null) {
        return new Verdict(signedBy(rejected, v), WireFormat.FEDMSG2, topic, body, 0);
      }
    }
    long missed = 0;
    if (sequences != null) {
      long seq = body.get("seq").longValue();
      missed = sequences.observe(v.signer().fingerprint(), body.get("epoch").textValue(), seq);
      if (missed == SequenceTracker.REPLAY) {
        return fail2(Reason.DUPLICATE, "seq " + seq + " of epoch " + body.get("epoch").textValue()
            + " is not above the last seen", topic, body);
      }
    }
    return new Verdict(Fedmsg1.authorize(policy, bodyTopic, v), WireFormat.FEDMSG2, topic, body, missed);
  }

  /** A rejection after a good signature names the signer (for audit lines). */
  private static VerificationResult signedBy(VerificationResult r, VerificationResult.Valid v) {
    return r instanceof VerificationResult.Invalid inv ? inv.by(v.signer()) : r;
  }

  private static Verdict fail2(Reason reason, String detail, String topic, ObjectNode body) {
    return new Verdict(VerificationResult.invalid(reason, detail), WireFormat.FEDMSG2, topic, body, 0);
  }


  /**
   * Options for a {@link MessageVerifier}. Not thread-safe; {@link #build()} returns an immutable
   * verifier (apart from its replay caches).
   */
  public static final class Builder {
    private TrustStore trust;
    private TopicPolicy policy;
    private Clock clock = Clock.systemUTC();
    private Instant asOf;
    private Duration window = DEFAULT_REPLAY_WINDOW;
    private boolean windowSet;
    private long seenIds = DEFAULT_SEEN_IDS;
    private long sequences = DEFAULT_SEQUENCES;
    private Set<WireFormat> formats = EnumSet.allOf(WireFormat.class);

    private Builder() {}

    /** The CA bundle and CRL (required). The verifier does not close it. */
    public Builder trust(TrustStore store) {
      this.trust = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Who may emit which topic; null (the default) lets every signer emit every topic, as the
     * reference does with an empty {@code routing_policy} and {@code routing_nitpicky: false}.
     * For the reference keys, pass {@link TopicPolicy#fromConfig}.
     */
    public Builder policy(TopicPolicy policy) {
      this.policy = policy;
      return this;
    }

    /** The clock for certificate validity and the replay window (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Judges certificates at {@code instant} instead of now, and turns off the replay window and
     * duplicate/sequence tracking: for archives replayed on purpose and offline checks.
     *
     * @param instant the instant, or null for live mode
     */
    public Builder asOf(Instant instant) {
      this.asOf = instant;
      return this;
    }

    /**
     * How far {@code timestamp} may be from now (either side). Null or zero disables the window
     * and duplicate {@code msg_id} detection.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder replayWindow(Duration window) {
      if (window != null && window.isNegative()) {
        throw new IllegalArgumentException("replay window must not be negative");
      }
      this.window = window;
      this.windowSet = window != null && !window.isZero();
      return this;
    }

    /**
     * How many message ids to remember for duplicate detection (default {@value
     * #DEFAULT_SEEN_IDS}).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder seenIds(long max) {
      if (max <= 0) {
        throw new IllegalArgumentException("seen-id cache size must be positive");
      }
      this.seenIds = max;
      return this;
    }

    /**
     * How many (signer, epoch) sequences to track (default {@value #DEFAULT_SEQUENCES}).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder sequences(long max) {
      if (max <= 0) {
        throw new IllegalArgumentException("sequence cache size must be positive");
      }
      this.sequences = max;
      return this;
    }

    /**
     * The wire formats accepted (default both); others are rejected as {@code
     * UNSUPPORTED_CRYPTO}.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder formats(Set<WireFormat> accepted) {
      if (accepted.isEmpty()) {
        throw new IllegalArgumentException("at least one wire format must be accepted");
      }
      this.formats = EnumSet.copyOf(accepted);
      return this;
    }

    /**
     * The verifier.
     *
     * @throws IllegalStateException if no trust store is set, or both {@link #asOf} and a
     *     non-zero {@link #replayWindow} are set (an archive check has no window)
     */
    public MessageVerifier build() {
      if (trust == null) {
        throw new IllegalStateException("a trust store is required");
      }
      if (asOf != null && windowSet) {
        throw new IllegalStateException("asOf (archive mode) and a replay window exclude each other");
      }
      return new MessageVerifier(this);
    }
  }
}
