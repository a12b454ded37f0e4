package org.fedmsg.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.Bus;
import org.fedmsg.crypto.LogText;
import org.fedmsg.Message;
import org.fedmsg.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bus to AMQP: every message the bus accepted (signature and policy checked) on the configured topic
 * prefixes is published to the exchange, in fedora-messaging's format, with the topic as routing key
 * and the original signed frames in a header.
 *
 * <p>One sending thread owns the AMQP connection and publishes in batches with publisher confirms; a
 * message leaves the bridge's hands only when the broker confirmed it. While the broker is
 * unreachable, messages wait in a bounded memory buffer (beyond it they are dropped, counted and
 * logged) and messages on critical topics in a disk spool; the thread reconnects with back-off.
 * Messages that a bridge brought from AMQP are not sent back ({@code fedmsg_bridge_origin}), and a
 * {@code msg_id} seen within the window is sent once.
 */
public final class BusToAmqp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BusToAmqp.class);
  private static final int BATCH = 256;

  /** A message waiting for the broker: from memory ({@code spoolSeq < 0}) or from the spool. */
  private record Pending(List<byte[]> frames, String signer, long spoolSeq) {}

  private final AmqpSettings settings;
  private final String bridgeName;
  private final AmqpConnector connector;
  private final Counters counters = new Counters();
  private final SeenIds seen;
  private final BlockingQueue<Pending> buffer;
  private final DiskSpool spool;
  private final List<Subscription> subscriptions = new ArrayList<>();
  private final Thread sender;
  private final List<Pending> inflight = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicLong lastDropLog =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(10));
  private final java.util.concurrent.atomic.LongAdder unloggedDrops = new java.util.concurrent.atomic.LongAdder();
  private volatile boolean closing;
  private Connection connection;
  private Channel channel;

  private BusToAmqp(Bus bus, AmqpSettings settings, String bridgeName) throws IOException {
    this.settings = settings;
    this.bridgeName = bridgeName;
    this.connector = new AmqpConnector(settings);
    this.seen = new SeenIds(settings.dedupeWindow());
    this.buffer = new ArrayBlockingQueue<>(settings.bufferSize());
    this.spool = settings.spoolDir().isPresent() ? new DiskSpool(settings.spoolDir().get(), settings.spoolLimit())
        : null;
    this.sender = new Thread(this::run, "fedmsg-bridge-to-amqp");
    sender.setDaemon(true);
    for (String prefix : settings.topics()) {
      subscriptions.add(bus.subscribe(prefix, this::onBusMessage));
    }
  }

  /**
   * Starts forwarding; the broker need not be up yet (the bridge connects with back-off).
   *
   * @param bus a bus whose subscriber validates messages (the bridge forwards what it delivers)
   * @param bridgeName this bridge's name, in the {@code fedmsg_bridge} header
   * @throws org.fedmsg.ConfigException if the settings are unusable (TLS files, spool directory)
   */
  public static BusToAmqp start(Bus bus, AmqpSettings settings, String bridgeName) {
    Objects.requireNonNull(bus, "bus");
    try {
      BusToAmqp b = new BusToAmqp(bus, settings, bridgeName);
      b.sender.start();
      return b;
    } catch (IOException e) {
      throw new org.fedmsg.ConfigException("amqp.spool_dir: " + e.getMessage(), e);
    }
  }

  /** Waits until every subscription is in force at every connected publisher (see {@code Subscription}). */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    for (Subscription s : subscriptions) {
      if (!s.awaitReady(timeout)) {
        return false;
      }
    }
    return true;
  }

  /** Counters of this direction. */
  public BridgeStats stats() {
    return counters.snapshot(() -> buffer.size() + inflightSize(), () -> spool == null ? 0 : spool.size());
  }

  private int inflightSize() {
    synchronized (inflight) {
      return (int) inflight.stream().filter(p -> p.spoolSeq() < 0).count();
    }
  }

  /* --------------- the bus side (the bus's receiving thread) --------------- */

  private void onBusMessage(Message m) {
    JsonNode origin = m.field("headers").map(h -> h.get(FedoraMessaging.ORIGIN)).orElse(null);
    if (origin != null && "amqp".equals(origin.asText())) {
      counters.loopsSkipped.increment();
      return;
    }
    String id = m.msgId().orElse(null);
    if (id != null && !seen.add(id)) {
      counters.duplicates.increment();
      return;
    }
    List<byte[]> frames = m.frames();
    String signer = m.signer().orElse(null);
    if (spool != null && settings.critical(m.topic())) {
      try {
        if (!spool.append(frames, signer)) {
          lost("spool_full", m);
        }
      } catch (IOException e) {
        LOG.error("cannot write {} to the spool: {}", m, e.toString());
        lost("spool_error", m);
      }
      return;
    }
    if (!buffer.offer(new Pending(frames, signer, -1))) {
      lost("buffer_full", m);
    }
  }

  private void lost(String reason, Message m) {
    counters.drop(reason);
    // during an outage every message may be dropped: one line per 10 s, with the count since the last
    long now = System.nanoTime();
    long last = lastDropLog.get();
    if (now - last >= TimeUnit.SECONDS.toNanos(10) && lastDropLog.compareAndSet(last, now)) {
      long more = unloggedDrops.sumThenReset();
      LOG.warn("dropped {} on its way to AMQP: {}{}", m, reason,
          more == 0 ? "" : " (and " + more + " other message(s) dropped since the last report)");
    } else {
      unloggedDrops.increment();
    }
  }

  /* --------------- the AMQP side (the sending thread) --------------- */

  private void run() {
    Backoff backoff = new Backoff(settings.reconnectMax());
    while (!closing || hasWork()) {
      try {
        if (channel == null || !channel.isOpen()) {
          if (closing) {
            break;
          }
          connect();
          backoff.reset();
        }
        List<Pending> batch = nextBatch();
        if (!batch.isEmpty()) {
          publish(batch);
        }
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        counters.retries.increment();
        disconnect();
        if (closing) {
          break;
        }
        long pause = backoff.nextMillis();
        LOG.warn("broker unreachable ({}); retrying in {} ms with {} message(s) waiting", e.toString(), pause,
            stats().buffered() + stats().spooled());
        sleep(pause);
      } catch (InterruptedException e) {
        break;
      }
    }
    disconnect();
    int left = buffer.size() + inflightSize();
    if (left > 0) {
      counters.drop("shutdown", left);
      LOG.warn("{} message(s) in memory were not sent before shutdown", left);
    }
  }

  private boolean hasWork() {
    return !buffer.isEmpty() || inflightSize() > 0 || (spool != null && spool.size() > 0);
  }

  private void connect() throws IOException, java.util.concurrent.TimeoutException {
    connection = connector.open("fedmsg-bridge-to-amqp " + bridgeName);
    channel = connection.createChannel();
    channel.confirmSelect();
    if (!settings.exchange().isEmpty() && !settings.exchange().startsWith("amq.")) {
      channel.exchangeDeclare(settings.exchange(), "topic", true);
    }
    counters.connects.increment();
    counters.connected = true;
    LOG.info("connected to {} for publishing", settings.url().getHost());
  }

  private void disconnect() {
    counters.connected = false;
    Connection c = connection;
    connection = null;
    channel = null;
    if (c != null) {
      try {
        c.abort(2_000);
      } catch (RuntimeException e) {
        // already gone
      }
    }
  }

  /** Unconfirmed messages first (a failed batch is sent again), then the spool, then memory. */
  private List<Pending> nextBatch() throws IOException, InterruptedException {
    synchronized (inflight) {
      if (!inflight.isEmpty()) {
        return new ArrayList<>(inflight);
      }
    }
    List<Pending> batch = new ArrayList<>();
    if (spool != null) {
      for (DiskSpool.Entry e : spool.oldest(BATCH)) {
        batch.add(new Pending(e.frames(), e.signer(), e.seq()));
      }
    }
    if (batch.size() < BATCH) {
      Pending first = batch.isEmpty() ? buffer.poll(50, TimeUnit.MILLISECONDS) : buffer.poll();
      if (first != null) {
        batch.add(first);
        List<Pending> more = new ArrayList<>();
        buffer.drainTo(more, BATCH - batch.size());
        batch.addAll(more);
      }
    }
    synchronized (inflight) {
      inflight.addAll(batch);
    }
    return batch;
  }

  private void publish(List<Pending> batch) throws IOException, InterruptedException,
      java.util.concurrent.TimeoutException {
    int sent = 0;
    for (Pending p : batch) {
      FedoraMessaging.Outbound out;
      try {
        out = FedoraMessaging.toAmqp(p.frames(), p.signer(), bridgeName, settings);
      } catch (IOException e) {
        // AMQP cannot carry this one (not JSON, or a routing key or id over 255 bytes): sending it
        // again would fail again and hold up every message behind it
        unmappable(p, e.getMessage());
        continue;
      }
      try {
        channel.basicPublish(settings.exchange(), out.routingKey(), false, out.properties(), out.body());
      } catch (IllegalArgumentException e) {
        // the client refused to encode it after taking a confirm sequence number: the channel can no
        // longer be trusted to confirm, so reconnect and send the rest again
        unmappable(p, e.getMessage());
        throw new IOException("a message could not be encoded: " + e.getMessage(), e);
      }
      sent++;
    }
    // waitForConfirmsOrDie closes the channel on a nack or timeout: the batch is then sent again
    channel.waitForConfirmsOrDie(10_000);
    for (Pending p : batch) {
      if (p.spoolSeq() >= 0) {
        spool.remove(p.spoolSeq());
      }
    }
    synchronized (inflight) {
      inflight.clear();
    }
    counters.forwarded.add(sent);
  }

  private void unmappable(Pending p, String why) throws IOException {
    counters.drop("unmappable");
    LOG.error("cannot publish {} to AMQP: {}", LogText.escape(new String(p.frames().get(0),
        java.nio.charset.StandardCharsets.UTF_8)), why);
    synchronized (inflight) {
      inflight.remove(p);
    }
    if (p.spoolSeq() >= 0) {
      spool.remove(p.spoolSeq());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops taking bus messages, sends what is waiting for up to 10 s, then disconnects. Messages still in
   * memory are counted as dropped ({@code shutdown}); the spool keeps its messages for the next start.
   */
  @Override
  public void close() {
    subscriptions.forEach(Subscription::close);
    closing = true;
    try {
      sender.join(10_000);
      if (sender.isAlive()) {
        sender.interrupt();
        sender.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
