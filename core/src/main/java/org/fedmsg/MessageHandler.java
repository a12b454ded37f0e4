package org.fedmsg;

/**
 * Called with each message that matches a subscription and passed the receiver's checks.
 *
 * <p>Handlers run on the bus's receiving thread, one message at a time, in arrival order: a slow
 * handler delays every other subscription of the same bus. An exception thrown here is logged,
 * counted and reported to {@link BusListener#handlerFailed}; it never stops the bus.
 */
@FunctionalInterface
public interface MessageHandler {
  void onMessage(Message message) throws Exception;
}
