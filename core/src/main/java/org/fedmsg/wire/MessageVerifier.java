package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalBody;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.json.StreamingCanonicalJson;
import org.fedmsg.json.MalformedJsonException;
import org.fedmsg.policy.Decision;
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
 * ({@code NOT_AUTHORIZED}, with the policy's explanation as the detail). Replay state is keyed on
 * the signer's public key and records a message only once it has passed every check, policy
 * included; see {@code docs/wire-format.md}.
 *
 * <p>Two modes: <b>live</b> (the default: certificates judged at the clock's now, replay window
 * and duplicate/sequence tracking on) and <b>as of</b> an instant ({@link Builder#asOf}: for
 * archives replayed on purpose and offline checks; no replay window, no duplicate or sequence
 * tracking).
 *
 * <p>Thread-safe; never throws, for bad input or otherwise: an unexpected exception (a bug, or a
 * policy implementation that fails) rejects the message with the cause {@value #INTERNAL}, so that
 * programming errors are counted apart from hostile input. Close it to release the replay
 * memory's files ({@link Builder#stateDirectory}). Example:
 *
 * <pre>{@code
 * MessageVerifier verifier = MessageVerifier.builder().trust(store).policy(policy).build();
 * MessageVerifier.Verdict v = verifier.check(frames);      // frames as received
 * if (v.result() instanceof VerificationResult.Invalid inv) { ... inv.reason() ... }
 * }</pre>
 */
public final class MessageVerifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MessageVerifier.class);
  /** Default replay window: ten minutes either side of now. */
  public static final Duration DEFAULT_REPLAY_WINDOW = Duration.ofMinutes(10);
  /** Default bound on remembered message ids, per signer. */
  public static final long DEFAULT_SEEN_IDS = 100_000;
  /** Default bound on the signers whose message ids are remembered. */
  public static final long DEFAULT_SIGNERS = 10_000;
  /** {@link Verdict#cause()} of a body that repeats a key. */
  public static final String DUPLICATE_KEY = "duplicate-key";
  /**
   * {@link Verdict#cause()} of a compact fedmsg/2 frame whose certificate chain this receiver has
   * not seen in full (reason {@code UNTRUSTED_CHAIN}).
   */
  public static final String UNKNOWN_CERTIFICATE = "unknown-certificate";
  /** {@link Verdict#cause()} of a check that failed with an unexpected exception. */
  public static final String INTERNAL = "internal";
  private static final long INTERNAL_LOG_INTERVAL_MILLIS = 60_000;
  /** Default bound on tracked (signer, epoch) sequences. */
  public static final long DEFAULT_SEQUENCES = 10_000;

  private final TrustStore trust;
  private final TopicPolicy policy;
  private final Clock clock;
  private final Instant asOf;
  private final Set<WireFormat> formats;
  private final ReplayGuard replay;
  private final SequenceTracker sequences;
  private final AtomicLong internalLogged = new AtomicLong(Long.MIN_VALUE);
  /** Chains of verified full fedmsg/2 frames, by SHA-256: what compact frames refer to. */
  private final KnownChains knownChains = new KnownChains();
  // compact fedmsg/2 frames received, by how their chain was found (meters; no allocation per message)
  private final java.util.concurrent.atomic.LongAdder compactKnown = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder compactWaited = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder compactUnknown = new java.util.concurrent.atomic.LongAdder();

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
    this.replay = windowOn ? new ReplayGuard(b.window, b.seenIds, b.signers, clock, b.stateDirectory) : null;
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
   * @param cause null when valid; else a short, stable name of the precise cause for counting: the
   *     reason in lower case with dashes ({@code bad-signature}), or {@value #DUPLICATE_KEY}, or
   *     {@value #INTERNAL}
   */
  public record Verdict(VerificationResult result, WireFormat format, String topic, ObjectNode body, long missed,
      String cause) {
    /** Checks that the result is not null, and that an invalid result has a cause. */
    public Verdict {
      Objects.requireNonNull(result, "result");
      if (result instanceof VerificationResult.Invalid inv && cause == null) {
        cause = causeOf(inv.reason());
      }
    }

    /** A verdict whose cause is its reason's name ({@link #causeOf}). */
    public Verdict(VerificationResult result, WireFormat format, String topic, ObjectNode body, long missed) {
      this(result, format, topic, body, missed, null);
    }
  }

  /** The cause named after a reason: {@code BAD_SIGNATURE} is {@code bad-signature}. */
  public static String causeOf(Reason reason) {
    return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Checks a message as received: 2 frames are fedmsg/1, 3 frames fedmsg/2.
   *
   * @param frames the frames; null or any other count is {@code MALFORMED}
   * @return the verdict; never null, never throws
   */
  public Verdict check(List<byte[]> frames) {
    return complete(prepare(frames));
  }

  /**
   * The first half of {@link #check}: every step that depends on the message alone (parsing,
   * certificate chain, signature, topic, policy). Thread-safe and free of order: messages may be
   * prepared on several threads at once and in any order; then each goes through
   * {@link #complete} in arrival order. {@code check(f)} is {@code complete(prepare(f))}.
   *
   * @return what {@link #complete} needs; never null, never throws
   */
  public Prepared prepare(List<byte[]> frames) {
    try {
      if (frames == null || (frames.size() != 2 && frames.size() != 3) || hasNull(frames)) {
        return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED,
            "expected 2 (fedmsg/1) or 3 (fedmsg/2) frames, got " + (frames == null ? "none" : frames.size())),
            null, null, null, 0));
      }
      return frames.size() == 2 ? prepareFedmsg1(frames) : prepareFedmsg2(frames, false, true);
    } catch (RuntimeException e) {
      return Prepared.done(internal(e, null, null, null));
    }
  }

  /**
   * A compact message prepared before the full frame that carries its chain (verification on
   * several threads): prepared again now, in arrival order, when that chain is known.
   */
  private Prepared resolveDeferred(Prepared p) {
    if (p.deferred == null) {
      return p;
    }
    try {
      p.resolved = prepareFedmsg2(p.deferred, p.deferredRaw, false);
      return p.resolved;
    } catch (RuntimeException e) {
      return Prepared.done(internal(e, WireFormat.FEDMSG2, null, null));
    }
  }

  /**
   * The second half of {@link #check}: the replay window, duplicate {@code msg_id} and fedmsg/2
   * sequence tracking, which depend on the messages seen before. Call it in arrival order, and
   * for messages of one signer from one thread at a time.
   *
   * @return the verdict; never null, never throws
   */
  public Verdict complete(Prepared p) {
    p = resolveDeferred(p);
    if (p.done != null) {
      return p.done;
    }
    try {
      return p.format == WireFormat.FEDMSG1 ? complete1(p) : complete2(p);
    } catch (RuntimeException e) {
      return internal(e, p.format, p.topic, p.object());
    }
  }

  /**
   * A message between {@link #prepare} and {@link #complete}: either a final verdict already, or
   * a good signature waiting for the order-dependent checks. Opaque; immutable once built.
   */
  public static final class Prepared {
    final Verdict done;
    final WireFormat format;
    final String topic;
    final JsonNode body;
    final VerificationResult.Valid valid;
    final String key;
    final Instant at;
    final VerificationResult authorized;
    final RuntimeException authorizeFailure;
    final String epoch;
    final long seq;
    /**
     * A compact fedmsg/2 message whose chain was not known yet when prepared: checked again in
     * {@link #complete}, when every message that arrived before it has been prepared (its chain
     * may be in one of them, verified on another thread). Null otherwise.
     */
    List<byte[]> deferred;
    boolean deferredRaw;
    /** A deferred message once checked again by {@link #complete}: what the accessors report. */
    Prepared resolved;

    private Prepared(Verdict done, WireFormat format, String topic, JsonNode body, VerificationResult.Valid valid,
        String key, Instant at, VerificationResult authorized, RuntimeException authorizeFailure, String epoch,
        long seq) {
      this.done = done;
      this.format = format;
      this.topic = topic;
      this.body = body;
      this.valid = valid;
      this.key = key;
      this.at = at;
      this.authorized = authorized;
      this.authorizeFailure = authorizeFailure;
      this.epoch = epoch;
      this.seq = seq;
    }

    static Prepared done(Verdict verdict) {
      return new Prepared(verdict, null, null, null, null, null, null, null, null, null, 0);
    }

    static Prepared deferred(List<byte[]> frames, boolean raw) {
      Prepared p = new Prepared(null, WireFormat.FEDMSG2, null, null, null, null, null, null, null, null, 0);
      p.deferred = frames;
      p.deferredRaw = raw;
      return p;
    }

    ObjectNode object() {
      return body instanceof ObjectNode o ? o : null;
    }

    /** The signer's key identity (replay and sequence state are keyed on it); null unless a good fedmsg/2 signature. */
    public String signerKey() {
      if (resolved != null) {
        return resolved.signerKey();
      }
      return format == WireFormat.FEDMSG2 ? key : null;
    }

    /** SHA-256 of the signer's certificate (DER, hex): what a replay request names; null unless a good signature. */
    public String signerFingerprint() {
      if (resolved != null) {
        return resolved.signerFingerprint();
      }
      return valid == null ? null : valid.signer().fingerprint();
    }

    /** The fedmsg/2 epoch; null for fedmsg/1 or a final verdict. */
    public String epoch() {
      if (resolved != null) {
        return resolved.epoch();
      }
      return epoch;
    }

    /** The fedmsg/2 seq (0 for fedmsg/1 or a final verdict). */
    public long seq() {
      if (resolved != null) {
        return resolved.seq();
      }
      return seq;
    }

    /** The policy's answer, computed in the first half; a policy that threw throws again here. */
    VerificationResult authorized() {
      if (authorizeFailure != null) {
        throw authorizeFailure;
      }
      return authorized;
    }
  }

  /**
   * A bug or a resource problem: fail closed, but under its own cause, and log the stack trace
   * (at most once a minute, so that input that triggers it cannot flood the log).
   */
  private Verdict internal(RuntimeException e, WireFormat format, String topic, ObjectNode body) {
    long now = System.currentTimeMillis();
    long last = internalLogged.get();
    if ((last == Long.MIN_VALUE || now - last >= INTERNAL_LOG_INTERVAL_MILLIS) && internalLogged.compareAndSet(last, now)) {
      log.error("internal error while verifying a message (rejected; cause {})", INTERNAL, e);
    }
    return new Verdict(VerificationResult.invalid(Reason.MALFORMED, "internal error: " + e), format, topic, body, 0,
        INTERNAL);
  }

  private static boolean hasNull(List<byte[]> frames) {
    for (byte[] f : frames) {
      if (f == null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The full form of a fedmsg/2 signature frame, for whatever stores or forwards a message for
   * others (archives, bridges, relays must hold self-contained frames): a compact frame whose
   * chain this verifier knows becomes the full frame it stands for (the same signature);
   * anything else is returned as it is. Never throws.
   */
  public byte[] fullSignatureFrame(byte[] signatureFrame) {
    if (signatureFrame == null || !SignatureFrame.isCompact(signatureFrame)) {
      return signatureFrame;
    }
    try {
      SignatureFrame sf = SignatureFrame.parse(signatureFrame);
      byte[] chain = knownChains.get(sf.chainDigest);
      return chain == null ? signatureFrame : sf.full(chain);
    } catch (IllegalArgumentException e) {
      return signatureFrame;
    }
  }

  /**
   * Compact fedmsg/2 signature frames checked so far whose certificate chain this verifier knew
   * at once (it had verified the chain in full before). Counted whatever the verdict.
   */
  public long compactChainKnown() {
    return compactKnown.sum();
  }

  /**
   * Compact fedmsg/2 signature frames whose chain was not known when the message was prepared
   * and was found when it was completed: the full frame carrying it arrived just before and was
   * verified on another thread ({@code verify_threads}).
   */
  public long compactChainWaited() {
    return compactWaited.sum();
  }

  /**
   * Compact fedmsg/2 signature frames whose chain this verifier never saw in full: refused
   * ({@code UNTRUSTED_CHAIN}, cause {@value #UNKNOWN_CERTIFICATE}).
   */
  public long compactChainUnknown() {
    return compactUnknown.sum();
  }

  /** {@code check(frames).result()}. */
  public VerificationResult verify(List<byte[]> frames) {
    return check(frames).result();
  }

  /**
   * {@link #check} without building the body's tree, for offline checks and pass-through
   * (a relay forwards frames, an archive keeps them): a fedmsg/1 body is canonicalised straight
   * from the parser's tokens, a fedmsg/2 body only scanned for its envelope fields, and a
   * certificate field whose bytes came with a message that verified is not decoded again. Same
   * checks, order, results and causes as {@link #check}; the difference is what the verdict
   * carries: its {@link Verdict#body()} holds only the top-level envelope fields the checks read
   * ({@code topic}, {@code msg_id}, {@code timestamp}, {@code crypto}; fedmsg/2 also {@code epoch}
   * and {@code seq}), never the payload. Strings among them are as sent; an object or array
   * there is an empty node of its kind.
   *
   * @return the verdict; never null, never throws
   */
  public Verdict checkRaw(List<byte[]> frames) {
    return complete(prepareRaw(frames));
  }

  /** The first half of {@link #checkRaw}; see {@link #prepare} for the contract. */
  public Prepared prepareRaw(List<byte[]> frames) {
    try {
      if (frames == null || (frames.size() != 2 && frames.size() != 3) || hasNull(frames)) {
        return prepare(frames);
      }
      return frames.size() == 2 ? prepareFedmsg1Raw(frames) : prepareFedmsg2(frames, true, true);
    } catch (RuntimeException e) {
      return Prepared.done(internal(e, null, null, null));
    }
  }

  /**
   * Checks a fedmsg/1 body that the caller has already parsed (e.g. with {@link
   * CanonicalJson#parseUnique(byte[])}).
   *
   * @param frameTopic the topic frame as text, or null when there is no frame (an archived or
   *     offline message): then the topic check is skipped
   * @param body the parsed body
   * @return the result; never null, never throws
   */
  public VerificationResult verify(String frameTopic, JsonNode body) {
    return checkParsed(frameTopic, body).result();
  }

  /**
   * {@link #verify(String, JsonNode)} with the {@link Verdict}: its {@link Verdict#cause()} tells
   * an internal error from a rejection of the input.
   *
   * @return the verdict (fedmsg/1; body as given when it is an object); never null, never throws
   */
  public Verdict checkParsed(String frameTopic, JsonNode body) {
    return complete(prepareParsed(frameTopic, body));
  }

  /** {@link #prepare} for a fedmsg/1 body already parsed; see {@link #checkParsed}. */
  public Prepared prepareParsed(String frameTopic, JsonNode body) {
    ObjectNode object = body instanceof ObjectNode o ? o : null;
    try {
      if (!formats.contains(WireFormat.FEDMSG1)) {
        return done1(VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "wire format fedmsg1 is not accepted"),
            frameTopic, object);
      }
      Instant at = instant();
      return afterSignature1(Fedmsg1.checkSignature(body, trust, at), frameTopic, body, object, at,
          () -> Fedmsg1.signerCertificate(body, trust));
    } catch (RuntimeException e) {
      return Prepared.done(internal(e, WireFormat.FEDMSG1, frameTopic, object));
    }
  }

  private static Prepared done1(VerificationResult r, String frameTopic, ObjectNode object) {
    return Prepared.done(new Verdict(r, WireFormat.FEDMSG1, frameTopic, object, 0));
  }

  private Verdict complete1(Prepared p) {
    VerificationResult.Valid v = p.valid;
    if (replay != null) {
      VerificationResult rejected = replay.check(p.body, p.key, p.at);
      if (rejected != null) {
        return new Verdict(signedBy(rejected, v), WireFormat.FEDMSG1, p.topic, p.object(), 0);
      }
    }
    VerificationResult authorized = p.authorized();
    if (replay != null && authorized.isValid()) {
      // recorded only now: a signer the policy refuses cannot fill or flush the memory
      VerificationResult duplicate = replay.record(p.body, p.key, p.at);
      if (duplicate != null) {
        return new Verdict(signedBy(duplicate, v), WireFormat.FEDMSG1, p.topic, p.object(), 0);
      }
    }
    return new Verdict(authorized, WireFormat.FEDMSG1, p.topic, p.object(), 0);
  }

  /**
   * The policy step. Unlike {@link Fedmsg1#authorize}, a policy that throws is not a refusal of
   * the input but an internal error: the exception reaches {@link #internal}.
   */
  private VerificationResult authorize(JsonNode topicNode, VerificationResult.Valid valid) {
    return Fedmsg1.decide(policy, topicNode, valid);
  }


  /** The instant certificates are judged at. */
  Instant instant() {
    return asOf != null ? asOf : clock.instant();
  }

  private Prepared prepareFedmsg1(List<byte[]> frames) {
    String topic = CanonicalJson.strictUtf8(frames.get(0));
    if (topic == null) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "topic frame is not UTF-8"),
          WireFormat.FEDMSG1, null, null, 0));
    }
    ObjectNode body;
    try {
      JsonNode parsed = CanonicalJson.parseUnique(frames.get(1));
      if (!(parsed instanceof ObjectNode o)) {
        return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not a JSON object"),
            WireFormat.FEDMSG1, topic, null, 0));
      }
      body = o;
    } catch (MalformedJsonException e) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not JSON: " + e.getMessage()),
          WireFormat.FEDMSG1, topic, null, 0, e.isDuplicateKey() ? DUPLICATE_KEY : null));
    }
    return prepareParsed(topic, body);
  }

  /**
   * The fedmsg/1 checks after the signature, the same for a tree and a raw body: the frame topic
   * against the signed one (skipped without a frame topic: an offline message), the signer's
   * replay key and the policy.
   *
   * @param signed the signed body (or its envelope fields): its {@code topic} is checked
   * @param object what a rejection's verdict carries
   */
  private Prepared afterSignature1(VerificationResult signature, String frameTopic, JsonNode signed, ObjectNode object,
      Instant at, java.util.function.Supplier<java.security.cert.X509Certificate> signerCertificate) {
    if (!(signature instanceof VerificationResult.Valid v)) {
      return done1(signature, frameTopic, object);
    }
    JsonNode topic = signed.get("topic");
    if (frameTopic != null && (topic == null || !topic.isTextual() || !topic.textValue().equals(frameTopic))) {
      return done1(VerificationResult.invalid(Reason.TOPIC_MISMATCH,
          "frame topic '" + frameTopic + "' differs from signed topic " + (topic == null ? "(none)" : topic)),
          frameTopic, object);
    }
    String key = replay == null ? null : SignerKeys.id(signerCertificate.get());
    VerificationResult authorized = null;
    RuntimeException failure = null;
    try {
      authorized = authorize(topic, v);
    } catch (RuntimeException e) {
      failure = e;
    }
    return new Prepared(null, WireFormat.FEDMSG1, frameTopic, signed, v, key, at, authorized, failure, null, 0);
  }

  /** {@link #prepareFedmsg1} then {@link #prepareParsed}, without a tree: see {@link #checkRaw}. */
  private Prepared prepareFedmsg1Raw(List<byte[]> frames) {
    // the same answer as strictUtf8, without a decoder per message
    String topic = CanonicalJson.isStrictUtf8(frames.get(0))
        ? new String(frames.get(0), java.nio.charset.StandardCharsets.UTF_8) : null;
    if (topic == null) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "topic frame is not UTF-8"),
          WireFormat.FEDMSG1, null, null, 0));
    }
    CanonicalBody body;
    try {
      body = Fedmsg1.RAW_READER.read(frames.get(1));
    } catch (MalformedJsonException e) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not JSON: " + e.getMessage()),
          WireFormat.FEDMSG1, topic, null, 0, e.isDuplicateKey() ? DUPLICATE_KEY : null));
    }
    if (!body.isObject()) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not a JSON object"),
          WireFormat.FEDMSG1, topic, null, 0));
    }
    ObjectNode envelope = body.envelope();
    try {
      if (!formats.contains(WireFormat.FEDMSG1)) {
        return done1(VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "wire format fedmsg1 is not accepted"),
            topic, envelope);
      }
      Instant at = instant();
      return afterSignature1(Fedmsg1.checkSignature(body, trust, at), topic, envelope, envelope, at,
          () -> Fedmsg1.signerCertificate(body, trust));
    } catch (RuntimeException e) {
      return Prepared.done(internal(e, WireFormat.FEDMSG1, topic, envelope));
    }
  }

  /** The envelope fields a fedmsg/2 receiver reads; the signature covers the bytes, not a canonical form. */
  private static final StreamingCanonicalJson FEDMSG2_SCANNER =
      StreamingCanonicalJson.scanner(Set.of("topic", "epoch", "seq", "msg_id", "timestamp"));

  /**
   * fedmsg/2 certificate chain fields by their bytes, with the digest the signature covers: a
   * known chain is neither parsed, nor re-checked for exact DER, nor hashed again.
   */
  private static final CertificateFieldCache FEDMSG2_CHAINS = new CertificateFieldCache();

  /**
   * @param raw read the body with the streaming scanner (see {@link #checkRaw})
   * @param mayDefer whether a compact frame of an unknown chain is left to {@link #complete}
   */
  private Prepared prepareFedmsg2(List<byte[]> frames, boolean raw, boolean mayDefer) {
    byte[] topicBytes = frames.get(0);
    byte[] bodyBytes = frames.get(1);
    String topic = CanonicalJson.strictUtf8(topicBytes);
    if (topic == null) {
      return Prepared.done(fail2(Reason.MALFORMED, "topic frame is not UTF-8", null, null));
    }
    if (!formats.contains(WireFormat.FEDMSG2)) {
      return Prepared.done(fail2(Reason.UNSUPPORTED_CRYPTO, "wire format fedmsg2 is not accepted", topic, null));
    }
    SignatureFrame sf;
    try {
      sf = SignatureFrame.parse(frames.get(2));
    } catch (IllegalArgumentException e) {
      return Prepared.done(fail2(Reason.MALFORMED, "signature frame: " + e.getMessage(), topic, null));
    }
    Optional<SignatureAlgorithm> alg = SignatureAlgorithm.fromWireName(sf.algorithm);
    if (alg.isEmpty()) {
      return Prepared.done(fail2(Reason.UNSUPPORTED_CRYPTO, "unknown signature algorithm '" + sf.algorithm + "'", topic, null));
    }
    ObjectNode body;
    try {
      if (raw) {
        CanonicalBody scanned = FEDMSG2_SCANNER.read(bodyBytes);
        if (!scanned.isObject()) {
          return Prepared.done(fail2(Reason.MALFORMED, "body is not a JSON object", topic, null));
        }
        body = scanned.envelope();
      } else {
        JsonNode parsed = CanonicalJson.parseUnique(bodyBytes);
        if (!(parsed instanceof ObjectNode o)) {
          return Prepared.done(fail2(Reason.MALFORMED, "body is not a JSON object", topic, null));
        }
        body = o;
      }
    } catch (MalformedJsonException e) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.MALFORMED, "body is not JSON: " + e.getMessage()),
          WireFormat.FEDMSG2, topic, null, 0, e.isDuplicateKey() ? DUPLICATE_KEY : null));
    }
    String problem = Fedmsg2.envelopeProblem(body);
    if (problem != null) {
      return Prepared.done(fail2(Reason.MALFORMED, problem, topic, body));
    }
    // compact frame (signature frame version 3): the chain is one this receiver saw in full
    byte[] chainBytes = sf.compact() ? knownChains.get(sf.chainDigest) : sf.chain;
    if (chainBytes == null && mayDefer) {
      return Prepared.deferred(frames, raw);   // counted when resolved (mayDefer is false only then)
    }
    if (sf.compact()) {
      (chainBytes == null ? compactUnknown : mayDefer ? compactKnown : compactWaited).increment();
    }
    if (chainBytes == null) {
      return Prepared.done(new Verdict(VerificationResult.invalid(Reason.UNTRUSTED_CHAIN,
          "compact signature frame names certificate chain " + HexFormat.of().formatHex(sf.chainDigest, 0, 8)
          + "..., not seen in full by this receiver yet (its publisher sends it in full again within"
          + " compact.full_every)"), WireFormat.FEDMSG2, topic, body, 0, UNKNOWN_CERTIFICATE));
    }
    // a chain field whose exact bytes came with a message that verified: parsed, exact DER, hashed
    CertificateFieldCache.Known known = FEDMSG2_CHAINS.known(chainBytes, 0, chainBytes.length);
    List<X509Certificate> chain;
    if (known != null) {
      chain = known.chain();
    } else {
      try {
        chain = trust.parseCertificatesCached(chainBytes);
      } catch (RuntimeException e) {
        return Prepared.done(fail2(Reason.MALFORMED, "certificate chain: " + e.getMessage(), topic, body));
      }
      if (!StrictCertificates.isExactDer(chain, chainBytes)) {
        // the certificate parser repairs or ignores some non-canonical encodings; fedmsg/2 accepts
        // only exact DER, so that the chain bytes are not malleable
        return Prepared.done(fail2(Reason.MALFORMED, "certificate chain is not in canonical DER", topic, body));
      }
    }
    byte[] chainDigest = known != null ? known.sha256()
        : sf.compact() ? sf.chainDigest : Fedmsg2.chainDigest(chainBytes);
    Instant at = instant();
    // the same checks for both forms: a known chain is validated again (dates, CRL) every time
    VerificationResult r = trust.verify(chain, alg.get(),
        Fedmsg2.signedBytes(alg.get(), chainDigest, topicBytes, bodyBytes),
        sf.signature, at, Profile.STRONG);
    if (!(r instanceof VerificationResult.Valid v)) {
      return Prepared.done(new Verdict(r, WireFormat.FEDMSG2, topic, body, 0));
    }
    if (known == null) {
      // only what a trusted chain vouches for is kept
      FEDMSG2_CHAINS.rememberRaw(chainBytes, 0, chainBytes.length, new CertificateFieldCache.Known(chain, chainDigest));
    }
    if (!sf.compact()) {
      knownChains.remember(chainDigest, chainBytes);
    }
    JsonNode bodyTopic = body.get("topic");
    if (bodyTopic == null || !bodyTopic.isTextual() || !bodyTopic.textValue().equals(topic)) {
      return Prepared.done(fail2(Reason.TOPIC_MISMATCH, "frame topic '" + topic + "' differs from body topic "
          + (bodyTopic == null ? "(none)" : bodyTopic), topic, body));
    }
    String key = SignerKeys.id(chain.get(0));
    VerificationResult authorized = null;
    RuntimeException failure = null;
    try {
      authorized = authorize(bodyTopic, v);
    } catch (RuntimeException e) {
      failure = e;
    }
    return new Prepared(null, WireFormat.FEDMSG2, topic, body, v, key, at, authorized, failure,
        body.get("epoch").textValue(), body.get("seq").longValue());
  }

  private Verdict complete2(Prepared p) {
    String topic = p.topic;
    ObjectNode body = p.object();
    String key = p.key;
    Instant at = p.at;
    if (replay != null) {
      VerificationResult rejected = replay.check(body, key, at);
      if (rejected != null) {
        return new Verdict(signedBy(rejected, p.valid), WireFormat.FEDMSG2, topic, body, 0);
      }
    }
    String epoch = p.epoch;
    long seq = p.seq;
    if (sequences != null && sequences.peek(key, epoch, seq) == SequenceTracker.REPLAY) {
      return fail2(Reason.DUPLICATE, "seq " + seq + " of epoch " + epoch + " is not above the last seen", topic, body);
    }
    VerificationResult authorized = p.authorized();
    if (!authorized.isValid()) {
      return new Verdict(authorized, WireFormat.FEDMSG2, topic, body, 0);
    }
    // recorded only now: a signer the policy refuses cannot touch the replay or sequence state
    if (replay != null) {
      VerificationResult duplicate = replay.record(body, key, at);
      if (duplicate != null) {
        return new Verdict(duplicate, WireFormat.FEDMSG2, topic, body, 0);
      }
    }
    long missed = 0;
    if (sequences != null) {
      missed = sequences.observe(key, epoch, seq);
      if (missed == SequenceTracker.REPLAY) {
        return fail2(Reason.DUPLICATE, "seq " + seq + " of epoch " + epoch + " is not above the last seen", topic,
            body);
      }
    }
    return new Verdict(authorized, WireFormat.FEDMSG2, topic, body, missed);
  }

  /**
   * {@link #complete} for a fedmsg/2 message fetched by replay to fill a gap: the same checks,
   * except that the replay window is judged relative to the message's own signing time (see
   * {@link ReplayGuard#checkFill}) and its {@code seq} must lie in a gap of its publisher's epoch
   * that is still open; that {@code seq} is then filled, so a second copy is a replay. Every
   * other {@code seq} at or below the last seen is refused ({@code DUPLICATE}) as on live traffic.
   *
   * @return the verdict; never null, never throws
   */
  public Verdict completeFill(Prepared p) {
    p = resolveDeferred(p);
    if (p.done != null) {
      return p.done;
    }
    try {
      if (p.format != WireFormat.FEDMSG2 || sequences == null) {
        return fail2(Reason.UNSUPPORTED_CRYPTO, "only fedmsg/2 messages fill gaps", p.topic, p.object());
      }
      ObjectNode body = p.object();
      if (replay != null) {
        VerificationResult rejected = replay.checkFill(body, p.key, clock.instant());
        if (rejected != null) {
          return new Verdict(signedBy(rejected, p.valid), WireFormat.FEDMSG2, p.topic, body, 0);
        }
      }
      VerificationResult authorized = p.authorized();
      if (!authorized.isValid()) {
        return new Verdict(authorized, WireFormat.FEDMSG2, p.topic, body, 0);
      }
      if (!sequences.fill(p.key, p.epoch, p.seq)) {
        return new Verdict(signedBy(VerificationResult.invalid(Reason.DUPLICATE, "seq " + p.seq + " of epoch " + p.epoch
            + " is not in a gap being filled"), p.valid), WireFormat.FEDMSG2, p.topic, body, 0);
      }
      if (replay != null) {
        replay.recordFill(body, p.key, clock.instant());
      }
      return new Verdict(authorized, WireFormat.FEDMSG2, p.topic, body, 0);
    } catch (RuntimeException e) {
      return internal(e, p.format, p.topic, p.object());
    }
  }

  /** Gives up [from, to] of a publisher's epoch (reported lost): a copy fetched later is refused. */
  public void closeGap(String signerKey, String epoch, long from, long to) {
    if (sequences != null) {
      sequences.close(signerKey, epoch, from, to);
    }
  }

  /** Opens [from, to] of a publisher's epoch as a gap to fill (a resumed subscriber's missed range). */
  public void expectGap(String signerKey, String epoch, long from, long to) {
    if (sequences != null && from <= to) {
      sequences.expect(signerKey, epoch, from, to);
    }
  }

  /** Starts tracking a publisher's epoch at a saved position, unless it is tracked already. */
  public void resumeAt(String signerKey, String epoch, long lastSeq) {
    if (sequences != null) {
      sequences.resumeAt(signerKey, epoch, lastSeq);
    }
  }

  /** A rejection after a good signature names the signer (for audit lines). */
  private static VerificationResult signedBy(VerificationResult r, VerificationResult.Valid v) {
    return r instanceof VerificationResult.Invalid inv ? inv.by(v.signer()) : r;
  }

  private static Verdict fail2(Reason reason, String detail, String topic, ObjectNode body) {
    return new Verdict(VerificationResult.invalid(reason, detail), WireFormat.FEDMSG2, topic, body, 0);
  }


  /**
   * Whether seen message ids survive a restart: a state directory was given and its journal is
   * in use.
   */
  public boolean replayMemoryPersistent() {
    return replay != null && replay.persistent();
  }

  /** Releases the replay memory's files; checks after this still work, in memory only. */
  @Override
  public void close() {
    if (replay != null) {
      replay.close();
    }
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
    private long signers = DEFAULT_SIGNERS;
    private Path stateDirectory;
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
     * How many message ids to remember per signer for duplicate detection (default {@value
     * #DEFAULT_SEEN_IDS}). Beyond it a signer's oldest id is forgotten and its messages must be
     * newer than that id: one signer cannot evict another's ids, and a forgotten id never passes.
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
     * How many signers' message ids to remember (default {@value #DEFAULT_SIGNERS}); the least
     * recently active is dropped first, and signers seen afterwards must send messages newer than
     * its ids.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder signers(long max) {
      if (max <= 0) {
        throw new IllegalArgumentException("signer cache size must be positive");
      }
      this.signers = max;
      return this;
    }

    /**
     * Where the replay memory is kept across restarts ({@code <state_dir>/replay} for the bus
     * and relay); null (the default) for none. Without one, or when its files cannot be used (a
     * one-line warning), a restarted verifier refuses messages signed before it started, for
     * one replay window. The verifier locks the directory until {@link #close()}: a second
     * verifier on the same directory uses that rule too.
     */
    public Builder stateDirectory(Path dir) {
      this.stateDirectory = dir;
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
