package org.fedmsg.web;

import java.util.function.BooleanSupplier;

/** Polls a condition that becomes true asynchronously, failing after a deadline. */
final class Eventually {
  private Eventually() {}

  static void assertThat(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(5);
    }
  }
}
