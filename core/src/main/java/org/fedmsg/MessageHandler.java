package org.fedmsg;

/**
 * Called with each message that matches a subscription and passed the receiver's checks.
 *
 * <p>Handlers run one message at a time, in arrival order, on the bus's receiving side: its
 * socket thread with {@code verify_threads: 1}, else whichever verify thread completed the
 * message (so do not rely on thread-locals across calls). A slow handler delays every other
 * subscription of the same bus. An exception thrown here is logged,
 * counted and reported to {@link BusListener#handlerFailed}; it never stops the bus.
 */
@FunctionalInterface
public interface MessageHandler {
  void onMessage(Message message) throws Exception;
}
