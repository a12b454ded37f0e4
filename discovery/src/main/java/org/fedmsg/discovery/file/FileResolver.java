package org.fedmsg.discovery.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.EndpointUrls;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the reference {@code endpoints} map: service name to a URL string, a list of URL strings, or (an
 * extension) objects {@code {url: ..., curve_server_key: ...}} alone or in the list. A malformed entry is
 * skipped with a warning naming the service and the value; the rest of the map is still used.
 */
final class FileResolver implements EndpointResolver {

  private static final Logger LOG = LoggerFactory.getLogger(FileResolver.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String label;
  private final JsonNode config;
  private final Optional<Path> path;
  private final Set<String> exclude;
  private final Clock clock;

  FileResolver(String label, JsonNode config, Optional<Path> path, Set<String> exclude, Clock clock) {
    this.label = label;
    this.config = config;
    this.path = path;
    this.exclude = Set.copyOf(exclude);
    this.clock = clock;
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public Resolution resolve() {
    List<Endpoint> endpoints = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    JsonNode root = config;
    JsonNode map = config.path("endpoints");
    String where = "endpoints";
    if (path.isPresent()) {
      where = path.get() + ": endpoints";
      try {
        // YAML is a superset of JSON, so one parser reads both.
        root = YAML.readTree(path.get().toFile());
        map = root.path("endpoints");
      } catch (IOException | RuntimeException e) {
        Problem p = new Problem(label, Problem.Kind.UNREACHABLE, path.get().toString(),
            "cannot read the endpoints file: " + e.getMessage());
        LOG.warn("{}", p);
        return new Resolution(label, List.of(), List.of(p), clock.instant(), Optional.empty());
      }
    }
    if (map.isMissingNode() || map.isNull()) {
      LOG.debug("{}: no 'endpoints' map", label);
    } else if (!map.isObject()) {
      problems.add(malformed(where, "expected a map of service name to endpoint URLs, got " + map));
    } else {
      for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) map::fields) {
        if (!exclude.contains(e.getKey())) {
          readService(e.getKey(), e.getValue(), endpoints, problems);
        }
      }
    }
    readReplay(root.path("replay_endpoints"), endpoints, problems);
    return new Resolution(label, endpoints, problems, clock.instant(), Optional.empty());
  }

  /**
   * The reference's {@code replay_endpoints} map (service name to one URL), as replay endpoints
   * ({@link Endpoint#replay}); the CURVE key is the one the {@code endpoints} entries give for the
   * same service (a replay socket has its publisher's key), when they give exactly one.
   */
  private void readReplay(JsonNode map, List<Endpoint> endpoints, List<Problem> problems) {
    if (map == null || map.isMissingNode() || map.isNull()) {
      return;
    }
    if (!map.isObject()) {
      problems.add(malformed("replay_endpoints", "expected a map of service name to a URL, got " + map));
      return;
    }
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) map::fields) {
      String service = e.getKey();
      if (exclude.contains(service) || service.isBlank()) {
        continue;
      }
      if (!e.getValue().isTextual()) {
        problems.add(malformed("replay_endpoints." + service, "expected a URL string, got " + e.getValue()));
        continue;
      }
      String url = e.getValue().asText();
      Optional<String> why = EndpointUrls.problem(url);
      if (why.isPresent()) {
        problems.add(malformed("replay_endpoints." + service, "'" + url + "': " + why.get()));
        continue;
      }
      Set<Optional<String>> keys = new java.util.HashSet<>();
      for (Endpoint ep : endpoints) {
        if (ep.service().equals(service)) {
          keys.add(ep.curveServerKey());
        }
      }
      Optional<String> key = keys.size() == 1 ? keys.iterator().next() : Optional.empty();
      endpoints.add(Endpoint.replay(service, url, key, label));
    }
  }

  private void readService(String service, JsonNode value, List<Endpoint> out, List<Problem> problems) {
    if (service.isBlank()) {
      problems.add(malformed("(blank service name)", "a service name must not be blank"));
      return;
    }
    if (value.isArray()) {
      for (JsonNode item : value) {
        readEntry(service, item, out, problems);
      }
    } else {
      readEntry(service, value, out, problems);
    }
  }

  private void readEntry(String service, JsonNode item, List<Endpoint> out, List<Problem> problems) {
    String url;
    Optional<String> key = Optional.empty();
    if (item.isTextual()) {
      url = item.asText();
    } else if (item.isObject() && item.path("url").isTextual()) {
      url = item.path("url").asText();
      JsonNode k = item.path("curve_server_key");
      if (!k.isMissingNode() && !k.isNull()) {
        if (!k.isTextual() || !CurveKeys.isValid(k.asText())) {
          problems.add(malformed(service, "curve_server_key of " + url + " is not 40 characters of Z85"));
          return;
        }
        key = Optional.of(k.asText());
      }
    } else {
      problems.add(malformed(service, "expected a URL string or {url: ..., curve_server_key: ...}, got " + item));
      return;
    }
    Optional<String> why = EndpointUrls.problem(url);
    if (why.isPresent()) {
      problems.add(malformed(service, "'" + url + "': " + why.get()));
      return;
    }
    out.add(new Endpoint(service, url, key, label));
  }

  private Problem malformed(String subject, String detail) {
    Problem p = new Problem(label, Problem.Kind.MALFORMED_ENTRY, subject, detail + " (entry skipped)");
    LOG.warn("{}", p);
    return p;
  }
}
