package org.fedmsg.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;
import org.fedmsg.json.CanonicalJson;

/**
 * fedmsg/2, the native format: three frames {@code [topic, body, signature]}. The publisher
 * serialises the body once; the detached signature covers the exact bytes of topic and body
 * (with a domain-separation prefix and the algorithm name), so relays and archives forward the
 * frames verbatim and the signature survives every hop; the signed bytes also hold the SHA-256 of
 * the certificate chain sent, so the certificates cannot be swapped. The body carries {@code epoch} (random
 * per publisher start) and {@code seq} (1, 2, ... within an epoch) under the signature, for gap
 * and replay detection. Algorithms: RSA-SHA256 (≥ 2048 bits), ECDSA P-256 SHA-256, Ed25519, from
 * the key type. Byte layout in {@code docs/wire-format.md}; receivers use {@link MessageVerifier}.
 *
 * <p>All methods are static and thread-safe.
 */
public final class Fedmsg2 {
  /** Domain separation: signed bytes start with these 9 bytes ({@code "fedmsg/2"} and a NUL). */
  static final byte[] DOMAIN = "fedmsg/2\0".getBytes(StandardCharsets.US_ASCII);

  /** Length of the chain digest in the signed bytes (SHA-256). */
  static final int CHAIN_DIGEST_LENGTH = 32;

  /** Per-signer DER chain and its digest: the same for every message. */
  private static final Cache<Signer, Chain> CHAINS = Caffeine.newBuilder().weakKeys().maximumSize(256).build();

  private static final class Chain {
    final byte[] der;
    final byte[] sha256;

    Chain(byte[] der) {
      this.der = der;
      this.sha256 = SignerKeys.sha256(der);
    }
  }

  private Fedmsg2() {}

  /**
   * Signs and frames a message.
   *
   * @param topic the full topic; becomes frame 0 (UTF-8)
   * @param body the envelope: must hold {@code topic} equal to {@code topic}, a non-empty string
   *     {@code epoch} and an integer {@code seq} ≥ 1 (see {@link Stamper}); not modified
   * @param signer an RSA (≥ 2048 bits), EC P-256 or Ed25519 signer
   * @return the three frames, fresh arrays: topic, body (canonical JSON), signature frame
   * @throws IllegalArgumentException if the body lacks or has malformed {@code topic}, {@code
   *     epoch} or {@code seq}, or cannot be encoded
   * @throws IllegalStateException if the signer's key is RSA below 2048 bits, or signing fails
   * @throws NullPointerException if an argument is null
   */
  public static byte[][] encode(String topic, ObjectNode body, Signer signer) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(signer, "signer");
    JsonNode t = body.get("topic");
    if (t == null || !t.isTextual() || !t.textValue().equals(topic)) {
      throw new IllegalArgumentException("body topic must equal the topic '" + topic + "'");
    }
    String problem = envelopeProblem(body);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
    byte[] bodyBytes = CanonicalJson.encode(body);
    SignatureAlgorithm alg = signer.algorithm();
    Chain chain = CHAINS.get(signer, s -> new Chain(SignatureFrame.chainBytes(s.chain())));
    byte[] signature = signer.sign(signedBytes(alg, chain.sha256, topicBytes, bodyBytes));
    return new byte[][] {topicBytes, bodyBytes, SignatureFrame.encode(alg.wireName(), signature, chain.der)};
  }

  /**
   * The bytes a fedmsg/2 signature covers: {@code "fedmsg/2\0"}, the algorithm's wire name
   * prefixed by its length (1 byte), the SHA-256 of the signature frame's certificate chain field
   * (32 bytes: binds the certificates into the signature, so that swapping in another certificate
   * of the same key, such as the one before a renewal, breaks it), the topic frame prefixed by its
   * length (4 bytes, big-endian), the body frame prefixed by its length (4 bytes, big-endian).
   */
  static byte[] signedBytes(SignatureAlgorithm alg, byte[] chainSha256, byte[] topic, byte[] body) {
    if (chainSha256.length != CHAIN_DIGEST_LENGTH) {
      throw new IllegalArgumentException("chain digest must be " + CHAIN_DIGEST_LENGTH + " bytes");
    }
    byte[] name = alg.wireName().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(DOMAIN.length + 1 + name.length + CHAIN_DIGEST_LENGTH + 4 + topic.length + 4
        + body.length);
    b.put(DOMAIN).put((byte) name.length).put(name).put(chainSha256)
        .putInt(topic.length).put(topic)
        .putInt(body.length).put(body);
    return b.array();
  }

  /** The chain digest of {@link #signedBytes} for the chain field as it is in the frame. */
  static byte[] chainDigest(byte[] chainField) {
    return SignerKeys.sha256(chainField);
  }

  /**
   * Whether {@code signatureFrame} is a compact fedmsg/2 signature frame (version 3: the
   * certificate chain referenced by its SHA-256, see {@link ChainCompactor}); judged by its header
   * only.
   */
  public static boolean isCompact(byte[] signatureFrame) {
    return SignatureFrame.isCompact(signatureFrame);
  }

  /**
   * The compact form of a full signature frame (the same signature; the chain replaced by its
   * SHA-256).
   *
   * @throws IllegalArgumentException if {@code signatureFrame} is not a well-formed full frame
   */
  public static byte[] compact(byte[] signatureFrame) {
    SignatureFrame sf = SignatureFrame.parse(signatureFrame);
    if (sf.compact()) {
      throw new IllegalArgumentException("signature frame is already compact");
    }
    return SignatureFrame.compact(sf, chainDigest(sf.chain));
  }

  /** Why a fedmsg/2 body's {@code epoch}/{@code seq} are unusable, or null if they are fine. */
  static String envelopeProblem(JsonNode body) {
    JsonNode epoch = body.get("epoch");
    if (epoch == null || !epoch.isTextual() || epoch.textValue().isEmpty() || epoch.textValue().length() > 64) {
      return "epoch must be a string of 1 to 64 characters";
    }
    JsonNode seq = body.get("seq");
    if (seq == null || !seq.isIntegralNumber() || !seq.canConvertToLong() || seq.longValue() < 1) {
      return "seq must be an integer from 1 to 2^63-1";
    }
    return null;
  }

  /**
   * Stamps bodies with a publisher's {@code epoch} and the next {@code seq}. Create one per
   * publisher start ({@link #start()}); the epoch is 16 random lower-case hex digits.
   *
   * <p>Thread-safe: sequence numbers are handed out atomically, but a caller that publishes from
   * several threads must send in stamping order for receivers to see no gaps.
   */
  public static final class Stamper {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String epoch;
    private final AtomicLong seq = new AtomicLong();

    private Stamper(String epoch) {
      this.epoch = epoch;
    }

    /** A stamper with a fresh random epoch, starting at {@code seq} 1. */
    public static Stamper start() {
      byte[] r = new byte[8];
      RANDOM.nextBytes(r);
      return new Stamper(HexFormat.of().formatHex(r));
    }

    /**
     * A stamper with a given epoch (tests, or resuming a known epoch).
     *
     * @throws IllegalArgumentException if {@code epoch} is empty or longer than 64 characters
     */
    public static Stamper withEpoch(String epoch) {
      if (epoch == null || epoch.isEmpty() || epoch.length() > 64) {
        throw new IllegalArgumentException("epoch must be a string of 1 to 64 characters");
      }
      return new Stamper(epoch);
    }

    /**
     * A stamper that continues {@code epoch} after {@code lastSeq} (a publisher restarted from its
     * outbox): the next message gets {@code lastSeq + 1}.
     *
     * @throws IllegalArgumentException as {@link #withEpoch}, or if {@code lastSeq} is negative
     */
    public static Stamper continuing(String epoch, long lastSeq) {
      if (lastSeq < 0) {
        throw new IllegalArgumentException("lastSeq must not be negative: " + lastSeq);
      }
      Stamper s = withEpoch(epoch);
      s.seq.set(lastSeq);
      return s;
    }

    /** This publisher's epoch. */
    public String epoch() {
      return epoch;
    }

    /**
     * Sets {@code epoch} and the next {@code seq} on {@code body}, in place.
     *
     * @return {@code body}
     */
    public ObjectNode stamp(ObjectNode body) {
      body.put("epoch", epoch);
      body.put("seq", seq.incrementAndGet());
      return body;
    }
  }

  /**
   * How the replay protocol names a message's signer: the lower-case hex SHA-256 of the DER of the
   * end-entity (first) certificate in a fedmsg/2 signature frame. Says nothing about whether the
   * signature is valid: use it for messages a verifier accepted.
   *
   * @throws IllegalArgumentException if {@code signatureFrame} is not a well-formed signature frame
   */
  public static String signerSha256(byte[] signatureFrame) {
    byte[] chain = SignatureFrame.parse(signatureFrame).chain;
    int leafLength = leafLength(chain);
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update(chain, 0, leafLength);
      return HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A stored message's signer as a receiver keys its sequence tracking ({@link
   * MessageVerifier#resumeAt}): the key identity and the common name of the end-entity
   * certificate of a full signature frame. Says nothing about whether the signature is valid: use
   * it for messages a verifier accepted (a relay's outbox).
   */
  public record Signing(String signerKey, String commonName) {}

  /**
   * The {@link Signing} of a full signature frame.
   *
   * @throws IllegalArgumentException if the frame is not well-formed, compact, or its leaf is no certificate
   */
  public static Signing signing(byte[] signatureFrame) {
    byte[] chain = SignatureFrame.parse(signatureFrame).chain;
    if (chain == null) {
      throw new IllegalArgumentException("a compact signature frame carries no certificate");
    }
    try {
      java.security.cert.X509Certificate leaf = (java.security.cert.X509Certificate)
          java.security.cert.CertificateFactory.getInstance("X.509")
              .generateCertificate(new java.io.ByteArrayInputStream(chain, 0, leafLength(chain)));
      return new Signing(SignerKeys.id(leaf), org.fedmsg.crypto.Certificates.commonName(leaf));
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalArgumentException("the first certificate of the chain is unreadable: " + e.getMessage(), e);
    }
  }

  private static int leafLength(byte[] chain) {
    // The leaf is the first DER SEQUENCE of the chain: tag 0x30, then a definite length.
    if (chain.length < 2 || chain[0] != 0x30) {
      throw new IllegalArgumentException("the certificate chain does not start with a DER sequence");
    }
    int first = chain[1] & 0xff;
    long length;
    int header;
    if (first < 0x80) {
      length = first;
      header = 2;
    } else {
      int n = first & 0x7f;
      if (n < 1 || n > 4 || chain.length < 2 + n) {
        throw new IllegalArgumentException("bad DER length in the certificate chain");
      }
      length = 0;
      for (int i = 0; i < n; i++) {
        length = (length << 8) | (chain[2 + i] & 0xff);
      }
      header = 2 + n;
    }
    if (header + length > chain.length) {
      throw new IllegalArgumentException("the first certificate runs past the chain");
    }
    return (int) (header + length);
  }
}
