package org.fedmsg.certs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state file {@value #FILE_NAME}: the CA's identity, the CRL number, and every certificate
 * the CA issued with its revocation status. {@code list}, {@code revoke} and {@code crl} all read
 * it, so they agree. It is read and rewritten under the {@link DirLock}, and written through a
 * {@link FileBatch}, so it is never half-written.
 *
 * <p>A mutable working copy; not thread-safe.
 */
final class StateFile {
  static final String FILE_NAME = "fedmsg-certs.json";
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  String caName;
  BigInteger caSerial;
  String caKeyType;
  long crlNumber;
  final List<CertificateEntry> certificates = new ArrayList<>();

  /** A fresh state for a new CA. */
  static StateFile forNewCa(String name, BigInteger serial, KeyType keyType) {
    StateFile s = new StateFile();
    s.caName = name;
    s.caSerial = serial;
    s.caKeyType = keyType.cliName();
    return s;
  }

  /**
   * Reads the state file of {@code dir}.
   *
   * @return empty if there is none
   * @throws CertsException {@link CertsException.Reason#BAD_STATE} if it is damaged,
   *     {@link CertsException.Reason#UNREADABLE} if it cannot be read
   */
  static Optional<StateFile> read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot read " + file + ": " + FileBatch.describe(e), e);
    }
    try {
      return Optional.of(parse(JSON.readTree(bytes)));
    } catch (IOException | RuntimeException e) {
      throw new CertsException(CertsException.Reason.BAD_STATE,
          "damaged state file " + file + ": " + e.getMessage(), e);
    }
  }

  private static StateFile parse(JsonNode root) {
    int format = root.path("format").asInt(-1);
    if (format != FORMAT) {
      throw new IllegalArgumentException("unsupported format " + root.path("format"));
    }
    StateFile s = new StateFile();
    JsonNode ca = required(root, "ca");
    s.caName = text(ca, "name");
    s.caSerial = new BigInteger(text(ca, "serial"), 16);
    s.caKeyType = text(ca, "keyType");
    s.crlNumber = required(root, "crlNumber").asLong();
    for (JsonNode c : required(root, "certificates")) {
      List<String> sans = new ArrayList<>();
      c.path("subjectAltNames").forEach(n -> sans.add(n.asText()));
      JsonNode revoked = c.get("revoked");
      s.certificates.add(new CertificateEntry(
          new BigInteger(text(c, "serial"), 16),
          text(c, "certname"),
          text(c, "commonName"),
          c.hasNonNull("service") ? c.get("service").asText() : null,
          c.hasNonNull("host") ? c.get("host").asText() : null,
          text(c, "keyType"),
          Instant.parse(text(c, "notBefore")),
          Instant.parse(text(c, "notAfter")),
          sans,
          revoked == null || revoked.isNull() ? null : Instant.parse(text(revoked, "at")),
          revoked == null || revoked.isNull() ? null : RevocationReason.parse(text(revoked, "reason"))));
    }
    return s;
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing '" + field + "'");
    }
    return v;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = required(node, field);
    if (!v.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' is not a string");
    }
    return v.asText();
  }

  /** The JSON bytes of this state. */
  byte[] toBytes() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    ObjectNode ca = root.putObject("ca");
    ca.put("name", caName);
    ca.put("serial", caSerial.toString(16));
    ca.put("keyType", caKeyType);
    root.put("crlNumber", crlNumber);
    ArrayNode certs = root.putArray("certificates");
    for (CertificateEntry e : certificates) {
      ObjectNode c = certs.addObject();
      c.put("serial", e.serial().toString(16));
      c.put("certname", e.certname());
      c.put("commonName", e.commonName());
      c.put("service", e.service());
      c.put("host", e.host());
      c.put("keyType", e.keyType());
      c.put("notBefore", e.notBefore().toString());
      c.put("notAfter", e.notAfter().toString());
      ArrayNode sans = c.putArray("subjectAltNames");
      e.subjectAltNames().forEach(sans::add);
      if (e.revoked()) {
        ObjectNode r = c.putObject("revoked");
        r.put("at", e.revokedAt().toString());
        r.put("reason", e.revocationReason().cliName());
      } else {
        c.putNull("revoked");
      }
    }
    try {
      return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Entries for {@code certname}, oldest first. */
  List<CertificateEntry> entriesFor(String certname) {
    return certificates.stream().filter(e -> e.certname().equals(certname)).toList();
  }

  /** Whether a serial is already used (by the CA or any certificate). */
  boolean serialUsed(BigInteger serial) {
    return serial.equals(caSerial) || certificates.stream().anyMatch(e -> e.serial().equals(serial));
  }
}
