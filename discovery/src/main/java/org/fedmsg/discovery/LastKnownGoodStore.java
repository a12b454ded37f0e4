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
 */
final class LastKnownGoodStore {

  static final String FILE_NAME = "discovery-endpoints.json";
  private static final Logger LOG = LoggerFactory.getLogger(LastKnownGoodStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  LastKnownGoodStore(Path stateDirectory) {
    this.file = stateDirectory.resolve(FILE_NAME);
  }

  Path file() {
    return file;
  }

  /** Reads the stored answers; a missing file gives an empty map, a corrupt one a warning and an empty map. */
  Map<String, Resolution> load() {
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
      sources.fields().forEachRemaining(e -> {
        String source = e.getKey();
        JsonNode s = e.getValue();
        List<Endpoint> endpoints = new ArrayList<>();
        for (JsonNode ep : s.path("endpoints")) {
          endpoints.add(new Endpoint(ep.path("service").asText(), ep.path("url").asText(),
              Optional.ofNullable(ep.path("curve_server_key").textValue()), source));
        }
        out.put(source, new Resolution(source, endpoints, List.of(),
            Instant.parse(s.path("resolved_at").asText()), Optional.empty()));
      });
      LOG.info("Loaded the last known good discovery answer of {} source(s) from {}", out.size(), file);
      return out;
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring unreadable discovery state file {}: {}", file, e.toString());
      return new HashMap<>();
    }
  }

  /** Writes every answer atomically (temporary file, then rename). */
  void save(Map<String, Resolution> lastGood) {
    ObjectNode root = JSON.createObjectNode().put("version", 1);
    ObjectNode sources = root.putObject("sources");
    lastGood.forEach((source, res) -> {
      ObjectNode s = sources.putObject(source).put("resolved_at", res.resolvedAt().toString());
      ArrayNode eps = s.putArray("endpoints");
      for (Endpoint ep : res.endpoints()) {
        ObjectNode n = eps.addObject().put("service", ep.service()).put("url", ep.url());
        ep.curveServerKey().ifPresent(k -> n.put("curve_server_key", k));
      }
    });
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), FILE_NAME, ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      LOG.warn("Could not save the discovery state to {}: {}", file, e.toString());
    }
  }
}
