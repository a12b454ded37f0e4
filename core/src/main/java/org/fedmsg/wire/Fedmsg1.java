package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.fedmsg.crypto.Pem;
import org.fedmsg.crypto.Profile;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.json.CanonicalBody;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.json.StreamingCanonicalJson;
import org.fedmsg.policy.Decision;
import org.fedmsg.policy.TopicPolicy;

/**
 * fedmsg/1, the reference Python fedmsg's format: two frames (topic, body); the body is the
 * canonical JSON of the message dict with {@code crypto: "x509"}, a {@code signature} (RSA PKCS#1
 * v1.5 SHA-1 over the canonical JSON of the dict without {@code signature} and {@code
 * certificate}) and the signer's {@code certificate} (base64 of its PEM), both base64 wrapped at
 * 76 columns with a trailing newline. See {@code docs/wire-format.md}.
 *
 * <p>Receivers never verify the raw body bytes: relays re-serialise bodies, so the body is parsed
 * ({@link CanonicalJson#parse(byte[])}) and re-canonicalised.
 *
 * <p>All methods are static, thread-safe and leave their arguments unmodified.
 */
public final class Fedmsg1 {
  /** The fields a signature adds that the signature does not cover. */
  static final Set<String> CREDENTIALS = Set.of("signature", "certificate");

  /** The reference replay protocol's sequence number (docs/fedmsg-reference.md §e). */
  public static final String SEQ_ID = "seq_id";

  private static final byte[] SEQ_ID_KEY = "\"seq_id\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** What a reference publisher's signature leaves out: the credentials and its late {@code seq_id}. */
  private static final Set<String> CREDENTIALS_AND_SEQ_ID = Set.of("signature", "certificate", SEQ_ID);

  /** Per-signer {@code certificate} field: base64 of a 1-2 KiB PEM, the same for every message. */
  private static final Cache<Signer, String> CERTIFICATE_FIELDS =
      Caffeine.newBuilder().weakKeys().maximumSize(256).build();

  /** Parsed certificate fields (the parsed certificates are the trust store's, per store). */
  static final CertificateFieldCache CERTIFICATES = new CertificateFieldCache();

  private Fedmsg1() {}

  /* --------------- signing --------------- */

  /**
   * Signs a message dict as the reference does ({@code fedmsg.crypto.x509.sign}): a copy of {@code
   * unsigned} plus {@code crypto: "x509"}, {@code signature} and {@code certificate}.
   * Deterministic: the same key and dict give the same bytes.
   *
   * @param unsigned the message (usually {@code topic, msg, timestamp, msg_id, i, username});
   *     not modified; an existing {@code crypto} field is overwritten
   * @param signer an RSA signer (any key size, as the reference)
   * @return a new signed dict
   * @throws IllegalArgumentException if {@code unsigned} already has a {@code signature} or {@code
   *     certificate} (the reference would sign those too, which no receiver could check), or holds
   *     values canonical JSON cannot encode
   * @throws IllegalStateException if the signer's key is not RSA
   * @throws NullPointerException if an argument is null
   */
  public static ObjectNode sign(ObjectNode unsigned, Signer signer) {
    Objects.requireNonNull(unsigned, "unsigned");
    Objects.requireNonNull(signer, "signer");
    if (unsigned.has("signature") || unsigned.has("certificate")) {
      throw new IllegalArgumentException("the message is already signed (has signature or certificate)");
    }
    ObjectNode signed = unsigned.deepCopy();
    signed.put("crypto", "x509");
    byte[] signature = signer.signRsaSha1(CanonicalJson.encode(signed));
    signed.put("signature", Pem.base64Wrapped76(signature));
    signed.put("certificate", CERTIFICATE_FIELDS.get(signer,
        s -> Pem.base64Wrapped76(s.certificatePem().getBytes(StandardCharsets.US_ASCII))));
    return signed;
  }

  /**
   * The body frame for a signed dict: its canonical JSON, exactly what the reference publisher
   * sends.
   *
   * @return ASCII bytes, a fresh array
   * @throws IllegalArgumentException if the dict holds values canonical JSON cannot encode
   */
  public static byte[] wireBody(ObjectNode signed) {
    return CanonicalJson.encode(Objects.requireNonNull(signed, "signed"));
  }

  /**
   * Signs and encodes in one step: {@code wireBody(sign(unsigned, signer))}.
   *
   * @throws IllegalArgumentException as {@link #sign}
   * @throws IllegalStateException as {@link #sign}
   */
  public static byte[] signToWire(ObjectNode unsigned, Signer signer) {
    return wireBody(sign(unsigned, signer));
  }

  /* --------------- verification --------------- */

  /**
   * Verifies a received fedmsg/1 body as the reference's {@code fedmsg.crypto.validate} does, in
   * its order: {@code crypto} field (missing: {@code x509} if there is a certificate; {@code gpg}
   * or unknown: {@code UNSUPPORTED_CRYPTO}), {@code signature} and {@code certificate} present
   * ({@code UNSIGNED}), base64 and certificate well-formed ({@code MALFORMED}), chain, validity
   * and revocation ({@link TrustStore}, legacy profile), RSA-SHA1 signature over the
   * re-canonicalised body without {@code signature}/{@code certificate} (or, only when that fails
   * and the body has a {@link #seqId} {@code seq_id}, without {@code seq_id} too: the reference
   * adds it after signing), then the policy ({@code
   * NOT_AUTHORIZED}). No topic-frame or replay checks: those are {@link MessageVerifier}'s.
   *
   * @param body the parsed body (e.g. from {@link CanonicalJson#parse(byte[])})
   * @param trust the CA bundle and CRL
   * @param policy who may emit which topic; null allows every signer every topic (the reference
   *     with an empty {@code routing_policy} and {@code routing_nitpicky: false})
   * @param at the instant at which certificates and CRL are judged
   * @return the result; never null; never throws for bad input
   * @throws NullPointerException if {@code trust} or {@code at} is null
   */
  public static VerificationResult verify(JsonNode body, TrustStore trust, TopicPolicy policy, Instant at) {
    Objects.requireNonNull(trust, "trust");
    Objects.requireNonNull(at, "at");
    VerificationResult r = checkSignature(body, trust, at);
    if (!(r instanceof VerificationResult.Valid v)) {
      return r;
    }
    return authorize(policy, body.get("topic"), v);
  }

  /** Everything up to and including the signature; the signer on success. */
  static VerificationResult checkSignature(JsonNode node, TrustStore trust, Instant at) {
    if (!(node instanceof ObjectNode body)) {
      return VerificationResult.invalid(Reason.MALFORMED, "body is not a JSON object");
    }
    return checkSignature(new TreeBody(body), trust, at);
  }

  /**
   * {@link #checkSignature(JsonNode, TrustStore, Instant)} for a body read by {@link #RAW_READER}
   * (an object): the same checks in the same order, on canonical bytes that were produced
   * without a tree, and with a certificate field whose literal bytes are known skipped undecoded.
   */
  static VerificationResult checkSignature(CanonicalBody body, TrustStore trust, Instant at) {
    return checkSignature(new RawBody(body), trust, at);
  }

  /** The top-level fields fedmsg/1 verification reads, as a received body offers them. */
  static final StreamingCanonicalJson RAW_READER = StreamingCanonicalJson.of(CREDENTIALS,
      Set.of("crypto", "signature", "certificate", "topic", "msg_id", "timestamp"));

  /** What {@link #checkSignature(Body, TrustStore, Instant)} needs from a body, tree or raw. */
  private interface Body {
    JsonNode get(String name);

    boolean has(String name);

    /** The signed bytes: canonical JSON without the credentials. */
    byte[] signedBytes();

    /**
     * The reference's signed bytes when the body has a {@link #seqId} {@code seq_id} (which the
     * reference adds after signing): canonical JSON without the credentials and {@code seq_id};
     * null without one.
     */
    byte[] signedBytesWithoutSeqId();

    /** The certificates of a field already seen in a verified message, without decoding it; or null. */
    List<X509Certificate> knownCertificates();

    /** Called once a message with certificate field {@code text} has verified with {@code chain}. */
    void verified(String text, List<X509Certificate> chain);
  }

  private record TreeBody(ObjectNode body) implements Body {
    @Override
    public JsonNode get(String name) {
      return body.get(name);
    }

    @Override
    public boolean has(String name) {
      return body.has(name);
    }

    @Override
    public byte[] signedBytes() {
      return CanonicalJson.encodeWithout(body, CREDENTIALS);
    }

    @Override
    public byte[] signedBytesWithoutSeqId() {
      return seqId(body).isPresent() ? CanonicalJson.encodeWithout(body, CREDENTIALS_AND_SEQ_ID) : null;
    }

    @Override
    public List<X509Certificate> knownCertificates() {
      return null;
    }

    @Override
    public void verified(String text, List<X509Certificate> chain) {
      CERTIFICATES.remember(text, chain);
    }
  }

  private record RawBody(CanonicalBody body) implements Body {
    @Override
    public JsonNode get(String name) {
      return body.field(name);
    }

    @Override
    public boolean has(String name) {
      return body.has(name);
    }

    @Override
    public byte[] signedBytes() {
      return body.canonical();
    }

    @Override
    public byte[] signedBytesWithoutSeqId() {
      // a bad signature only: the tree is built when the key can be there at all
      if (!contains(body.source(), SEQ_ID_KEY)) {
        return null;
      }
      JsonNode tree;
      try {
        tree = CanonicalJson.parse(body.source());
      } catch (IllegalArgumentException e) {
        return null;
      }
      return seqId(tree).isPresent() ? CanonicalJson.encodeWithout(tree, CREDENTIALS_AND_SEQ_ID) : null;
    }

    @Override
    public List<X509Certificate> knownCertificates() {
      int from = body.rawFrom("certificate");
      if (from < 0) {
        return null;
      }
      CertificateFieldCache.Known k = CERTIFICATES.known(body.source(), from, body.rawTo("certificate"));
      return k == null ? null : k.chain();
    }

    @Override
    public void verified(String text, List<X509Certificate> chain) {
      CERTIFICATES.remember(text, chain);
      int from = body.rawFrom("certificate");
      CERTIFICATES.rememberRaw(body.source(), from, body.rawTo("certificate"), new CertificateFieldCache.Known(chain, null));
    }
  }

  private static VerificationResult checkSignature(Body body, TrustStore trust, Instant at) {
    JsonNode crypto = body.get("crypto");
    if (crypto != null) {
      if (!crypto.isTextual()) {
        return VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "crypto field is not a string");
      }
      if (crypto.textValue().equals("gpg")) {
        return VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "crypto 'gpg' is not accepted");
      }
      if (!crypto.textValue().equals("x509")) {
        return VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "unknown crypto backend");
      }
    } else if (!body.has("certificate")) {
      // the reference's guess for pre-0.7.3 messages: a bare signature means gpg
      return body.has("signature")
          ? VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "signature without certificate (gpg) is not accepted")
          : VerificationResult.invalid(Reason.UNSIGNED, "no signature");
    }
    JsonNode sigField = body.get("signature");
    if (sigField == null || !body.has("certificate")) {
      return VerificationResult.invalid(Reason.UNSIGNED, sigField == null ? "no signature field" : "no certificate field");
    }
    // a certificate field whose exact bytes came with a message that verified: the same string,
    // so the checks below would pass again; it is not decoded
    List<X509Certificate> chain = body.knownCertificates();
    JsonNode certField = chain == null ? body.get("certificate") : null;
    if (!sigField.isTextual() || (chain == null && !certField.isTextual())) {
      return VerificationResult.invalid(Reason.MALFORMED, "signature and certificate must be strings");
    }
    byte[] signature;
    try {
      signature = base64Lenient(sigField.textValue());
    } catch (IllegalArgumentException e) {
      return VerificationResult.invalid(Reason.MALFORMED, "signature is not base64: " + e.getMessage());
    }
    String certText = null;
    if (chain == null) {
      certText = certField.textValue();
      if (certText.indexOf('-') >= 0) {
        // base64 of PEM never contains '-'; plain PEM here is not what the reference accepts
        return VerificationResult.invalid(Reason.MALFORMED, "certificate is not base64");
      }
      try {
        chain = CERTIFICATES.parse(trust, certText);
      } catch (IllegalArgumentException e) {
        return VerificationResult.invalid(Reason.MALFORMED, "certificate is not a base64 PEM certificate: " + e.getMessage());
      } catch (RuntimeException e) {
        return VerificationResult.invalid(Reason.MALFORMED, "certificate cannot be read: " + e);
      }
    }
    byte[] signedBytes;
    try {
      signedBytes = body.signedBytes();
    } catch (IllegalArgumentException e) {
      return VerificationResult.invalid(Reason.MALFORMED, "body cannot be canonicalised: " + e.getMessage());
    }
    // the reference reads only the first certificate of the PEM: no intermediates in fedmsg/1
    List<X509Certificate> leaf = chain.size() == 1 ? chain : List.of(chain.get(0));
    VerificationResult r = trust.verify(leaf, SignatureAlgorithm.RSA_SHA1, signedBytes, signature, at, Profile.LEGACY);
    if (r instanceof VerificationResult.Invalid inv && inv.reason() == Reason.BAD_SIGNATURE) {
      // The reference's persistent_store adds seq_id after signing: such a message verifies over
      // the body without it, and its seq_id is then unsigned metadata (docs/reliability.md).
      byte[] withoutSeqId = body.signedBytesWithoutSeqId();
      if (withoutSeqId != null) {
        VerificationResult retry = trust.verify(leaf, SignatureAlgorithm.RSA_SHA1, withoutSeqId, signature, at,
            Profile.LEGACY);
        if (retry.isValid()) {
          r = retry;
        }
      }
    }
    if (r instanceof VerificationResult.Valid && certText != null) {
      body.verified(certText, chain);   // only what a trusted chain vouches for is kept
    }
    return r;
  }

  /**
   * The reference replay protocol's {@code seq_id} of a fedmsg/1 body: a top-level integer from
   * 0 to {@link Long#MAX_VALUE}; any other value (or none) is no sequence number. It may be
   * unsigned: a reference publisher adds it after signing, and {@link #verify} accepts that (the
   * rest of the body must verify). Use it only as a hint to ask for missed messages, never to
   * drop or order messages by itself.
   *
   * @param body a parsed body; anything but an object has none
   */
  public static java.util.OptionalLong seqId(JsonNode body) {
    JsonNode n = body == null ? null : body.get(SEQ_ID);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
      return java.util.OptionalLong.empty();
    }
    return java.util.OptionalLong.of(n.longValue());
  }

  /**
   * The leaf certificate of a body that {@link #checkSignature} has accepted (parsed then, so this
   * is a cache hit): replay state is keyed on its key.
   */
  static X509Certificate signerCertificate(JsonNode body, TrustStore trust) {
    return CERTIFICATES.parse(trust, body.get("certificate").textValue()).get(0);
  }

  /**
   * {@link Pem#base64DecodeLenient}, the reference's reading of the {@code signature} field
   * (characters outside the base64 alphabet ignored, padding required), without its string
   * copies: every received message pays for it.
   *
   * @throws IllegalArgumentException as {@link Pem#base64DecodeLenient}
   */
  static byte[] base64Lenient(String text) {
    int len = text.length();
    byte[] kept = new byte[len];
    int n = 0;
    for (int i = 0; i < len; i++) {
      char c = text.charAt(i);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
          || c == '=') {
        kept[n++] = (byte) c;
      }
    }
    if (n % 4 != 0) {
      throw new IllegalArgumentException("incorrect base64 padding");
    }
    return java.util.Base64.getDecoder().decode(n == len ? kept : java.util.Arrays.copyOf(kept, n));
  }

  /** {@link #signerCertificate(JsonNode, TrustStore)} for a raw body: a cache hit on its literal bytes. */
  static X509Certificate signerCertificate(CanonicalBody body, TrustStore trust) {
    int from = body.rawFrom("certificate");
    CertificateFieldCache.Known k = from < 0 ? null : CERTIFICATES.known(body.source(), from, body.rawTo("certificate"));
    return k != null ? k.chain().get(0) : CERTIFICATES.parse(trust, body.field("certificate").textValue()).get(0);
  }

  /** The policy step, for the static {@link #verify}: a policy that throws is a refusal. */
  static VerificationResult authorize(TopicPolicy policy, JsonNode topicNode, VerificationResult.Valid valid) {
    try {
      return decide(policy, topicNode, valid);
    } catch (RuntimeException e) {
      return VerificationResult.invalid(Reason.NOT_AUTHORIZED, "policy failed: " + e);
    }
  }

  /**
   * The policy decision shared by both formats and {@link MessageVerifier}; an exception from the
   * policy propagates, so that the verifier can count it as an internal error.
   */
  static VerificationResult decide(TopicPolicy policy, JsonNode topicNode, VerificationResult.Valid valid) {
    if (policy == null) {
      return valid;
    }
    String topic;
    if (topicNode == null || topicNode.isNull()) {
      topic = null;
    } else if (topicNode.isTextual()) {
      topic = topicNode.textValue();
    } else {
      return VerificationResult.invalid(Reason.MALFORMED, "topic is not a string");
    }
    Decision d = policy.decide(topic, valid.signer().commonName());
    return d.allowed() ? valid : new VerificationResult.Invalid(Reason.NOT_AUTHORIZED, d.explanation(), valid.signer());
  }


  /* --------------- archives --------------- */

  /**
   * Undoes what datanommer/datagrepper do to archived messages (reference {@code
   * fix_datagrepper_message}): if both {@code source_name} and {@code source_version} are
   * present, removes them, removes {@code headers} if it is empty or falsy, and turns a numeric
   * {@code timestamp} back into an integer (truncating, as Python's {@code int()}). Otherwise
   * the message is returned unchanged (as a copy).
   *
   * @param archived an archived message; not modified
   * @return a fixed-up deep copy
   * @throws NullPointerException if {@code archived} is null
   */
  public static ObjectNode archiveFixup(ObjectNode archived) {
    ObjectNode m = Objects.requireNonNull(archived, "archived").deepCopy();
    if (!m.has("source_name") || !m.has("source_version")) {
      return m;
    }
    m.remove("source_name");
    m.remove("source_version");
    if (m.has("headers") && isFalsy(m.get("headers"))) {
      m.remove("headers");
    }
    JsonNode ts = m.get("timestamp");
    if (ts != null && ts.isNumber() && !ts.isIntegralNumber()) {
      double d = ts.doubleValue();
      if (Double.isFinite(d)) {
        BigInteger i = new BigDecimal(d).toBigInteger();
        m.set("timestamp", i.bitLength() < 63 ? JsonNodeFactory.instance.numberNode(i.longValue())
            : JsonNodeFactory.instance.numberNode(i));
      }
    } else if (ts != null && ts.isTextual()) {
      try {
        m.set("timestamp", JsonNodeFactory.instance.numberNode(new BigInteger(ts.textValue().strip())));
      } catch (NumberFormatException e) {
        // the reference would raise here; leave the field as it is and let the signature decide
      }
    }
    return m;
  }

  /** Python truthiness of a JSON value. */
  private static boolean isFalsy(JsonNode n) {
    if (n.isNull()) {
      return true;
    }
    if (n.isContainerNode()) {
      return n.isEmpty();
    }
    if (n.isTextual()) {
      return n.textValue().isEmpty();
    }
    if (n.isBoolean()) {
      return !n.booleanValue();
    }
    if (n.isNumber()) {
      return n.isIntegralNumber() ? n.bigIntegerValue().signum() == 0 : n.doubleValue() == 0.0;
    }
    return false;
  }
}
