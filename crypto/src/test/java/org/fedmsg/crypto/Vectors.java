package org.fedmsg.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.testing.Fixtures;

/** Access to the reference fixtures for tests. */
final class Vectors {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Vectors() {}

  static JsonNode signedVectors() {
    return read(Fixtures.signedVectorsJson());
  }

  static List<JsonNode> vectors() {
    List<JsonNode> out = new ArrayList<>();
    signedVectors().get("vectors").forEach(out::add);
    return out;
  }

  static JsonNode productionMessages() {
    return read(Fixtures.productionMessagesJson());
  }

  static String text(String fixture) {
    return new String(Fixtures.bytes(fixture), StandardCharsets.ISO_8859_1);
  }

  static X509Certificate cert(String fixture) {
    return Pem.readCertificate(text("fedmsg-test-certs/" + fixture));
  }

  private static JsonNode read(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
