package org.fedmsg.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Year;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.fedmsg.Bus;
import org.fedmsg.crypto.LogText;
import org.fedmsg.TransportException;
import org.fedmsg.policy.PolicyViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AMQP to bus: consumes a durable queue bound to the configured routing keys and publishes each message
 * on the bus, signed by the bridge's own certificate, with the AMQP message id as {@code msg_id}.
 *
 * <p>A message is acknowledged only after the bus accepted it. A message the bus refuses for good
 * (policy, size, malformed) goes to the dead-letter queue with a {@code fedmsg_bridge_refusal} header
 * and is then acknowledged: nothing is dropped silently. When the bus cannot take messages at all the
 * message goes back to the queue unacknowledged and is retried after a pause. Messages a bridge
 * brought from the bus ({@code fedmsg_bridge_origin: bus}) are not sent back.
 */
public final class AmqpToBus implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AmqpToBus.class);
  private static final Pattern YEAR_PREFIX = Pattern.compile("^[0-9]{4}-.+");

  private final Bus bus;
  private final AmqpSettings settings;
  private final String bridgeName;
  private final AmqpConnector connector;
  private final Counters counters = new Counters();
  private final SeenIds seen;
  private final Thread supervisor;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean closing;
  private volatile Connection connection;

  private AmqpToBus(Bus bus, AmqpSettings settings, String bridgeName) {
    this.bus = bus;
    this.settings = settings;
    this.bridgeName = bridgeName;
    this.connector = new AmqpConnector(settings);
    this.seen = new SeenIds(settings.dedupeWindow());
    this.supervisor = new Thread(this::run, "fedmsg-bridge-from-amqp");
    supervisor.setDaemon(true);
  }

  /**
   * Starts consuming; the broker need not be up yet (the bridge connects with back-off).
   *
   * @param bus a bus with a publisher that signs (the bridge's certificate), allowed by the policy to
   *     publish the bridged topics
   * @param bridgeName this bridge's name, in the {@code headers} it adds to each message
   */
  public static AmqpToBus start(Bus bus, AmqpSettings settings, String bridgeName) {
    AmqpToBus b = new AmqpToBus(Objects.requireNonNull(bus, "bus"), settings, bridgeName);
    b.supervisor.start();
    return b;
  }

  /** Waits until the queue is declared, bound and consumed the first time. */
  public boolean awaitConsuming(java.time.Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Counters of this direction. */
  public BridgeStats stats() {
    return counters.snapshot(() -> 0, () -> 0);
  }

  private void run() {
    Backoff backoff = new Backoff(settings.reconnectMax());
    while (!closing) {
      try {
        Connection c = connector.open("fedmsg-bridge-from-amqp " + bridgeName);
        connection = c;
        CountDownLatch down = new CountDownLatch(1);
        c.addShutdownListener(cause -> down.countDown());
        consume(c);
        counters.connects.increment();
        counters.connected = true;
        backoff.reset();
        ready.countDown();
        LOG.info("consuming {} on {}", settings.queue(), settings.url().getHost());
        down.await();
        counters.connected = false;
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        counters.connected = false;
        if (closing) {
          break;
        }
        counters.retries.increment();
        Connection c = connection;
        if (c != null) {
          c.abort(1_000);
        }
        long pause = backoff.nextMillis();
        LOG.warn("broker unreachable ({}); retrying in {} ms", e.toString(), pause);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          break;
        }
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  private void consume(Connection c) throws IOException {
    Channel ch = c.createChannel();
    Channel dlq = c.createChannel();
    dlq.confirmSelect();
    ch.queueDeclare(settings.deadLetterQueue(), true, false, false, null);
    ch.queueDeclare(settings.queue(), true, false, false, null);
    for (String key : settings.bindings()) {
      ch.queueBind(settings.queue(), settings.exchange(), key);
    }
    ch.basicQos(100);
    ch.basicConsume(settings.queue(), false, "fedmsg-bridge-" + bridgeName, new DefaultConsumer(ch) {
      @Override
      public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body)
          throws IOException {
        deliver(ch, dlq, env, props, body);
      }

      @Override
      public void handleShutdownSignal(String tag, ShutdownSignalException sig) {
        if (!closing) {
          LOG.warn("consumer stopped: {}", sig.getMessage());
        }
      }
    });
  }

  /* --------------- one message (the client's consumer thread for this channel) --------------- */

  /** Why a message cannot go on the bus: a reason for the dead-letter header, and detail. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    final String reason;

    Refusal(String reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }
  }

  private void deliver(Channel ch, Channel dlq, Envelope env, AMQP.BasicProperties props, byte[] body)
      throws IOException {
    Map<String, Object> headers = props.getHeaders() == null ? Map.of() : props.getHeaders();
    if ("bus".equals(FedoraMessaging.text(headers, FedoraMessaging.ORIGIN))) {
      counters.loopsSkipped.increment();
      ch.basicAck(env.getDeliveryTag(), false);
      return;
    }
    try {
      String msgId = msgId(props);
      if (seen.contains(msgId)) {
        counters.duplicates.increment();
        ch.basicAck(env.getDeliveryTag(), false);
        return;
      }
      String topic = env.getRoutingKey();
      JsonNode payload = payload(props, body);
      ObjectNode carried = FedoraMessaging.headersJson(headers);
      carried.put(FedoraMessaging.ORIGIN, "amqp");
      carried.put(FedoraMessaging.BRIDGE, bridgeName);
      try {
        bus.publishForwarded(topic, payload, msgId, Map.of("headers", carried));
      } catch (PolicyViolationException e) {
        throw new Refusal("policy", e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new Refusal("malformed", e.getMessage());
      }
      seen.add(msgId);
      counters.forwarded.increment();
      ch.basicAck(env.getDeliveryTag(), false);
    } catch (Refusal r) {
      deadLetter(dlq, env, props, body, r);
      ch.basicAck(env.getDeliveryTag(), false);
    } catch (TransportException e) {
      // The bus cannot take messages now: back to the queue, unacknowledged, after a pause.
      counters.retries.increment();
      LOG.warn("the bus refused {} for now ({}); it stays in the queue", LogText.escape(env.getRoutingKey()),
          e.getMessage());
      try {
        Thread.sleep(500);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      ch.basicNack(env.getDeliveryTag(), false, true);
    }
  }

  private String msgId(AMQP.BasicProperties props) throws Refusal {
    String id = props.getMessageId();
    if (id == null || id.isBlank()) {
      throw new Refusal("malformed", "message has no message_id");
    }
    // fedmsg's ids start with the year (fedmsg-migration-tools adds it the same way)
    return YEAR_PREFIX.matcher(id).matches() ? id : Year.now().getValue() + "-" + id;
  }

  private JsonNode payload(AMQP.BasicProperties props, byte[] body) throws Refusal {
    if (body.length > settings.maxMessageSize()) {
      throw new Refusal("size", "body of " + body.length + " bytes is over the limit of "
          + settings.maxMessageSize());
    }
    String encoding = props.getContentEncoding();
    if (encoding != null && !encoding.equalsIgnoreCase("utf-8") && !encoding.equalsIgnoreCase("utf8")) {
      throw new Refusal("malformed", "content encoding " + encoding + " is not utf-8");
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
      return FedoraMessaging.JSON.readTree(text);
    } catch (CharacterCodingException e) {
      throw new Refusal("malformed", "body is not UTF-8");
    } catch (IOException e) {
      throw new Refusal("malformed", "body is not JSON: " + e.getMessage());
    }
  }

  private void deadLetter(Channel dlq, Envelope env, AMQP.BasicProperties props, byte[] body, Refusal r)
      throws IOException {
    Map<String, Object> headers = new HashMap<>(props.getHeaders() == null ? Map.of() : props.getHeaders());
    headers.put(FedoraMessaging.REFUSAL, r.reason);
    headers.put(FedoraMessaging.REFUSAL_DETAIL, String.valueOf(r.getMessage()));
    headers.put("fedmsg_bridge_routing_key", env.getRoutingKey());
    headers.put(FedoraMessaging.BRIDGE, bridgeName);
    AMQP.BasicProperties out = props.builder().headers(headers).deliveryMode(2).build();
    synchronized (dlq) {
      dlq.basicPublish("", settings.deadLetterQueue(), out, body);
      try {
        dlq.waitForConfirmsOrDie(10_000);
      } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
        // not acknowledged: the original is redelivered and dead-lettered again
        throw new IOException("dead-letter queue did not confirm", e);
      }
    }
    counters.deadLetter(r.reason);
    LOG.warn("dead-lettered an AMQP message on {} (message_id {}): {}: {}", LogText.escape(env.getRoutingKey()),
        LogText.escape(props.getMessageId()), r.reason, LogText.escape(r.getMessage()));
  }

  /** Stops consuming and disconnects; unacknowledged messages stay in the queue. */
  @Override
  public void close() {
    closing = true;
    Connection c = connection;
    if (c != null) {
      c.abort(2_000);
    }
    supervisor.interrupt();
    try {
      supervisor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
