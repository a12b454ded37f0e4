package org.fedmsg.reliable;

/**
 * Counters of a replay endpoint since it started: requests by result, and what was served.
 *
 * @param ok native requests answered with messages (or with none held)
 * @param badRequest requests refused as malformed
 * @param rangeTooLarge requests wider than {@code replay.max_range}
 * @param rateLimited requests over a client's rate
 * @param unknownSigner requests for a signer the endpoint keeps no outbox of
 * @param refused requests the endpoint could not serve (outbox unavailable)
 * @param reference queries of the reference protocol ({@code fedmsg.replay})
 * @param messagesServed messages sent in native replies
 * @param bytesServed bytes of message frames sent in native replies
 */
public record ReplayStats(long ok, long badRequest, long rangeTooLarge, long rateLimited, long unknownSigner,
    long refused, long reference, long messagesServed, long bytesServed) {
  /** Nothing counted (no replay endpoint). */
  public static final ReplayStats NONE = new ReplayStats(0, 0, 0, 0, 0, 0, 0, 0, 0);
}
