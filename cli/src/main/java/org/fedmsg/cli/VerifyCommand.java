package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import picocli.CommandLine.Option;

/**
 * {@code fedmsg verify}: checks signed messages offline, as they appear on the wire or in an
 * archive (fedmsg/1 bodies, or the fedmsg/2 JSON form printed by {@code fedmsg sign}). Being
 * offline it applies no replay window; {@code --at} sets the instant at which certificates and
 * the CRL are judged. Prints one JSON line per message: {@code {"valid", "reason", "detail",
 * "signer", "topic", "msg_id"}}. Exit 0 if all are valid, 1 if any is not, 2 for a usage or
 * configuration error.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify signed messages offline (one JSON per line, one document, or a JSON array), "
        + "reading the input as a stream and printing one result line per message as it goes.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:all messages valid", "1:a message is invalid", "2:usage or configuration error "
        + "(bad option, CA, CRL, policy or input file not found or unreadable, parse error)"})
public final class VerifyCommand extends SignedLinesCommand {
  static final int ALL_VALID = 0;
  static final int SOME_INVALID = 1;

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

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Instant instant;
    try {
      instant = at == null ? Instant.now() : Instant.parse(at);
    } catch (DateTimeParseException e) {
      return fail("--at must be an ISO-8601 instant such as 2023-06-01T00:00:00Z: " + at);
    }
    TopicPolicy policy;
    try {
      policy = policy();
    } catch (PolicyException | IllegalArgumentException | UncheckedIOException e) {
      return fail(Failures.firstLine(e.getMessage()));
    }
    JsonInput in;
    try {
      in = input.open();
    } catch (IOException e) {
      return fail("cannot read " + Failures.classify(e).message());
    }
    TrustOptions.Builder trust;
    java.util.Set<org.fedmsg.WireFormat> formats;
    try {
      if (config != null) {
        org.fedmsg.config.FedmsgConfig loaded = org.fedmsg.config.ConfigLoader.builder().explicit(config).build().load();
        trust = org.fedmsg.config.TrustSettings.options(loaded);
        formats = org.fedmsg.config.TrustSettings.acceptFormats(loaded);
      } else if (ca == null) {
        in.close();
        return fail("--ca or --config is required");
      } else {
        trust = TrustOptions.builder();
        formats = java.util.EnumSet.allOf(org.fedmsg.WireFormat.class);
      }
    } catch (org.fedmsg.ConfigException e) {
      in.close();
      return fail(Failures.firstLine(e.getMessage()));
    }
    trust.backgroundRefresh(false);
    if (ca != null) {
      trust.ca(ca);
    }
    if (crl != null) {
      trust.crl(crl);
    }
    TrustStore store;
    try {
      store = TrustStore.create(trust.build());
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      in.close();
      return fail("cannot load the CA or CRL: " + Failures.firstLine(e.getMessage()));
    }
    boolean allValid = true;
    try (in; store) {
      MessageVerifier verifier = MessageVerifier.builder().trust(store).policy(policy).formats(formats).asOf(instant).build();
      for (JsonInput.Item item; (item = in.next()) != null; ) {
        // a page of the store's HTTP API (datagrepper's /raw shape): each of its messages in turn
        JsonNode page = item.error() == null ? item.node().path("raw_messages") : null;
        List<JsonInput.Item> items = new ArrayList<>();
        if (page != null && page.isArray()) {
          for (JsonNode m : page) {
            items.add(new JsonInput.Item(item.line(), m, null));
          }
        } else {
          items.add(item);
        }
        for (JsonInput.Item one : items) {
          ObjectNode line = check(verifier, one);
          allValid &= line.get("valid").booleanValue();
          out.println(toLine(line));
        }
      }
    } finally {
      out.flush();
    }
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
    Optional<Fedmsg2Line> fedmsg2 = Fedmsg2Line.from(node);
    Optional<List<byte[]>> frames = archivedFrames(node);
    if (item.error() != null) {
      result = new VerificationResult.Invalid(VerificationResult.Reason.MALFORMED, "line " + item.line() + ": " + item.error());
    } else if (frames.isPresent()) {
      // a message from the store: verified from its frames as they travelled, never from the JSON around them
      List<byte[]> f = frames.get();
      if (f.size() == 2 || f.size() == 3) {
        MessageVerifier.Verdict verdict = verifier.checkRaw(f);
        result = verdict.result();
        body = envelope(verdict, f.get(1));
      } else {
        body = null;
        result = new VerificationResult.Invalid(VerificationResult.Reason.MALFORMED, "line " + item.line()
            + ": frames must hold 2 (fedmsg/1) or 3 (fedmsg/2) base64 strings");
      }
    } else if (fedmsg2.isPresent()) {
      List<byte[]> f = fedmsg2.get().frames();
      MessageVerifier.Verdict verdict = verifier.checkRaw(f);
      result = verdict.result();
      body = envelope(verdict, f.get(1));
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

  /**
   * The body fields a result line shows: the envelope the verifier read from the raw frames (no
   * tree is built for a message that verifies); for a message refused before its body was read,
   * the body parsed here, leniently, so that the line still names its topic and id.
   */
  private static JsonNode envelope(MessageVerifier.Verdict verdict, byte[] body) {
    if (verdict.body() != null && verdict.body().has("topic")) {
      return verdict.body();
    }
    try {
      return CanonicalJson.parse(body);
    } catch (IllegalArgumentException e) {
      return null;  // reported by the verifier as malformed
    }
  }

  /**
   * The {@code frames} of a message as the store's HTTP API returns it (base64 strings); a
   * malformed list gives no frames, so it fails verification.
   */
  static Optional<List<byte[]>> archivedFrames(JsonNode node) {
    JsonNode frames = node == null ? null : node.get("frames");
    if (frames == null || !frames.isArray()) {
      return Optional.empty();
    }
    List<byte[]> out = new ArrayList<>();
    for (JsonNode f : frames) {
      try {
        out.add(java.util.Base64.getDecoder().decode(f.asText("")));
      } catch (IllegalArgumentException e) {
        return Optional.of(List.of());
      }
    }
    return Optional.of(out);
  }

  private static JsonNode field(JsonNode body, String name) {
    JsonNode v = body == null || !body.isObject() ? null : body.get(name);
    return v == null ? JsonNodeFactory.instance.nullNode() : v;
  }
}
