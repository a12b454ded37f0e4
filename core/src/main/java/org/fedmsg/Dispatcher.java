package org.fedmsg;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands accepted messages to the handlers whose topic prefix matches, on the receiving thread. A
 * handler that throws is logged and counted and never stops delivery to the others.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** One handler and the topic prefix it was subscribed with. */
  record Entry(String prefix, MessageHandler handler) {}

  private final BusListener listener;
  private final List<Entry> entries = new CopyOnWriteArrayList<>();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder handlerErrors = new LongAdder();

  Dispatcher(BusListener listener) {
    this.listener = listener;
  }

  Entry add(String prefix, MessageHandler handler) {
    Entry entry = new Entry(prefix, handler);
    entries.add(entry);
    return entry;
  }

  /**
   * @return whether this removed the last handler subscribed with the entry's prefix (the
   *     socket subscription can go); false also when the entry was removed before
   */
  boolean remove(Entry entry) {
    // identity, not equality: the same handler may be subscribed twice with one prefix
    if (!entries.removeIf(e -> e == entry)) {
      return false;
    }
    return entries.stream().noneMatch(e -> e.prefix().equals(entry.prefix()));
  }

  void dispatch(Message message) {
    boolean matched = false;
    for (Entry e : entries) {
      if (!message.topic().startsWith(e.prefix())) {
        continue;
      }
      matched = true;
      try {
        e.handler().onMessage(message);
      } catch (Exception | LinkageError | AssertionError failure) {
        handlerErrors.increment();
        LOG.warn("handler for '{}' failed on {}: {}", e.prefix(), message, failure.toString());
        try {
          listener.handlerFailed(message, failure);
        } catch (RuntimeException ignored) {
          // a failing listener must not stop delivery either
        }
      }
    }
    if (matched) {
      delivered.increment();
    }
  }

  long delivered() {
    return delivered.sum();
  }

  long handlerErrors() {
    return handlerErrors.sum();
  }
}
