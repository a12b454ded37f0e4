package org.fedmsg.reliable;

/**
 * Where a replay endpoint finds a signer's messages: a publisher holds its own outbox, a relay
 * one per upstream signer.
 */
@FunctionalInterface
public interface ReplaySource {
  /**
   * The outbox of the signer whose end-entity certificate's SHA-256 is {@code signerSha256}
   * (lower-case hex), or null when this process keeps none for it. Must not create one.
   */
  DurableOutbox outboxOf(String signerSha256);
}
