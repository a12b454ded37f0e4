package org.fedmsg.reliable;

/**
 * The bounds of a replay endpoint (config section {@code replay}, see
 * {@code docs/configuration.md}).
 *
 * @param maxMessagesPerReply messages in one reply at most; the reply then says where it stopped
 * @param maxBytesPerReply bytes of message frames in one reply at most (one message always fits)
 * @param maxRange the widest request, {@code to - from + 1}; wider ones are refused
 *     ({@code range-too-large})
 * @param requestsPerSecond requests a client may make per second, sustained
 * @param burst requests a client may make at once before the rate applies
 */
public record ReplayLimits(int maxMessagesPerReply, long maxBytesPerReply, long maxRange, int requestsPerSecond,
    int burst) {
  /** The documented defaults: 1,000 messages, 8 MiB, 100,000 seqs, 20 requests per second, burst 40. */
  public static final ReplayLimits DEFAULTS = new ReplayLimits(1000, 8L * 1024 * 1024, 100_000, 20, 40);

  /** @throws IllegalArgumentException when a bound is not positive */
  public ReplayLimits {
    if (maxMessagesPerReply < 1 || maxBytesPerReply < 1 || maxRange < 1 || requestsPerSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("replay limits must be positive: " + maxMessagesPerReply + ", "
          + maxBytesPerReply + ", " + maxRange + ", " + requestsPerSecond + ", " + burst);
    }
  }
}
