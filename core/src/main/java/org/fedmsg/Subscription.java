package org.fedmsg;

import java.time.Duration;

/** A registered handler for a topic prefix; closing it stops delivery to that handler. */
public interface Subscription extends AutoCloseable {
  /** The topic prefix this subscription receives ({@code ""} for everything). */
  String topicPrefix();

  /**
   * Waits until this subscription is in force at every publisher currently connected, so that
   * anything they publish from now on is received. Publishers of this project confirm each
   * subscription (see {@code docs/architecture.md}, "Start-up without sleeping"); a reference
   * Python publisher never does, so against one this waits for the full timeout.
   *
   * @return true when at least one publisher is connected and every connected publisher
   *     confirmed within {@code timeout}
   */
  boolean awaitReady(Duration timeout) throws InterruptedException;

  @Override
  void close();
}
