package org.fedmsg.discovery.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.fedmsg.crypto.Pem;
import org.fedmsg.crypto.SignatureAlgorithm;
import org.fedmsg.crypto.Signer;

/**
 * A {@link Registration} with its signature and the signer's certificate chain, as stored by the directory
 * and returned to clients, who verify it themselves.
 *
 * <p>Immutable. JSON form: {@code {"registration": {...}, "algorithm": "<wire name>", "signature":
 * "<base64>", "certificates": ["<PEM leaf>", "<PEM intermediate>", ...]}}.
 *
 * @param registration the signed statement
 * @param algorithm the signature algorithm (strong algorithms only are accepted on verification)
 * @param signature the signature over {@link Registration#canonicalBytes()}, base64 (kept as text so the
 *     record holds no mutable array)
 * @param chain the signer's certificate then intermediates
 */
public record SignedRegistration(Registration registration, SignatureAlgorithm algorithm, String signature,
    List<X509Certificate> chain) {

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the chain is empty or the signature is not base64
   */
  public SignedRegistration {
    Objects.requireNonNull(registration, "registration");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(signature, "signature");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate");
    }
    Base64.getDecoder().decode(signature);
  }

  /**
   * Signs a registration with the signer's native (strong) algorithm.
   *
   * @param registration what to sign
   * @param signer the service's certificate and key
   * @return the signed registration
   */
  public static SignedRegistration sign(Registration registration, Signer signer) {
    byte[] sig = signer.sign(registration.canonicalBytes());
    return new SignedRegistration(registration, signer.algorithm(), Base64.getEncoder().encodeToString(sig),
        signer.chain());
  }

  /**
   * Who signed, as the directory orders statements: the SHA-256 of the leaf certificate's
   * SubjectPublicKeyInfo, lower-case hex. A renewed certificate that keeps its key keeps this id, so
   * registrations signed under either certificate are ordered against each other.
   *
   * @return 64 hex digits
   */
  public String signerKeyId() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(chain.get(0).getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * The signature bytes.
   *
   * @return a fresh array
   */
  public byte[] signatureBytes() {
    return Base64.getDecoder().decode(signature);
  }

  /**
   * The JSON form.
   *
   * @return a new object
   */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.set("registration", registration.toJson());
    n.put("algorithm", algorithm.wireName());
    n.put("signature", signature);
    chain.forEach(c -> n.withArray("certificates").add(Pem.encodeCertificate(c)));
    return n;
  }

  /**
   * Reads the JSON form.
   *
   * @param n the object
   * @return the signed registration (not yet verified)
   * @throws IllegalArgumentException if anything is missing or malformed
   */
  public static SignedRegistration fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("signed registration must be an object");
    }
    Registration r = Registration.fromJson(n.get("registration"));
    SignatureAlgorithm alg = SignatureAlgorithm.fromWireName(n.path("algorithm").asText(""))
        .orElseThrow(() -> new IllegalArgumentException("unknown algorithm " + n.path("algorithm")));
    if (!n.path("signature").isTextual() || !n.path("certificates").isArray()) {
      throw new IllegalArgumentException("signed registration needs signature and certificates");
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (JsonNode c : n.path("certificates")) {
      if (!c.isTextual()) {
        throw new IllegalArgumentException("certificates must be PEM strings");
      }
      try {
        chain.add(Pem.readCertificate(c.asText()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("unreadable certificate: " + e.getMessage(), e);
      }
    }
    return new SignedRegistration(r, alg, n.path("signature").asText(), chain);
  }
}
