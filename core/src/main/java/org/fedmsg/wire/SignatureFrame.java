package org.fedmsg.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * The third frame of a fedmsg/2 message (layout in {@code docs/wire-format.md}):
 *
 * <pre>
 *   magic      4 bytes  "FM2S"
 *   version    1 byte   2 (the signed bytes include the chain's SHA-256; version 1 did not and
 *                       is refused); 3 for the compact form below
 *   alg_len    1 byte   1..64
 *   alg        alg_len bytes, ASCII wire name (rsa-sha256, ecdsa-p256-sha256, ed25519)
 *   sig_len    2 bytes  big-endian, 1..4096
 *   sig        sig_len bytes
 *   chain_len  4 bytes  big-endian, 1..65536
 *   chain      chain_len bytes: DER certificates, leaf first, concatenated
 * </pre>
 *
 * The <b>compact</b> form (version 3) is the same up to the signature, then holds the chain's
 * SHA-256 (32 bytes) instead of {@code chain_len} and {@code chain}. The signed bytes contain that
 * digest in both forms, so either form turns into the other without re-signing ({@link #compact},
 * {@link #full}); a version 2 receiver refuses version 3 ("unknown signature frame version 3").
 *
 * <p>Nothing may follow. Parsing is strict: any deviation is an {@link IllegalArgumentException}.
 */
final class SignatureFrame {
  static final byte[] MAGIC = {'F', 'M', '2', 'S'};
  static final int VERSION = 2;
  /** The compact form: the chain's SHA-256 instead of the chain. */
  static final int COMPACT_VERSION = 3;
  static final int MAX_ALG = 64;
  static final int MAX_SIG = 4096;
  static final int MAX_CHAIN = 65536;

  final String algorithm;
  final byte[] signature;
  /** The DER chain of a full frame; null in a compact frame. */
  final byte[] chain;
  /** The chain's SHA-256 as carried by a compact frame; null in a full frame (compute it from the chain). */
  final byte[] chainDigest;

  private SignatureFrame(String algorithm, byte[] signature, byte[] chain, byte[] chainDigest) {
    this.algorithm = algorithm;
    this.signature = signature;
    this.chain = chain;
    this.chainDigest = chainDigest;
  }

  /** Whether this is the compact form (version 3: the chain referenced by its SHA-256). */
  boolean compact() {
    return chain == null;
  }

  /**
   * Whether {@code frame} looks like a compact signature frame (magic and version only; {@link
   * #parse} checks the rest).
   */
  static boolean isCompact(byte[] frame) {
    return frame.length > 5 && frame[0] == MAGIC[0] && frame[1] == MAGIC[1] && frame[2] == MAGIC[2]
        && frame[3] == MAGIC[3] && frame[4] == COMPACT_VERSION;
  }

  /**
   * The compact frame for a full one: the same algorithm and signature, the chain replaced by
   * {@code chainSha256}.
   */
  static byte[] compact(SignatureFrame full, byte[] chainSha256) {
    return encodeCompact(full.algorithm, full.signature, chainSha256);
  }

  /** The full frame for this one and {@code chain} (whose SHA-256 the caller has matched). */
  byte[] full(byte[] chainBytes) {
    return encode(algorithm, signature, chainBytes);
  }

  static byte[] encodeCompact(String algorithm, byte[] signature, byte[] chainSha256) {
    byte[] alg = algorithm.getBytes(StandardCharsets.US_ASCII);
    if (alg.length < 1 || alg.length > MAX_ALG || signature.length < 1 || signature.length > MAX_SIG
        || chainSha256.length != Fedmsg2.CHAIN_DIGEST_LENGTH) {
      throw new IllegalArgumentException("signature frame field out of range");
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + 1 + alg.length + 2 + signature.length + chainSha256.length);
    b.put(MAGIC).put((byte) COMPACT_VERSION).put((byte) alg.length).put(alg)
        .putShort((short) signature.length).put(signature).put(chainSha256);
    return b.array();
  }

  /** The DER chain part for a certificate list (computed once per signer by the caller). */
  static byte[] chainBytes(List<X509Certificate> chainLeafFirst) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
    try {
      for (X509Certificate c : chainLeafFirst) {
        out.writeBytes(c.getEncoded());
      }
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    }
    if (out.size() == 0 || out.size() > MAX_CHAIN) {
      throw new IllegalArgumentException("certificate chain of " + out.size() + " bytes (1.." + MAX_CHAIN + " allowed)");
    }
    return out.toByteArray();
  }

  static byte[] encode(String algorithm, byte[] signature, byte[] chain) {
    byte[] alg = algorithm.getBytes(StandardCharsets.US_ASCII);
    if (alg.length < 1 || alg.length > MAX_ALG || signature.length < 1 || signature.length > MAX_SIG
        || chain.length < 1 || chain.length > MAX_CHAIN) {
      throw new IllegalArgumentException("signature frame field out of range");
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + 1 + alg.length + 2 + signature.length + 4 + chain.length);
    b.put(MAGIC).put((byte) VERSION).put((byte) alg.length).put(alg)
        .putShort((short) signature.length).put(signature)
        .putInt(chain.length).put(chain);
    return b.array();
  }

  /**
   * Parses a signature frame.
   *
   * @throws IllegalArgumentException if the frame does not follow the layout exactly
   */
  static SignatureFrame parse(byte[] frame) {
    ByteBuffer b = ByteBuffer.wrap(frame);
    need(b, 6, "header");
    byte[] magic = new byte[4];
    b.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IllegalArgumentException("not a fedmsg/2 signature frame (bad magic)");
    }
    int version = b.get() & 0xff;
    if (version == 1) {
      throw new IllegalArgumentException("signature frame version 1 (the certificate chain is not signed) is no "
          + "longer accepted: the publisher must be upgraded");
    }
    if (version != VERSION && version != COMPACT_VERSION) {
      throw new IllegalArgumentException("unknown signature frame version " + version);
    }
    int algLen = b.get() & 0xff;
    if (algLen < 1 || algLen > MAX_ALG) {
      throw new IllegalArgumentException("bad algorithm name length " + algLen);
    }
    need(b, algLen, "algorithm name");
    byte[] alg = new byte[algLen];
    b.get(alg);
    for (byte c : alg) {
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("algorithm name is not printable ASCII");
      }
    }
    need(b, 2, "signature length");
    int sigLen = b.getShort() & 0xffff;
    if (sigLen < 1 || sigLen > MAX_SIG) {
      throw new IllegalArgumentException("bad signature length " + sigLen);
    }
    need(b, sigLen, "signature");
    byte[] sig = new byte[sigLen];
    b.get(sig);
    if (version == COMPACT_VERSION) {
      need(b, Fedmsg2.CHAIN_DIGEST_LENGTH, "certificate chain digest");
      byte[] digest = new byte[Fedmsg2.CHAIN_DIGEST_LENGTH];
      b.get(digest);
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " unexpected bytes after the certificate chain digest");
      }
      return new SignatureFrame(new String(alg, StandardCharsets.US_ASCII), sig, null, digest);
    }
    need(b, 4, "chain length");
    int chainLen = b.getInt();
    if (chainLen < 1 || chainLen > MAX_CHAIN) {
      throw new IllegalArgumentException("bad certificate chain length " + chainLen);
    }
    need(b, chainLen, "certificate chain");
    byte[] chain = new byte[chainLen];
    b.get(chain);
    if (b.hasRemaining()) {
      throw new IllegalArgumentException(b.remaining() + " unexpected bytes after the certificate chain");
    }
    if (chain[0] != 0x30) {
      throw new IllegalArgumentException("certificate chain is not DER");
    }
    return new SignatureFrame(new String(alg, StandardCharsets.US_ASCII), sig, chain, null);
  }

  private static void need(ByteBuffer b, int n, String what) {
    if (b.remaining() < n) {
      throw new IllegalArgumentException("signature frame truncated in the " + what);
    }
  }
}
