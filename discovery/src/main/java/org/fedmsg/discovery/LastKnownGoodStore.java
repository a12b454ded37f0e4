package org.fedmsg.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists the last known good answer of every source in {@code <state dir>/discovery-endpoints.json} so a
 * restarted process that finds every source down still knows where the publishers were. I/O errors are
 * logged, never thrown: losing this file only loses the fallback.
 *
 * <p>Several processes may share the state directory (a relay, a hub and a tail on one host): answers are
 * stored under a key naming the source's configuration (not its label alone, which every process's first
 * {@code file} source shares), and each save merges into the file under an exclusive lock
 * ({@code discovery-endpoints.json.lock}), replacing only this process's entries.
 */
final class LastKnownGoodStore {

  static final String FILE_NAME = "discovery-endpoints.json";
  private static final Logger LOG = LoggerFactory.getLogger(LastKnownGoodStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One monitor per lock file: a file lock is held per JVM, so threads of one process queue here first. */
  private static final Map<Path, Object> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

  private final Path file;
  private final Path lockFile;
  private final Map<String, String> keys;

  /**
   * @param sourceKeys resolver label to the key its answer is stored under; a label not listed is its own key
   */
  LastKnownGoodStore(Path stateDirectory, Map<String, String> sourceKeys) {
    this.file = stateDirectory.resolve(FILE_NAME);
    this.lockFile = stateDirectory.resolve(FILE_NAME + ".lock");
    this.keys = Map.copyOf(sourceKeys);
  }

  private String key(String label) {
    return keys.getOrDefault(label, label);
  }

  Path file() {
    return file;
  }

  /**
   * Reads the stored answers of the given resolver labels; a missing file gives an empty map, a corrupt one
   * a warning and an empty map.
   */
  Map<String, Resolution> load(java.util.Collection<String> labels) {
    Map<String, Resolution> out = new HashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    try {
      JsonNode root = JSON.readTree(file.toFile());
      JsonNode sources = root.path("sources");
      if (root.path("version").asInt() != 1 || !sources.isObject()) {
        LOG.warn("Ignoring {}: not a version 1 discovery state file", file);
        return out;
      }
      for (String source : labels) {
        JsonNode s = sources.get(key(source));
        if (s == null || !s.isObject()) {
          continue;
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (JsonNode ep : s.path("endpoints")) {
          endpoints.add(new Endpoint(ep.path("service").asText(), ep.path("url").asText(),
              Optional.ofNullable(ep.path("curve_server_key").textValue()), source));
        }
        out.put(source, new Resolution(source, endpoints, List.of(),
            Instant.parse(s.path("resolved_at").asText()), Optional.empty()));
      }
      LOG.info("Loaded the last known good discovery answer of {} source(s) from {}", out.size(), file);
      return out;
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring unreadable discovery state file {}: {}", file, e.toString());
      return new HashMap<>();
    }
  }

  /**
   * Stores this process's answers: under an exclusive lock, reads the file, replaces the entries of these
   * sources (keeping every other process's), and writes it atomically (temporary file, then rename).
   */
  void save(Map<String, Resolution> lastGood) {
    Object monitor = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new Object());
    synchronized (monitor) {
      saveLocked(lastGood);
    }
  }

  private void saveLocked(Map<String, Resolution> lastGood) {
    try {
      Files.createDirectories(file.getParent());
      try (java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(lockFile,
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
          java.nio.channels.FileLock held = lock.lock()) {
        ObjectNode root = JSON.createObjectNode().put("version", 1);
        ObjectNode sources = root.putObject("sources");
        JsonNode existing = readQuietly();
        if (existing.path("version").asInt() == 1 && existing.path("sources").isObject()) {
          existing.path("sources").fields().forEachRemaining(e -> sources.set(e.getKey(), e.getValue()));
        }
        lastGood.forEach((source, res) -> {
          ObjectNode s = sources.putObject(key(source)).put("resolved_at", res.resolvedAt().toString());
          ArrayNode eps = s.putArray("endpoints");
          for (Endpoint ep : res.endpoints()) {
            ObjectNode n = eps.addObject().put("service", ep.service()).put("url", ep.url());
            ep.curveServerKey().ifPresent(k -> n.put("curve_server_key", k));
          }
        });
        Path tmp = Files.createTempFile(file.getParent(), FILE_NAME, ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        try {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not save the discovery state to {}: {}", file, e.toString());
    }
  }

  /** The file as it is now, or an empty object when it is missing or unreadable (it is then rewritten). */
  private JsonNode readQuietly() {
    if (!Files.exists(file)) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Replacing unreadable discovery state file {}: {}", file, e.toString());
      return JSON.createObjectNode();
    }
  }
}
