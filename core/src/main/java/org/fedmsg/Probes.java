package org.fedmsg;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Readiness of a subscriber's subscriptions, without sleeping: subscribe to a probe topic with a
 * fresh nonce, and wait until every connected publisher has answered on it. Subscriptions travel
 * in order on each connection, so an answer proves that every earlier one is in force there.
 */
final class Probes {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String topicPrefix;
  /** Nonce of each probe in flight → the publishers that answered it. */
  private final Map<String, Set<String>> pending = new ConcurrentHashMap<>();

  Probes(String topicPrefix) {
    this.topicPrefix = topicPrefix;
  }

  /** Runs on the receiving thread for every probe answer. */
  void record(Message answer) {
    String topic = answer.topic();
    String nonce = topic.substring(topic.lastIndexOf('.') + 1);
    Set<String> seen = pending.get(nonce);
    if (seen != null) {
      JsonNode id = answer.bodyTree().path("msg").path("publisher");
      synchronized (seen) {
        seen.add(id.asText("?"));
        seen.notifyAll();
      }
    }
  }

  /** Whether every publisher {@code sub} is connected to answered a probe within {@code timeout}. */
  boolean await(ZmqSubscriber sub, Duration timeout) throws InterruptedException {
    String nonce = randomHex();
    String probeTopic = topicPrefix + ZmqPublisher.PROBE_MARKER + nonce;
    Set<String> seen = new HashSet<>();
    pending.put(nonce, seen);
    sub.subscribe(probeTopic);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      synchronized (seen) {
        // With no publisher known yet (discovery still looking) nothing can be confirmed.
        while (sub.connections().isEmpty() || seen.size() < sub.connections().size()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          seen.wait(Math.max(1, left / 1_000_000));
        }
        return true;
      }
    } finally {
      pending.remove(nonce);
      sub.unsubscribe(probeTopic);
    }
  }

  private static String randomHex() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
