package org.fedmsg;

import java.time.Duration;

/** A handler's subscription on a bus: readiness by probe, and unsubscribing on close. */
final class BusSubscription implements Subscription {
  private final Dispatcher.Entry entry;
  private final Dispatcher dispatcher;
  private final SubscriberSide side;
  private final Probes probes;

  BusSubscription(Dispatcher.Entry entry, Dispatcher dispatcher, SubscriberSide side, Probes probes) {
    this.entry = entry;
    this.dispatcher = dispatcher;
    this.side = side;
    this.probes = probes;
  }

  @Override
  public String topicPrefix() {
    return entry.prefix();
  }

  @Override
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return probes.await(side.open(), timeout);
  }

  @Override
  public void close() {
    if (dispatcher.remove(entry)) {
      ZmqSubscriber sub = side.current();
      if (sub != null) {
        sub.unsubscribe(entry.prefix());
      }
    }
  }
}
