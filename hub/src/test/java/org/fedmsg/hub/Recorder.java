package org.fedmsg.hub;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.fedmsg.Message;

/** A test consumer that records what it consumed; can block on a gate and throw on demand. */
class Recorder implements Consumer {
  final String name;
  final List<String> topics;
  final String configKey;
  final List<Message> consumed = new CopyOnWriteArrayList<>();
  volatile CountDownLatch gate;
  final CountDownLatch entered = new CountDownLatch(1);
  volatile boolean throwOnEven;
  volatile int queueSize;
  volatile boolean stopped;
  volatile HubContext context;

  Recorder(String name, String configKey, String... topics) {
    this.name = name;
    this.configKey = configKey;
    this.topics = List.of(topics);
  }

  @Override
  public List<String> topics() {
    return topics;
  }

  @Override
  public String configKey() {
    return configKey;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int queueSize() {
    return queueSize;
  }

  @Override
  public void start(HubContext context) {
    this.context = context;
  }

  @Override
  public void consume(Message message) throws Exception {
    entered.countDown();
    CountDownLatch g = gate;
    if (g != null && !g.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("gate never opened");
    }
    consumed.add(message);
    if (throwOnEven && message.msg().path("n").asInt() % 2 == 0) {
      throw new IllegalStateException("even message " + message.msg().path("n").asInt());
    }
  }

  @Override
  public void stop() {
    stopped = true;
  }

  static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(5);
    }
  }
}
