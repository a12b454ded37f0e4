package org.fedmsg.crypto;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One configured location (file or https URL) of PEM text. Polled by the trust store's refresher;
 * reports new text only when it changed. Not thread-safe: the store serialises calls.
 */
final class TrustSource {
  private final String location;
  private final String kind;
  private final HttpClient http;
  private final Path stateCopy;
  private FileTime lastModified;
  private long lastSize = -1;
  private String lastText;
  private Instant lastFetch;

  TrustSource(String location, String kind, HttpClient http, Path stateDirectory) {
    this.location = location;
    this.kind = kind;
    this.http = http;
    this.stateCopy = isUrl() && stateDirectory != null
        ? stateDirectory.resolve(kind + "-" + HexFormat.of().formatHex(
            Certificates.sha256(location.getBytes(StandardCharsets.UTF_8)), 0, 8) + ".pem")
        : null;
  }

  boolean isUrl() {
    return location.startsWith("https://");
  }

  String location() {
    return location;
  }

  /** When the URL was last fetched successfully; null for files or before the first fetch. */
  Instant lastFetch() {
    return lastFetch;
  }

  /**
   * Reads the source if it may have changed.
   *
   * @param now the current instant (for fetch bookkeeping)
   * @param fetchUrl whether a URL should be fetched now (files are always checked)
   * @return the new text, or null if unchanged or not checked
   * @throws IOException if the file is missing or unreadable, or the fetch fails
   */
  String poll(Instant now, boolean fetchUrl) throws IOException {
    if (!isUrl()) {
      Path file = Path.of(location);
      FileTime mtime;
      long size;
      try {
        mtime = Files.getLastModifiedTime(file);
        size = Files.size(file);
      } catch (NoSuchFileException e) {
        throw new IOException(kind + " file " + location + " does not exist", e);
      }
      if (lastText != null && mtime.equals(lastModified) && size == lastSize) {
        return null;
      }
      String text = Files.readString(file, StandardCharsets.ISO_8859_1);
      lastModified = mtime;
      lastSize = size;
      return changed(text);
    }
    if (!fetchUrl && lastText != null) {
      return null;
    }
    String text = fetch();
    lastFetch = now;
    return changed(text);
  }

  /**
   * Keeps {@code text} (fetched from the URL and accepted by the store) as the state-directory
   * copy. Only accepted material is kept, so a refused CRL never replaces a good copy.
   * Nothing for files or without a state directory.
   */
  void keep(String text) throws IOException {
    if (stateCopy == null) {
      return;
    }
    Files.createDirectories(stateCopy.getParent());
    Path tmp = Files.createTempFile(stateCopy.getParent(), kind, ".tmp");
    Files.writeString(tmp, text, StandardCharsets.ISO_8859_1);
    Files.move(tmp, stateCopy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The copy kept in the state directory, for when the first fetch fails; null if none. */
  String readStateCopy() {
    if (stateCopy == null || !Files.isReadable(stateCopy)) {
      return null;
    }
    try {
      return changed(Files.readString(stateCopy, StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      return null;
    }
  }

  /** Forgets the last text, so that the next poll reports it again (after a parse failure). */
  void forget() {
    lastText = null;
  }

  private String changed(String text) {
    if (text.equals(lastText)) {
      return null;
    }
    lastText = text;
    return text;
  }

  private String fetch() throws IOException {
    HttpRequest req = HttpRequest.newBuilder(URI.create(location)).timeout(Duration.ofSeconds(30)).GET().build();
    try {
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
      if (resp.statusCode() != 200) {
        throw new IOException("GET " + location + " returned HTTP " + resp.statusCode());
      }
      return resp.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + location, e);
    }
  }
}
