package org.fedmsg.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.fedmsg.Message;
import org.fedmsg.WireFormat;
import org.fedmsg.json.CanonicalJson;

/**
 * One archived message: its frames exactly as they travelled, and the fields the store indexes
 * (topic, signing time, {@code msg_id}, signer, certificate fingerprint, format, fedmsg/2
 * {@code epoch}/{@code seq}, and the category, users and packages the extractors derived).
 *
 * <p>Immutable; frame accessors return copies.
 */
public final class ArchivedMessage {
  private final long id;
  private final List<byte[]> frames;
  private final String topic;
  private final String msgId;
  private final Instant timestamp;
  private final Instant received;
  private final String signer;
  private final String certFingerprint;
  private final WireFormat format;
  private final String epoch;
  private final Long seq;
  private final String category;
  private final Set<String> users;
  private final Set<String> packages;

  ArchivedMessage(long id, List<byte[]> frames, String topic, String msgId, Instant timestamp, Instant received,
      String signer, String certFingerprint, WireFormat format, String epoch, Long seq, String category,
      Set<String> users, Set<String> packages) {
    this.id = id;
    List<byte[]> copy = new ArrayList<>();
    frames.forEach(f -> copy.add(f.clone()));
    this.frames = List.copyOf(copy);
    this.topic = Objects.requireNonNull(topic, "topic");
    this.msgId = msgId;
    this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
    this.received = Objects.requireNonNull(received, "received");
    this.signer = signer;
    this.certFingerprint = certFingerprint;
    this.format = Objects.requireNonNull(format, "format");
    this.epoch = epoch;
    this.seq = seq;
    this.category = category;
    this.users = Set.copyOf(users);
    this.packages = Set.copyOf(packages);
  }

  /**
   * A message that passed verification on the bus, ready to archive.
   *
   * @param received when the store received it (used as its time if the body has no timestamp)
   */
  public static ArchivedMessage of(Message message, Instant received) {
    return fromFrames(message.frames(), message.signer().orElse(null), received, Extractors.loaded());
  }

  /**
   * A message from its frames (2 for fedmsg/1, 3 for fedmsg/2), e.g. from an import.
   *
   * @param signer the verified signer's common name, or null when the frames were not verified
   * @throws IllegalArgumentException if the frames are not a fedmsg message (wrong count, body not a JSON
   *     object), or are fedmsg/2 with a compact signature frame (a bus subscriber delivers the full form)
   */
  public static ArchivedMessage fromFrames(List<byte[]> frames, String signer, Instant received) {
    return fromFrames(frames, signer, received, Extractors.loaded());
  }

  static ArchivedMessage fromFrames(List<byte[]> frames, String signer, Instant received, Extractors extractors) {
    if (frames.size() != 2 && frames.size() != 3) {
      throw new IllegalArgumentException("expected 2 frames (fedmsg/1) or 3 (fedmsg/2), got " + frames.size());
    }
    String topic = CanonicalJson.strictUtf8(frames.get(0));
    JsonNode parsed = CanonicalJson.parse(frames.get(1));
    if (!(parsed instanceof ObjectNode body)) {
      throw new IllegalArgumentException("body is not a JSON object");
    }
    WireFormat format = frames.size() == 2 ? WireFormat.FEDMSG1 : WireFormat.FEDMSG2;
    if (format == WireFormat.FEDMSG2 && org.fedmsg.wire.Fedmsg2.isCompact(frames.get(2))) {
      // a compact frame names its chain by digest: archived, it could never be verified again
      throw new IllegalArgumentException("compact fedmsg/2 signature frame (certificate chain by digest): the archive "
          + "keeps only the full form");
    }
    String fingerprint = format == WireFormat.FEDMSG1 ? fedmsg1Fingerprint(body) : fedmsg2Fingerprint(frames.get(2));
    Instant timestamp = timestamp(body).orElse(received);
    String epoch = body.path("epoch").isTextual() ? body.get("epoch").textValue() : null;
    Long seq = body.path("seq").canConvertToLong() && body.get("seq").isIntegralNumber() ? body.get("seq").longValue() : null;
    Extractors.Derived derived = extractors.derive(topic, body);
    return new ArchivedMessage(0, frames, topic, text(body, "msg_id"), timestamp, received, signer, fingerprint,
        format, epoch, seq, derived.category(), derived.users(), derived.packages());
  }

  ArchivedMessage withId(long newId) {
    return new ArchivedMessage(newId, frames, topic, msgId, timestamp, received, signer, certFingerprint, format, epoch,
        seq, category, users, packages);
  }

  /** The store's row id (0 before the message was stored). */
  public long id() {
    return id;
  }

  /** Copies of the frames as they travelled. */
  public List<byte[]> frames() {
    List<byte[]> copy = new ArrayList<>();
    frames.forEach(f -> copy.add(f.clone()));
    return copy;
  }

  /** The frames as base64 strings, the form the HTTP API returns. */
  public List<String> framesBase64() {
    List<String> out = new ArrayList<>();
    frames.forEach(f -> out.add(Base64.getEncoder().encodeToString(f)));
    return out;
  }

  byte[] frame(int i) {
    return frames.get(i);
  }

  int frameCount() {
    return frames.size();
  }

  /** The body frame parsed (a new tree each call). */
  public ObjectNode body() {
    return (ObjectNode) CanonicalJson.parse(frames.get(1));
  }

  public String topic() {
    return topic;
  }

  public Optional<String> msgId() {
    return Optional.ofNullable(msgId);
  }

  /** The signing time: the body's {@code timestamp}, or the receive time when it has none. */
  public Instant timestamp() {
    return timestamp;
  }

  public Instant received() {
    return received;
  }

  /** The verified signer's common name, if the message was verified before it was archived. */
  public Optional<String> signer() {
    return Optional.ofNullable(signer);
  }

  /** SHA-256 of the signing certificate's DER encoding (lower-case hex), if the frames carry a readable one. */
  public Optional<String> certFingerprint() {
    return Optional.ofNullable(certFingerprint);
  }

  public WireFormat format() {
    return format;
  }

  public Optional<String> epoch() {
    return Optional.ofNullable(epoch);
  }

  public OptionalLong seq() {
    return seq == null ? OptionalLong.empty() : OptionalLong.of(seq);
  }

  /** The service token of the topic, as datagrepper's {@code category}; empty for services no extractor knows. */
  public Optional<String> category() {
    return Optional.ofNullable(category);
  }

  public Set<String> users() {
    return users;
  }

  public Set<String> packages() {
    return packages;
  }

  static Optional<Instant> timestamp(JsonNode body) {
    JsonNode ts = body.get("timestamp");
    if (ts == null || !ts.isNumber() || !Double.isFinite(ts.doubleValue())) {
      return Optional.empty();
    }
    double seconds = ts.doubleValue();
    if (Math.abs(seconds) > 1e12) {
      return Optional.empty();
    }
    long whole = (long) Math.floor(seconds);
    return Optional.of(Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9)));
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }

  /** fedmsg/1: the certificate field is base64 of a PEM certificate, wrapped at 76 columns. */
  private static String fedmsg1Fingerprint(JsonNode body) {
    String field = text(body, "certificate");
    if (field == null) {
      return null;
    }
    try {
      String pem = new String(Base64.getMimeDecoder().decode(field), StandardCharsets.US_ASCII);
      int begin = pem.indexOf("-----BEGIN CERTIFICATE-----");
      int end = pem.indexOf("-----END CERTIFICATE-----");
      if (begin < 0 || end < begin) {
        return null;
      }
      String b64 = pem.substring(begin + "-----BEGIN CERTIFICATE-----".length(), end);
      return sha256(Base64.getMimeDecoder().decode(b64));
    } catch (IllegalArgumentException e) {
      return null;  // unreadable: archived without a fingerprint
    }
  }

  /** fedmsg/2: the leaf is the first DER certificate of the signature frame's chain (docs/wire-format.md). */
  static String fedmsg2Fingerprint(byte[] frame) {
    try {
      int pos = 4 + 1;
      int algLen = frame[pos] & 0xff;
      pos += 1 + algLen;
      int sigLen = ((frame[pos] & 0xff) << 8) | (frame[pos + 1] & 0xff);
      pos += 2 + sigLen;
      pos += 4;  // chain length; the leaf's own DER length follows
      int start = pos;
      if ((frame[pos] & 0xff) != 0x30) {
        return null;
      }
      int lenByte = frame[pos + 1] & 0xff;
      int contentLen;
      int header;
      if (lenByte < 0x80) {
        contentLen = lenByte;
        header = 2;
      } else {
        int n = lenByte & 0x7f;
        if (n < 1 || n > 3) {
          return null;
        }
        contentLen = 0;
        for (int i = 0; i < n; i++) {
          contentLen = (contentLen << 8) | (frame[pos + 2 + i] & 0xff);
        }
        header = 2 + n;
      }
      int total = header + contentLen;
      if (start + total > frame.length) {
        return null;
      }
      byte[] der = new byte[total];
      System.arraycopy(frame, start, der, 0, total);
      return sha256(der);
    } catch (ArrayIndexOutOfBoundsException e) {
      return null;  // a truncated frame: the verifier rejects it; the archive just has no fingerprint
    }
  }

  private static String sha256(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "ArchivedMessage{id=" + id + ", topic=" + org.fedmsg.crypto.LogText.escape(topic) + ", msg_id="
        + org.fedmsg.crypto.LogText.escape(msgId) + "}";
  }
}
