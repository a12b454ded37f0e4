package org.fedmsg.status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the last heartbeat of one publisher said.
 *
 * @param name the {@code name} field (the service name), or the topic's service token if absent
 * @param signer the certificate CN that signed it, or null when the listener did not validate
 * @param endpoint the {@code endpoint} field, or {@code ""} when absent
 * @param topic the heartbeat's topic
 * @param lastSeen when the last heartbeat arrived here (local clock)
 * @param heartbeats heartbeats received from it while listening
 * @param body the last heartbeat's payload (a copy; the accessor copies too)
 */
public record PublisherStatus(String name, String signer, String endpoint, String topic, Instant lastSeen,
    long heartbeats, ObjectNode body) {
  public PublisherStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(lastSeen, "lastSeen");
    body = body.deepCopy();
  }

  /** A copy of the last heartbeat's payload. */
  @Override
  public ObjectNode body() {
    return body.deepCopy();
  }

  /** The signer, when validated. */
  public Optional<String> signerName() {
    return Optional.ofNullable(signer);
  }

  /** How long ago the last heartbeat arrived, as of {@code now}. */
  public Duration age(Instant now) {
    Duration d = Duration.between(lastSeen, now);
    return d.isNegative() ? Duration.ZERO : d;
  }
}
