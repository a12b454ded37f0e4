package org.fedmsg.hub;

import java.util.List;
import org.fedmsg.Message;

/**
 * A long-running message consumer run by a {@link Hub}, like the reference's
 * {@code FedmsgConsumer}.
 *
 * <p>Life cycle: the hub creates the consumer (a public no-argument constructor is needed when it
 * is found by {@link java.util.ServiceLoader} or by class name), starts it only if the
 * configuration value named by {@link #configKey()} is truthy, calls {@link #start(HubContext)},
 * then {@link #topics()}, subscribes, and calls {@link #consume(Message)} for every accepted
 * message whose topic starts with one of the topics. On shutdown it calls {@link #stop()}.
 *
 * <p>Threading: each consumer has its own worker thread; {@link #start}, every {@link #consume}
 * and {@link #stop} run one at a time, so a consumer needs no locking of its own state. A slow
 * consumer never delays the bus or other consumers: its bounded queue fills up and further
 * messages are dropped for it and counted (see {@link ConsumerStats#dropped()}).
 *
 * <p>Named {@code Consumer} after the reference; mind the clash with
 * {@code java.util.function.Consumer} when importing.
 */
public interface Consumer {

  /**
   * The topics this consumer wants. As in the reference, each is a topic prefix in which every
   * {@code *} is ignored: {@code "org.fedoraproject.prod.bodhi.*"} receives every topic starting
   * with {@code org.fedoraproject.prod.bodhi.}, and {@code "*"} receives everything. Build full
   * topics with {@link HubContext#topic(String, String)}. Called once, after {@link #start}.
   *
   * @return at least one topic; never null
   */
  List<String> topics();

  /**
   * The configuration key that must be truthy (Python truthiness, as the reference: not
   * {@code false}, {@code null}, {@code 0}, {@code ""}, an empty list or mapping) for the hub to
   * start this consumer, e.g. {@code "fedmsg.consumers.log.enabled"}. Looked up as a top-level
   * key first, then as a dotted path into nested mappings.
   *
   * @return a non-empty key; never null
   */
  String configKey();

  /**
   * Handles one message. Runs on this consumer's worker thread. An exception is caught, logged
   * and counted ({@link ConsumerStats#failed()}); the consumer keeps receiving.
   *
   * @param message an accepted message: signature and policy already checked when the hub's bus
   *     validates
   * @throws Exception anything; it never stops the hub
   */
  void consume(Message message) throws Exception;

  /**
   * Called once before any message, on the hub's starting thread. Throwing keeps the consumer
   * from running (logged, the hub carries on with the others).
   *
   * @param context the bus (to publish), the configuration, topic helpers
   * @throws Exception to refuse to start
   */
  default void start(HubContext context) throws Exception {}

  /** Called once after the last {@link #consume} (or after a failed drain). Must not block for long. */
  default void stop() {}

  /**
   * This consumer's queue capacity; 0 (the default) means the hub's ({@code hub.queue_size},
   * default 10,000). A consumer that must never lose a message to a burst asks for more; one
   * whose messages go stale fast asks for fewer.
   */
  default int queueSize() {
    return 0;
  }

  /** The name shown in statistics, heartbeats and logs (default: the class's simple name). */
  default String name() {
    return getClass().getSimpleName();
  }
}
