package org.fedmsg.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.fedmsg.BusStats;
import org.fedmsg.Message;
import org.fedmsg.Rejection;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.status.Heartbeat;

/**
 * The gateway's statistics for {@code /stats} and {@code /stats.json}: messages per minute (last
 * hour) and per hour (last day) by service and by topic, rejections by reason, gaps, and the
 * publishers seen sending heartbeats. Message counts come from a {@link History} (the store's
 * archive) when one is given, otherwise from the gateway's own counters since it started;
 * rejections, gaps and heartbeats are always the gateway's own. Memory is bounded: at most
 * {@value #MAX_TOPICS} topics are counted by name, the rest as {@value #OTHER}. Thread-safe
 * (one lock; the bus thread updates, HTTP threads read).
 */
final class BusStatistics {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BusStatistics.class);

  /** Archived message counts: per topic, {@code buckets} counts of {@code width} from {@code first}. */
  interface History {
    Map<String, long[]> countsByTopic(Instant first, Duration width, int buckets);
  }

  static final int MAX_TOPICS = 500;
  static final String OTHER = "(other)";
  /** How many top topics {@code /stats.json} lists in its series. */
  static final int TOP_TOPICS = 15;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final Clock clock;
  private final TopicNamespace namespace;
  private final Supplier<BusStats> bus;
  private final Instant started;
  private final Window minutes = new Window(Duration.ofMinutes(1), 60);
  private final Window hours = new Window(Duration.ofHours(1), 24);
  private final Map<String, Long> serviceTotals = new TreeMap<>();
  private final Map<String, Long> topicTotals = new TreeMap<>();
  private final Map<String, Beat> heartbeats = new TreeMap<>();
  private final History history;
  private long messages;
  private long lastGaps;
  private long historyFailures;

  BusStatistics(Clock clock, TopicNamespace namespace, Supplier<BusStats> bus) {
    this(clock, namespace, bus, null);
  }

  /** With {@code history} (may be null) as the source of per-service and per-topic counts. */
  BusStatistics(Clock clock, TopicNamespace namespace, Supplier<BusStats> bus, History history) {
    this.clock = clock;
    this.namespace = namespace;
    this.bus = bus;
    this.history = history;
    this.started = clock.instant();
  }

  /** The service a topic belongs to: the token after {@code <prefix>.<env>.}, else the fourth. */
  String service(String topic) {
    return org.fedmsg.Topic.statisticsService(namespace.relativeBase(), topic);
  }

  synchronized void arrived(Message m) {
    Instant now = clock.instant();
    String topic = m.topic();
    String service = service(topic);
    if (!topicTotals.containsKey(topic) && topicTotals.size() >= MAX_TOPICS) {
      topic = OTHER;
    }
    messages++;
    serviceTotals.merge(service, 1L, Long::sum);
    topicTotals.merge(topic, 1L, Long::sum);
    for (Window w : new Window[] {minutes, hours}) {
      w.add("services", service, now, 1);
      w.add("topics", topic, now, 1);
    }
    if (Heartbeat.isHeartbeat(m.topic())) {
      JsonNode interval = m.msg().get("interval_s");
      heartbeats.computeIfAbsent(service, s -> new Beat()).seen(now, m.signer().orElse(null),
          interval != null && interval.isNumber() ? interval.doubleValue() : 10.0);
    }
    sampleGaps(now);
  }

  synchronized void rejected(Rejection r) {
    Instant now = clock.instant();
    minutes.add("rejections", r.reason().name(), now, 1);
    hours.add("rejections", r.reason().name(), now, 1);
  }

  private void sampleGaps(Instant now) {
    long gaps = bus.get().gaps();
    if (gaps > lastGaps) {
      minutes.add("gaps", "gaps", now, gaps - lastGaps);
      hours.add("gaps", "gaps", now, gaps - lastGaps);
      lastGaps = gaps;
    }
  }

  /** The numbers as {@code /stats.json} serves them (see docs/gateway.md). */
  synchronized ObjectNode snapshot(int clients, long droppedClients) {
    Instant now = clock.instant();
    sampleGaps(now);
    BusStats stats = bus.get();
    ObjectNode out = F.objectNode();
    out.put("started", started.toString());
    out.put("now", now.toString());
    out.put("messages", messages);
    out.put("gaps", stats.gaps());
    out.put("received", stats.received());
    ObjectNode rejections = out.putObject("rejections");
    new TreeMap<>(stats.rejectedByReason()).forEach((reason, n) -> rejections.put(reason.name(), n));
    Map<String, long[]> byMinute = null;
    Map<String, long[]> byHour = null;
    if (history != null) {
      try {
        byMinute = history.countsByTopic(minutes.first(now), minutes.width(), minutes.slots);
        byHour = history.countsByTopic(hours.first(now), hours.width(), hours.slots);
      } catch (RuntimeException e) {
        // the page still shows the gateway's own counts; the failure is logged and counted
        historyFailures++;
        LOG.warn("statistics: the store's history is unavailable ({}); showing the gateway's own counts",
            e.getMessage());
        byMinute = null;
        byHour = null;
      }
    }
    ObjectNode totals = out.putObject("totals");
    if (byHour != null) {
      out.put("source", "store");
      Map<String, Long> topicSums = sums(byHour);
      Map<String, Long> serviceSums = new TreeMap<>();
      topicSums.forEach((topic, n) -> serviceSums.merge(service(topic), n, Long::sum));
      totals.set("services", counts(serviceSums));
      totals.set("topics", counts(topicSums));
      out.set("minutes", minutes.toJson(now, top(sums(byMinute)), historySeries(byMinute)));
      out.set("hours", hours.toJson(now, top(topicSums), historySeries(byHour)));
    } else {
      out.put("source", "gateway");
      totals.set("services", counts(serviceTotals));
      totals.set("topics", counts(topicTotals));
      out.set("minutes", minutes.toJson(now, topTopics(), null));
      out.set("hours", hours.toJson(now, topTopics(), null));
    }
    if (history != null) {
      out.put("store_failures", historyFailures);
    }
    ArrayNode publishers = out.putArray("publishers");
    heartbeats.forEach((name, beat) -> {
      ObjectNode p = publishers.addObject();
      p.put("name", name);
      p.put("signer", beat.signer);
      p.put("heartbeats", beat.count);
      p.put("last_heartbeat", beat.last.toString());
      p.put("interval_s", beat.interval);
      // alive as `fedmsg status` judges it: a heartbeat within 2.5 intervals
      p.put("alive", Duration.between(beat.last, now).toMillis() <= beat.interval * 2500);
    });
    ObjectNode gateway = out.putObject("gateway");
    gateway.put("clients", clients);
    gateway.put("dropped_clients", droppedClients);
    return out;
  }

  private java.util.Set<String> topTopics() {
    return top(topicTotals);
  }

  private static java.util.Set<String> top(Map<String, Long> totals) {
    java.util.Set<String> top = new java.util.LinkedHashSet<>();
    totals.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(TOP_TOPICS).forEach(e -> top.add(e.getKey()));
    return top;
  }

  private static Map<String, Long> sums(Map<String, long[]> byTopic) {
    Map<String, Long> out = new TreeMap<>();
    byTopic.forEach((topic, values) -> out.put(topic, java.util.Arrays.stream(values).sum()));
    return out;
  }

  /** The store's per-topic series as "services" and "topics" groups, aligned with the window. */
  private Map<String, Map<String, long[]>> historySeries(Map<String, long[]> byTopic) {
    Map<String, long[]> services = new TreeMap<>();
    byTopic.forEach((topic, values) -> {
      long[] sum = services.computeIfAbsent(service(topic), s -> new long[values.length]);
      for (int i = 0; i < values.length; i++) {
        sum[i] += values[i];
      }
    });
    return Map.of("services", services, "topics", byTopic);
  }

  private static ObjectNode counts(Map<String, Long> map) {
    ObjectNode out = F.objectNode();
    map.forEach(out::put);
    return out;
  }

  private static final class Beat {
    long count;
    Instant last;
    String signer;
    double interval;

    void seen(Instant when, String by, double intervalSeconds) {
      count++;
      last = when;
      signer = by;
      interval = intervalSeconds > 0 ? intervalSeconds : 10.0;
    }
  }

  /** Counts in {@code slots} buckets of {@code width}, per group ("services", ...) and key. */
  private static final class Window {
    private final long width;
    private final int slots;
    /** group -> key -> ring of counts; {@code index[i]} is the bucket number slot i holds. */
    private final Map<String, Map<String, long[]>> counts = new LinkedHashMap<>();
    private final Map<String, Map<String, long[]>> indexes = new LinkedHashMap<>();

    Window(Duration width, int slots) {
      this.width = width.toMillis();
      this.slots = slots;
    }

    void add(String group, String key, Instant when, long n) {
      long bucket = when.toEpochMilli() / width;
      long[] ring = counts.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(key, k -> new long[slots]);
      long[] index = indexes.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(key, k -> new long[slots]);
      int slot = (int) (bucket % slots);
      if (index[slot] != bucket) {
        index[slot] = bucket;
        ring[slot] = 0;
      }
      ring[slot] += n;
    }

    /** The start of the oldest bucket shown at {@code now}. */
    Instant first(Instant now) {
      return Instant.ofEpochMilli((now.toEpochMilli() / width - slots + 1) * width);
    }

    Duration width() {
      return Duration.ofMillis(width);
    }

    /**
     * The window as JSON; {@code replaced} (may be null) holds groups whose series come from
     * elsewhere (the store), each key's values aligned with this window's buckets.
     */
    ObjectNode toJson(Instant now, java.util.Set<String> topTopics, Map<String, Map<String, long[]>> replaced) {
      long current = now.toEpochMilli() / width;
      long first = current - slots + 1;
      ObjectNode out = F.objectNode();
      ArrayNode labels = out.putArray("labels");
      for (long b = first; b <= current; b++) {
        labels.add(Instant.ofEpochMilli(b * width).toString());
      }
      for (String group : new String[] {"services", "topics", "rejections", "gaps"}) {
        ObjectNode series = out.putObject(group);
        if (replaced != null && replaced.containsKey(group)) {
          replaced.get(group).forEach((key, values) -> {
            if (!group.equals("topics") || topTopics.contains(key)) {
              ArrayNode a = series.putArray(key);
              for (long v : values) {
                a.add(v);
              }
            }
          });
          continue;
        }
        Map<String, long[]> byKey = counts.getOrDefault(group, Map.of());
        byKey.forEach((key, ring) -> {
          if (group.equals("topics") && !topTopics.contains(key)) {
            return;
          }
          long[] index = indexes.get(group).get(key);
          ArrayNode values = series.putArray(key);
          for (long b = first; b <= current; b++) {
            int slot = (int) (b % slots);
            values.add(index[slot] == b ? ring[slot] : 0);
          }
        });
      }
      return out;
    }
  }
}
