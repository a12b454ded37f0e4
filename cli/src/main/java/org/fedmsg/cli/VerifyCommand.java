package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.policy.PolicyException;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.MessageVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg verify}: checks signed messages offline, as they appear on the wire or in an
 * archive (fedmsg/1 bodies, or the fedmsg/2 JSON form printed by {@code fedmsg sign}). Being
 * offline it applies no replay window; {@code --at} sets the instant at which certificates and
 * the CRL are judged. Prints one JSON line per message: {@code {"valid", "reason", "detail",
 * "signer", "topic", "msg_id"}}. Exit 0 if all are valid, 1 if any is not, 2 for a usage or
 * configuration error.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify signed messages offline (one JSON per line, or a JSON array). "
        + "Exit 0 all valid, 1 any invalid, 2 usage or configuration error.")
public final class VerifyCommand implements Callable<Integer> {
  static final int ALL_VALID = 0;
  static final int SOME_INVALID = 1;
  static final int CONFIG_ERROR = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle (PEM); required without --config.")
  Path ca;

  @Option(names = "--config", paramLabel = "FILE|DIR",
      description = "Trust settings from this configuration (ca_cert_location, crl_location, crypto_allowed_digests, "
          + "crypto_min_rsa_bits, accept_formats, ...), as the bus applies them; --ca and --crl override.")
  Path config;

  @Option(names = "--crl", paramLabel = "FILE", description = "CRL (PEM); without it, no revocation check.")
  Path crl;

  @Option(names = "--routing-policy", paramLabel = "JSON|@FILE",
      description = "The reference's routing_policy: {\"topic\": [\"signer CN\", ...]}, inline, or from a file "
          + "as --routing-policy=@FILE (a separate @FILE argument is read as an argument file).")
  String routingPolicy;

  @Option(names = "--nitpicky", description = "routing_nitpicky: topics not in the routing policy are denied.")
  boolean nitpicky;

  @Option(names = "--policy", paramLabel = "FILE", description = "Policy file (YAML, see docs/policy.md).")
  Path policyFile;

  @Option(names = "--at", paramLabel = "ISO-8601", description = "Judge certificates at this instant (default: now).")
  String at;

  @Option(names = "--archive-fixup",
      description = "Undo datagrepper's changes (source_name, source_version, empty headers, float timestamp) first.")
  boolean archiveFixup;

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Input file; - or absent: standard input.")
  String file;

  InputStream stdin = System.in;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant instant;
    try {
      instant = at == null ? Instant.now() : Instant.parse(at);
    } catch (DateTimeParseException e) {
      err.println("verify: --at must be an ISO-8601 instant such as 2023-06-01T00:00:00Z: " + at);
      return CONFIG_ERROR;
    }
    TopicPolicy policy;
    try {
      policy = policy();
    } catch (PolicyException | IllegalArgumentException | UncheckedIOException e) {
      err.println("verify: " + e.getMessage());
      return CONFIG_ERROR;
    }
    List<JsonInput.Item> items;
    try {
      items = JsonInput.items(JsonInput.read(file, stdin));
    } catch (IOException e) {
      err.println("verify: cannot read " + file + ": " + e);
      return CONFIG_ERROR;
    }
    TrustOptions.Builder trust;
    java.util.Set<org.fedmsg.WireFormat> formats;
    try {
      if (config != null) {
        org.fedmsg.config.FedmsgConfig loaded = org.fedmsg.config.ConfigLoader.builder().explicit(config).build().load();
        trust = org.fedmsg.config.TrustSettings.options(loaded);
        formats = org.fedmsg.config.TrustSettings.acceptFormats(loaded);
      } else if (ca == null) {
        err.println("verify: --ca or --config is required");
        return CONFIG_ERROR;
      } else {
        trust = TrustOptions.builder();
        formats = java.util.EnumSet.allOf(org.fedmsg.WireFormat.class);
      }
    } catch (org.fedmsg.ConfigException e) {
      err.println("verify: " + e.getMessage());
      return CONFIG_ERROR;
    }
    trust.backgroundRefresh(false);
    if (ca != null) {
      trust.ca(ca);
    }
    if (crl != null) {
      trust.crl(crl);
    }
    boolean allValid = true;
    try (TrustStore store = TrustStore.create(trust.build())) {
      MessageVerifier verifier = MessageVerifier.builder().trust(store).policy(policy).formats(formats).asOf(instant)
          .build();
      for (JsonInput.Item item : items) {
        ObjectNode line = check(verifier, item);
        allValid &= line.get("valid").booleanValue();
        out.println(JSON.writeValueAsString(line));
      }
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      err.println("verify: cannot load the CA or CRL: " + e.getMessage());
      return CONFIG_ERROR;
    } catch (IOException e) {
      err.println("verify: " + e);
      return CONFIG_ERROR;
    }
    out.flush();
    return allValid ? ALL_VALID : SOME_INVALID;
  }

  private TopicPolicy policy() {
    if (policyFile != null && (routingPolicy != null || nitpicky)) {
      throw new IllegalArgumentException("--policy cannot be combined with --routing-policy or --nitpicky");
    }
    if (policyFile != null) {
      return TopicPolicy.load(policyFile, TopicNamespace.DEFAULT);
    }
    if (routingPolicy == null && !nitpicky) {
      return null;
    }
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    if (routingPolicy != null) {
      String text = routingPolicy;
      if (text.startsWith("@")) {
        try {
          text = Files.readString(Path.of(text.substring(1)), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the routing policy " + text.substring(1) + ": " + e.getMessage(), e);
        }
      }
      JsonNode parsed;
      try {
        parsed = CanonicalJson.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--routing-policy is not JSON: " + e.getMessage(), e);
      }
      config.set("routing_policy", parsed);
    }
    config.put("routing_nitpicky", nitpicky);
    return TopicPolicy.fromConfig((JsonNode) config);
  }

  private ObjectNode check(MessageVerifier verifier, JsonInput.Item item) {
    JsonNode node = item.node();
    VerificationResult result;
    JsonNode body = node;
    if (item.error() != null) {
      result = new VerificationResult.Invalid(VerificationResult.Reason.MALFORMED, "line " + item.line() + ": " + item.error());
    } else if (isFedmsg2Form(node)) {
      byte[] signature;
      try {
        signature = Base64.getDecoder().decode(node.get("signature").textValue());
        body = CanonicalJson.parse(node.get("body").textValue());
      } catch (IllegalArgumentException e) {
        signature = new byte[0];
      }
      result = verifier.verify(List.of(node.get("topic").textValue().getBytes(StandardCharsets.UTF_8),
          node.get("body").textValue().getBytes(StandardCharsets.UTF_8), signature));
    } else {
      if (archiveFixup && node instanceof ObjectNode o) {
        body = Fedmsg1.archiveFixup(o);
      }
      result = verifier.verify(null, body);
    }
    ObjectNode line = JSON.createObjectNode();
    line.put("valid", result.isValid());
    if (result instanceof VerificationResult.Invalid inv) {
      line.put("reason", inv.reason().name());
      line.put("detail", inv.detail());
      line.putNull("signer");
    } else {
      line.putNull("reason");
      line.put("signer", ((VerificationResult.Valid) result).signer().commonName());
    }
    line.set("topic", field(body, "topic"));
    line.set("msg_id", field(body, "msg_id"));
    return line;
  }

  /** The JSON form {@code fedmsg sign --format fedmsg2} prints. */
  private static boolean isFedmsg2Form(JsonNode node) {
    return node != null && node.isObject() && node.path("topic").isTextual() && node.path("body").isTextual()
        && node.path("signature").isTextual() && !node.has("certificate");
  }

  private static JsonNode field(JsonNode body, String name) {
    JsonNode v = body == null || !body.isObject() ? null : body.get(name);
    return v == null ? JsonNodeFactory.instance.nullNode() : v;
  }
}
