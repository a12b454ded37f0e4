package org.fedmsg.loadgen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.Subscription;
import org.fedmsg.TransportException;

/**
 * Runs load through real buses and measures it end to end: messages and megabytes per second per
 * client and in total, latency from each message's signed send time, rejections and loss.
 *
 * <ul>
 *   <li>{@link #pubsub} is self-contained: publishers and subscribers in this process on loopback,
 *       with a throw-away PKI, directly or through a relay;
 *   <li>{@link #publish} and {@link #subscribe} run one side against buses the caller configures
 *       (e.g. from {@code fedmsg.d}), so the two sides can run in different processes or hosts.
 * </ul>
 *
 * <p>Each method blocks until the run is over and is safe to call from any thread; buses it opens
 * are closed before it returns.
 */
public final class LoadGenerator {
  /** How long a subscriber of a {@link #subscribe} run waits for the first message. */
  public static final Duration FIRST_MESSAGE_WAIT = Duration.ofSeconds(60);
  private static final Duration READY_WAIT = Duration.ofSeconds(30);

  private LoadGenerator() {}

  /** Receives running totals about once a second, on a thread of its own. */
  @FunctionalInterface
  public interface Progress {
    /** No progress reports. */
    Progress NONE = (elapsed, sent, received) -> {};

    /**
     * @param elapsed time since the publishers started
     * @param sent messages published so far, all publishers
     * @param received distinct messages received so far, all subscribers
     */
    void update(Duration elapsed, long sent, long received);
  }

  /**
   * Runs {@code spec}'s publishers and subscribers in this process.
   *
   * @throws IllegalArgumentException if the spec has no publisher or no subscriber
   * @throws InterruptedException if interrupted while waiting for messages
   */
  public static BenchReport pubsub(BenchSpec spec, Progress progress) throws InterruptedException {
    if (spec.publishers() < 1 || spec.subscribers() < 1) {
      throw new IllegalArgumentException("pubsub needs at least one publisher and one subscriber");
    }
    try (BenchBed bed = new BenchBed(spec)) {
      List<Bus> pubBuses = new ArrayList<>();
      List<Bus> subBuses = new ArrayList<>();
      try {
        List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < spec.publishers(); i++) {
          Bus bus = Bus.create(bed.publisher(i + 1));
          pubBuses.add(bus);
          if (bus.publisherEndpoint() != null) {
            endpoints.add(bus.publisherEndpoint());
          }
        }
        for (int j = 0; j < spec.subscribers(); j++) {
          subBuses.add(Bus.create(bed.subscriber(endpoints)));
        }
        return run("pubsub", spec, pubBuses, subBuses, bed.subscriberEndpoints(), progress, () -> {});
      } finally {
        subBuses.forEach(Bus::close);
        pubBuses.forEach(Bus::close);
      }
    }
  }

  /**
   * Runs {@code spec.publishers()} publishers, each on a bus built from {@code options.apply(i)}
   * ({@code i} from 1), and no subscriber.
   */
  public static BenchReport publish(BenchSpec spec, IntFunction<BusOptions> options, Progress progress)
      throws InterruptedException {
    List<Bus> buses = new ArrayList<>();
    try {
      for (int i = 1; i <= spec.publishers(); i++) {
        buses.add(Bus.create(options.apply(i)));
      }
      return run("pub", spec, buses, List.of(), -1, progress, () -> {});
    } finally {
      buses.forEach(Bus::close);
    }
  }

  /**
   * Runs {@code spec.subscribers()} subscribers, each on a bus built from
   * {@code options.apply(j)}, until each has {@code spec.messages() × spec.publishers()} messages
   * (or, for a timed spec, until traffic stops for {@code spec.timeout()}). Loss is counted per
   * publisher from its sequence numbers and its announced count.
   */
  public static BenchReport subscribe(BenchSpec spec, IntFunction<BusOptions> options, Progress progress)
      throws InterruptedException {
    return subscribe(spec, options, progress, -1, () -> {});
  }

  /**
   * As {@link #subscribe(BenchSpec, IntFunction, Progress)}, first waiting until every subscriber
   * has {@code endpoints} connections whose publishers confirmed its subscription (-1: no wait),
   * then calling {@code ready} (e.g. to start the publishers).
   *
   * @throws TransportException if the subscribers are not ready within 30 seconds
   */
  public static BenchReport subscribe(BenchSpec spec, IntFunction<BusOptions> options, Progress progress, int endpoints,
      Runnable ready) throws InterruptedException {
    List<Bus> buses = new ArrayList<>();
    try {
      for (int j = 1; j <= spec.subscribers(); j++) {
        buses.add(Bus.create(options.apply(j)));
      }
      return run("sub", spec, List.of(), buses, endpoints, progress, ready);
    } finally {
      buses.forEach(Bus::close);
    }
  }

  /**
   * The run itself. {@code endpointsPerSubscriber} is how many connections each subscriber must
   * have confirmed before publishing starts (-1: do not wait, the publishers are elsewhere).
   */
  private static BenchReport run(String mode, BenchSpec spec, List<Bus> pubBuses, List<Bus> subBuses,
      int endpointsPerSubscriber, Progress progress, Runnable ready) throws InterruptedException {
    String runId = UUID.randomUUID().toString().substring(0, 8);
    List<LoadSubscriber> subscribers = new ArrayList<>();
    List<Subscription> subscriptions = new ArrayList<>();
    for (int j = 0; j < subBuses.size(); j++) {
      LoadSubscriber s = new LoadSubscriber("sub-" + (j + 1), subBuses.get(j), spec);
      subscribers.add(s);
      subscriptions.add(subBuses.get(j).subscribe("", s));
    }
    if (endpointsPerSubscriber > 0) {
      awaitReady(subBuses, subscriptions, endpointsPerSubscriber);
    }
    ready.run();
    List<LoadPublisher> publishers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < pubBuses.size(); i++) {
      LoadPublisher p = new LoadPublisher("pub-" + (i + 1), runId, pubBuses.get(i), spec);
      publishers.add(p);
      threads.add(new Thread(p, "bench-" + p.id()));
    }
    long started = System.nanoTime();
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(() -> progress.update(Duration.ofNanos(System.nanoTime() - started),
        publishers.stream().mapToLong(LoadPublisher::sent).sum(),
        subscribers.stream().mapToLong(LoadSubscriber::received).sum()), 1, 1, TimeUnit.SECONDS);
    try {
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      for (LoadPublisher p : publishers) {
        if (p.failure() != null) {
          throw new TransportException(p.id() + " stopped after " + p.sent() + " messages: " + p.failure().getMessage(),
              p.failure());
        }
      }
      Map<String, Long> sent = new HashMap<>();
      publishers.forEach(p -> sent.put(p.id(), p.sent()));
      long total = sent.values().stream().mapToLong(Long::longValue).sum();
      for (LoadSubscriber s : subscribers) {
        long expected = !publishers.isEmpty() ? total : spec.timed() ? -1 : spec.messages() * spec.publishers();
        s.await(expected, spec.timeout(), publishers.isEmpty() ? FIRST_MESSAGE_WAIT : spec.timeout());
      }
      // Close the subscriptions first: after that no handler runs, so the ledgers and histograms
      // are read by this thread alone.
      subscriptions.forEach(Subscription::close);
      subBuses.forEach(Bus::close);
      Histogram all = Latency.histogram();
      List<ClientReport> subReports = new ArrayList<>();
      for (LoadSubscriber s : subscribers) {
        subReports.add(s.report(sent));
        all.add(s.latencies());
      }
      return new BenchReport(mode, spec, publishers.stream().map(LoadPublisher::report).toList(), subReports,
          Latency.of(all));
    } finally {
      ticker.shutdownNow();
      threads.forEach(Thread::interrupt);
    }
  }

  private static void awaitReady(List<Bus> buses, List<Subscription> subscriptions, int endpoints)
      throws InterruptedException {
    for (int j = 0; j < buses.size(); j++) {
      long deadline = System.nanoTime() + READY_WAIT.toNanos();
      while (buses.get(j).connectedEndpoints().size() < endpoints
          || !subscriptions.get(j).awaitReady(Duration.ofSeconds(1))) {
        if (System.nanoTime() - deadline > 0) {
          throw new TransportException("subscriber " + (j + 1) + " was not ready within " + READY_WAIT.toSeconds()
              + " s: " + buses.get(j).connectedEndpoints().size() + " of " + endpoints + " endpoints connected");
        }
      }
    }
  }
}
