package org.fedmsg.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What {@code fedmsg sign} and {@code fedmsg verify} share: the input (a file or standard input,
 * read as a stream by {@link JsonInput}), the JSON-lines output, the fedmsg/2 line form one
 * writes and the other reads, and how a usage or configuration error is reported (one line, exit
 * 2).
 */
abstract class SignedLinesCommand implements Callable<Integer> {
  static final int USAGE_OR_CONFIG_ERROR = 2;
  static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin JsonInput.Source input;

  /** Prints {@code message} as the command's one error line; returns exit code 2. */
  int fail(String message) {
    spec.commandLine().getErr().println(spec.qualifiedName() + ": " + message);
    spec.commandLine().getErr().flush();
    return USAGE_OR_CONFIG_ERROR;
  }

  static String toLine(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /**
   * A fedmsg/2 message as one JSON line: {@code {"topic": ..., "body": <body frame text>,
   * "signature": <base64 of the signature frame>}}.
   */
  record Fedmsg2Line(String topic, String body, String signature) {
    static Fedmsg2Line of(byte[][] frames) {
      return new Fedmsg2Line(new String(frames[0], StandardCharsets.UTF_8), new String(frames[1], StandardCharsets.UTF_8),
          Base64.getEncoder().encodeToString(frames[2]));
    }

    /** The form, if {@code node} has it (a fedmsg/1 body has a {@code certificate} instead). */
    static Optional<Fedmsg2Line> from(JsonNode node) {
      if (node == null || !node.isObject() || !node.path("topic").isTextual() || !node.path("body").isTextual()
          || !node.path("signature").isTextual() || node.has("certificate")) {
        return Optional.empty();
      }
      return Optional.of(new Fedmsg2Line(node.get("topic").textValue(), node.get("body").textValue(),
          node.get("signature").textValue()));
    }

    /** The three frames; an undecodable signature becomes an empty frame, which fails verification. */
    List<byte[]> frames() {
      byte[] sig;
      try {
        sig = Base64.getDecoder().decode(signature);
      } catch (IllegalArgumentException e) {
        sig = new byte[0];
      }
      return List.of(topic.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8), sig);
    }

    String toLine() {
      ObjectNode line = JSON.createObjectNode();
      line.put("topic", topic);
      line.put("body", body);
      line.put("signature", signature);
      return SignedLinesCommand.toLine(line);
    }
  }
}
