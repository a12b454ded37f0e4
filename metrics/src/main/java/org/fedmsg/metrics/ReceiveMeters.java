package org.fedmsg.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.fedmsg.BusListener;
import org.fedmsg.Message;
import org.fedmsg.Rejection;

/**
 * A {@link BusListener} that meters what a bus or relay accepts: messages per service and the
 * time their checks (decoding, signature, chain, policy, replay) took.
 * <ul>
 *   <li>{@code fedmsg_messages_accepted_total{component, service}}: verified messages, by the
 *       service their topic names (the token after {@code <topic_prefix>.<environment>.})
 *   <li>{@code fedmsg_verification_seconds{component}}: a histogram of the checks' duration
 * </ul>
 * At most {@value #MAX_SERVICES} services get their own series; the rest count as {@code other},
 * so a publisher inventing topics cannot grow the registry. Rejections are already metered by
 * {@link BusMeters}. Another listener may be chained ({@code next}) to receive every event too.
 */
public final class ReceiveMeters implements BusListener {
  static final int MAX_SERVICES = 200;
  private final MeterRegistry registry;
  private final String component;
  private final String base;
  private final Timer verification;
  private final Map<String, Counter> services = new ConcurrentHashMap<>();
  private final BusListener next;

  private ReceiveMeters(MeterRegistry registry, String component, String topicPrefix, String environment,
      BusListener next) {
    this.registry = registry;
    this.component = component;
    this.base = topicPrefix + "." + environment + ".";
    this.next = next;
    this.verification = Timer.builder("fedmsg.verification")
        .description("time to decode and verify a received message (signature, chain, policy, replay)")
        .tag("component", component).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1).dividedBy(100)).maximumExpectedValue(Duration.ofSeconds(1))
        .register(registry);
  }

  /** A listener metering into {@code registry}, passing every event on to {@code next} (may be null). */
  public static ReceiveMeters create(MeterRegistry registry, String component, String topicPrefix,
      String environment, BusListener next) {
    return new ReceiveMeters(registry, component, topicPrefix, environment, next);
  }

  @Override
  public void messageAccepted(Message message, long checkNanos) {
    verification.record(checkNanos, TimeUnit.NANOSECONDS);
    counter(service(message.topic())).increment();
    if (next != null) {
      next.messageAccepted(message, checkNanos);
    }
  }

  @Override
  public void messageRejected(Rejection rejection) {
    if (next != null) {
      next.messageRejected(rejection);
    }
  }

  @Override
  public void handlerFailed(Message message, Throwable error) {
    if (next != null) {
      next.handlerFailed(message, error);
    }
  }

  private Counter counter(String service) {
    Counter c = services.get(service);
    if (c != null) {
      return c;
    }
    String key = services.size() >= MAX_SERVICES ? "other" : service;
    return services.computeIfAbsent(key, s -> Counter.builder("fedmsg.messages.accepted")
        .description("verified messages, by service").tag("component", component).tag("service", s)
        .register(registry));
  }

  /** The token after {@code <prefix>.<env>.}, else the fourth token (another environment). */
  String service(String topic) {
    return org.fedmsg.Topic.statisticsService(base, topic);
  }
}
