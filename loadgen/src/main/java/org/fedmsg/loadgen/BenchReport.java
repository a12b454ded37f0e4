package org.fedmsg.loadgen;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The result of a load run: every client's figures, the totals, latency over all subscribers,
 * rejections and loss. Immutable.
 *
 * <p>Totals are aggregate rates: all clients' messages over the time from the first client's
 * first message to the last client's last one.
 *
 * @param mode {@code pub}, {@code sub} or {@code pubsub}
 * @param spec the run's settings
 * @param publishers the publishers' figures, in order
 * @param subscribers the subscribers' figures, in order
 * @param latency latency over every subscriber's messages
 */
public record BenchReport(String mode, BenchSpec spec, List<ClientReport> publishers, List<ClientReport> subscribers,
    Latency latency) {

  /** The columns of {@link #csv()}. */
  public static final String CSV_HEADER = "mode,publishers,subscribers,size,format,key,curve,relay,policy_rules,"
      + "sent,received,pub_msgs_per_s,pub_mb_per_s,sub_msgs_per_s,sub_mb_per_s,"
      + "p50_us,p90_us,p99_us,max_us,rejected,lost,duplicates";

  public BenchReport {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(spec, "spec");
    publishers = List.copyOf(publishers);
    subscribers = List.copyOf(subscribers);
    Objects.requireNonNull(latency, "latency");
  }

  /** Messages published by all publishers. */
  public long sent() {
    return publishers.stream().mapToLong(ClientReport::messages).sum();
  }

  /** Distinct messages received, summed over subscribers. */
  public long received() {
    return subscribers.stream().mapToLong(ClientReport::messages).sum();
  }

  /** Messages lost, summed over subscribers. */
  public long lost() {
    return subscribers.stream().mapToLong(ClientReport::lost).sum();
  }

  /** Messages rejected, summed over subscribers. */
  public long rejected() {
    return subscribers.stream().mapToLong(ClientReport::rejected).sum();
  }

  /** Duplicate deliveries, summed over subscribers. */
  public long duplicates() {
    return subscribers.stream().mapToLong(ClientReport::duplicates).sum();
  }

  /** The publishers' aggregate messages per second. */
  public double publishRate() {
    return aggregate(publishers, false);
  }

  /** The subscribers' aggregate messages per second. */
  public double receiveRate() {
    return aggregate(subscribers, false);
  }

  /** One line of comma-separated values, in the order of {@link #CSV_HEADER}, without a newline. */
  public String csv() {
    return String.join(",", mode, Integer.toString(publishers.size()), Integer.toString(subscribers.size()),
        Integer.toString(spec.size()), spec.format().name().toLowerCase(Locale.ROOT), spec.keyType().cliName(),
        Boolean.toString(spec.curve()), Boolean.toString(spec.relay()), Integer.toString(spec.policyRules()),
        Long.toString(sent()), Long.toString(received()),
        fixed(publishRate(), 1), fixed(aggregate(publishers, true), 3),
        fixed(receiveRate(), 1), fixed(aggregate(subscribers, true), 3),
        Long.toString(latency.p50()), Long.toString(latency.p90()), Long.toString(latency.p99()),
        Long.toString(latency.max()), Long.toString(rejected()), Long.toString(lost()), Long.toString(duplicates()));
  }

  /** The human-readable report, lines ending in {@code \n}. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("fedmsg bench ").append(mode).append(": ").append(spec).append('\n');
    section(out, "Pub", publishers, false);
    section(out, "Sub", subscribers, true);
    if (!subscribers.isEmpty()) {
      out.append("All subscribers: ").append(latency).append('\n');
      out.append("Rejected ").append(rejected()).append(", lost ").append(lost()).append(", duplicates ")
          .append(duplicates()).append('\n');
    }
    return out.toString();
  }

  private static void section(StringBuilder out, String label, List<ClientReport> clients, boolean receiving) {
    if (clients.isEmpty()) {
      return;
    }
    out.append(label).append(" stats: ").append(rateText(aggregate(clients, false), aggregate(clients, true)))
        .append('\n');
    int n = 1;
    for (ClientReport c : clients) {
      out.append(String.format(Locale.ROOT, " [%d] %s %s (%,d msgs)", n++, c.name(),
          rateText(c.messagesPerSecond(), c.megabytesPerSecond()), c.messages()));
      if (receiving) {
        out.append(", ").append(c.latency()).append(", lost ").append(c.lost()).append(", rejected ")
            .append(c.rejected());
        if (c.duplicates() > 0) {
          out.append(", duplicates ").append(c.duplicates());
        }
      }
      out.append('\n');
    }
  }

  private static String rateText(double msgs, double mb) {
    return String.format(Locale.ROOT, "%,.0f msgs/sec ~ %.2f MB/sec", msgs, mb);
  }

  private static double aggregate(List<ClientReport> clients, boolean megabytes) {
    List<ClientReport> active = clients.stream().filter(c -> c.messages() > 0).toList();
    if (active.isEmpty()) {
      return 0;
    }
    long start = active.stream().mapToLong(ClientReport::startNanos).min().orElseThrow();
    long end = active.stream().mapToLong(ClientReport::endNanos).max().orElseThrow();
    long amount = active.stream().mapToLong(megabytes ? ClientReport::payloadBytes : ClientReport::messages).sum();
    double rate = rate(amount, Math.max(0, end - start) / 1e9);
    return megabytes ? rate / 1e6 : rate;
  }

  static double rate(long amount, double seconds) {
    return seconds <= 0 ? 0 : amount / seconds;
  }

  static String micros(long us) {
    return us < 1000 ? us + " µs" : String.format(Locale.ROOT, "%.2f ms", us / 1000.0);
  }

  private static String fixed(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
