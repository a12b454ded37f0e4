package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.json.CanonicalJson;

/**
 * Reads the JSON input of {@code fedmsg sign} and {@code fedmsg verify}: one document (an object,
 * or an array of them), or one document per line. Parsed with the Python-compatible parser, so
 * numbers keep the form the signature covers.
 */
final class JsonInput {
  /** One input item: a parsed document, or the reason the line could not be parsed. */
  record Item(int line, JsonNode node, String error) {}

  private JsonInput() {}

  /** Reads {@code file} ({@code -} or null: {@code stdin}). */
  static String read(String file, InputStream stdin) throws IOException {
    byte[] bytes = file == null || file.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(Path.of(file));
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The items of {@code text}: the whole text if it is one document, else each non-blank line. */
  static List<Item> items(String text) {
    List<Item> out = new ArrayList<>();
    if (text.isBlank()) {
      return out;
    }
    try {
      JsonNode whole = CanonicalJson.parse(text);
      if (whole.isArray()) {
        for (JsonNode n : whole) {
          out.add(new Item(out.size() + 1, n, null));
        }
      } else {
        out.add(new Item(1, whole, null));
      }
      return out;
    } catch (IllegalArgumentException notOneDocument) {
      // one document per line
    }
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      try {
        out.add(new Item(i + 1, CanonicalJson.parse(lines[i]), null));
      } catch (IllegalArgumentException e) {
        out.add(new Item(i + 1, null, e.getMessage()));
      }
    }
    return out;
  }
}
