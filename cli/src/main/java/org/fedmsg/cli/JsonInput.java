package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.json.MalformedJsonException;
import picocli.CommandLine.Parameters;

/**
 * Reads the JSON input of {@code fedmsg sign} and {@code fedmsg verify} as a stream, one message
 * at a time, so memory stays flat whatever the input size: one document per line (the usual
 * form, and what both commands print), or one document spread over lines (e.g. pretty-printed by
 * {@code jq}), or one array of documents, whose elements are read one by one. The first line
 * decides: a complete document on it means one document per line. Parsed with the
 * Python-compatible parser, so numbers keep the form the signature covers, except that an
 * object repeating a key is an error item, as it is a {@code MALFORMED} message on the bus.
 */
final class JsonInput implements Closeable {
  /** One input item: a parsed document, or the reason it could not be parsed. */
  record Item(int line, JsonNode node, String error) {}

  /** The input argument both commands share. */
  static final class Source {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Input file; - or absent: standard input.")
    String file;

    /** Standard input (tests replace it). */
    InputStream stdin = System.in;

    /** Opens the input; a missing or unreadable file throws {@link java.nio.file.NoSuchFileException} and the like. */
    JsonInput open() throws IOException {
      InputStream in = file == null || file.equals("-") ? stdin : Files.newInputStream(Path.of(file));
      return new JsonInput(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16));
    }

    String name() {
      return file == null || file.equals("-") ? "standard input" : file;
    }
  }

  private enum Mode { UNDECIDED, LINES, ARRAY, DONE }

  private final BufferedReader reader;
  private Mode mode = Mode.UNDECIDED;
  private int lineNumber;
  private int element;
  /** Characters read ahead of the array scanner (the rest of the first line). */
  private String pending = "";
  private int pendingAt;

  private JsonInput(BufferedReader reader) {
    this.reader = reader;
  }

  /** The items of {@code text} (for tests and small inputs). */
  static List<Item> items(String text) {
    List<Item> out = new ArrayList<>();
    try (JsonInput in = new JsonInput(new BufferedReader(new java.io.StringReader(text)))) {
      for (Item item; (item = in.next()) != null; ) {
        out.add(item);
      }
    }
    return out;
  }

  /**
   * The next item, or null at the end of the input.
   *
   * @throws UncheckedIOException when reading fails
   */
  Item next() {
    try {
      return switch (mode) {
        case UNDECIDED -> first();
        case LINES -> nextLine();
        case ARRAY -> nextElement();
        case DONE -> null;
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Item first() throws IOException {
    String line;
    do {
      line = reader.readLine();
      if (line == null) {
        mode = Mode.DONE;
        return null;
      }
      lineNumber++;
    } while (line.isBlank());
    String start = line.stripLeading();
    if (!start.startsWith("[") && new Depth().scan(line) == 0) {
      mode = Mode.LINES;
      return parse(lineNumber, line);
    }
    if (start.startsWith("[")) {
      mode = Mode.ARRAY;
      pending = start.substring(1) + "\n";
      return nextElement();
    }
    // One document over several lines: it is the whole input.
    int firstLine = lineNumber;
    StringBuilder document = new StringBuilder(line).append('\n');
    for (String more; (more = reader.readLine()) != null; ) {
      lineNumber++;
      document.append(more).append('\n');
    }
    mode = Mode.DONE;
    return parse(firstLine, document.toString());
  }

  private Item nextLine() throws IOException {
    for (String line; (line = reader.readLine()) != null; ) {
      lineNumber++;
      if (!line.isBlank()) {
        return parse(lineNumber, line);
      }
    }
    mode = Mode.DONE;
    return null;
  }

  /** Reads one element of the top-level array, up to the comma or closing bracket after it. */
  private Item nextElement() throws IOException {
    StringBuilder text = new StringBuilder();
    Depth depth = new Depth();
    for (int c; (c = read()) >= 0; ) {
      if (depth.atTop() && (c == ',' || c == ']')) {
        if (text.toString().isBlank()) {
          if (c == ']' && element == 0) {
            mode = Mode.DONE;
            return null;  // []
          }
          mode = Mode.DONE;
          return new Item(element + 1, null, "empty element in the array");
        }
        element++;
        if (c == ']') {
          mode = Mode.DONE;
        }
        return parse(element, text.toString());
      }
      depth.accept((char) c);
      text.append((char) c);
    }
    mode = Mode.DONE;
    return new Item(element + 1, null, "the array is not closed before the end of the input");
  }

  private int read() throws IOException {
    if (pendingAt < pending.length()) {
      return pending.charAt(pendingAt++);
    }
    return reader.read();
  }

  private static Item parse(int number, String text) {
    try {
      // As on the bus: a repeated key means different things to different parsers of the same
      // signed bytes, so it is refused rather than resolved.
      return new Item(number, CanonicalJson.parseUnique(text.getBytes(StandardCharsets.UTF_8)), null);
    } catch (MalformedJsonException e) {
      return new Item(number, null, (e.isDuplicateKey() ? "duplicate-key: " : "") + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      reader.close();
    } catch (IOException ignored) {
      // nothing left to read
    }
  }

  /** Bracket depth outside strings: enough to find where a JSON value ends without parsing it. */
  private static final class Depth {
    private int depth;
    private boolean inString;
    private boolean escaped;

    int scan(String s) {
      for (int i = 0; i < s.length(); i++) {
        accept(s.charAt(i));
      }
      return inString ? 1 : depth;
    }

    boolean atTop() {
      return depth == 0 && !inString;
    }

    void accept(char c) {
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
        return;
      }
      switch (c) {
        case '"' -> inString = true;
        case '{', '[' -> depth++;
        case '}', ']' -> depth--;
        default -> { }
      }
    }
  }
}
