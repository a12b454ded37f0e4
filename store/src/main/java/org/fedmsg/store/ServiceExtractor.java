package org.fedmsg.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The service provider interface that teaches the store which users and packages a service's
 * messages are about (datagrepper's {@code user=} and {@code package=} queries; the reference
 * derived them with fedmsg.meta processors).
 *
 * <p>Register an implementation in {@code META-INF/services/org.fedmsg.store.ServiceExtractor}
 * on the store's class path; it is found with {@link java.util.ServiceLoader}. One extractor per
 * service token; a later one for a token already known replaces the built-in one. Messages of a
 * service no extractor knows get no users and no packages.
 *
 * <p>Implementations must be thread-safe and must not throw: a message they cannot read gets
 * empty sets (the store catches and logs what escapes anyway, and archives the message without
 * them).
 */
public interface ServiceExtractor {

  /** The service token of the topics this extractor reads, e.g. {@code buildsys} in {@code org.fedoraproject.prod.buildsys.tag}. */
  String service();

  /**
   * The accounts the message is about.
   *
   * @param topic the full topic
   * @param msg the message's {@code msg} field (never null; {@code MissingNode} when absent)
   */
  default Set<String> users(String topic, JsonNode msg) {
    return Set.of();
  }

  /** The packages the message is about; arguments as for {@link #users}. */
  default Set<String> packages(String topic, JsonNode msg) {
    return Set.of();
  }
}
