package org.fedmsg.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The service extractors in force: the built-in ones, then those found by ServiceLoader. */
final class Extractors {
  private static final Logger LOG = LoggerFactory.getLogger(Extractors.class);
  /** Longest user or package name kept; longer values are dropped (they are not names). */
  static final int MAX_NAME = 256;
  /** At most this many users and packages per message: a message listing thousands is not about them. */
  static final int MAX_NAMES = 100;

  record Derived(String category, Set<String> users, Set<String> packages) {}

  private static volatile Extractors loaded;

  private final Map<String, ServiceExtractor> byService;

  Extractors(Iterable<ServiceExtractor> extractors) {
    Map<String, ServiceExtractor> map = new HashMap<>();
    for (ServiceExtractor e : extractors) {
      map.put(e.service(), e);
    }
    this.byService = Map.copyOf(map);
  }

  static Extractors loaded() {
    Extractors e = loaded;
    if (e == null) {
      java.util.List<ServiceExtractor> all = new java.util.ArrayList<>(BuiltinExtractors.ALL);
      ServiceLoader.load(ServiceExtractor.class).forEach(all::add);
      loaded = e = new Extractors(all);
    }
    return e;
  }

  /**
   * The category is the topic's fourth token, as datanommer derives it
   * ({@code org.fedoraproject.prod.buildsys.tag} → {@code buildsys}); users and packages come
   * from the extractor of that service, if any.
   */
  Derived derive(String topic, JsonNode body) {
    String[] tokens = topic.split("\\.", -1);
    String category = tokens.length > 4 && !tokens[3].isEmpty() ? tokens[3] : null;
    ServiceExtractor extractor = category == null ? null : byService.get(category);
    if (extractor == null) {
      return new Derived(category, Set.of(), Set.of());
    }
    JsonNode msg = body.path("msg");
    try {
      return new Derived(category, clean(extractor.users(topic, msg)), clean(extractor.packages(topic, msg)));
    } catch (RuntimeException e) {
      LOG.warn("extractor for {} failed on {}: {}", category, org.fedmsg.crypto.LogText.escape(topic), e.toString());
      return new Derived(category, Set.of(), Set.of());
    }
  }

  private static Set<String> clean(Set<String> names) {
    Set<String> out = new LinkedHashSet<>();
    for (String n : names) {
      if (n != null && !n.isEmpty() && n.length() <= MAX_NAME && out.size() < MAX_NAMES) {
        out.add(n);
      }
    }
    return out;
  }
}
