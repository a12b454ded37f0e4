package org.fedmsg.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.web.Gateway;
import org.fedmsg.web.GatewayOptions;

/**
 * Fan-out of the gateway to many WebSocket clients (never part of the test run): one publisher
 * on loopback, one gateway, N JDK WebSocket clients in the same JVM (so send and receive
 * {@code System.nanoTime()} compare directly).
 *
 * <p>Phase 1 publishes at a fixed rate and reports the latency from publish to a client's
 * receipt (p50, p99, max). Phase 2 publishes a burst as fast as the bus takes it and reports the
 * deliveries per second until every client has every message (or dropped clients, if any).
 *
 * <pre>
 * mvn -B -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar org.fedmsg.bench.GatewayFanOut 500 100 10 1000
 *      (clients, messages/s in phase 1, seconds of phase 1, messages in the phase 2 burst)
 * </pre>
 */
public final class GatewayFanOut {
  private GatewayFanOut() {}

  /** A client that counts messages and records each message's latency. */
  static final class Client implements WebSocket.Listener {
    final AtomicLong received = new AtomicLong();
    final long[] latencies;
    final StringBuilder partial = new StringBuilder();
    volatile boolean closed;

    Client(int capacity) {
      latencies = new long[capacity];
    }

    @Override
    public void onOpen(WebSocket ws) {
      ws.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        int at = text.indexOf("\"sent\":");
        if (at >= 0) {
          long now = System.nanoTime();
          int end = at + 7;
          while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
          }
          long sent = Long.parseLong(text.substring(at + 7, end));
          int n = (int) received.getAndIncrement();
          if (n < latencies.length) {
            latencies[n] = now - sent;
          }
        }
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed = true;
      return null;
    }
  }

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int burst = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
    int total = rate * seconds + burst;
    try (Bus publisher = Bus.create(BusOptions.builder().name("bench")
            .endpoint("bench", List.of("tcp://127.0.0.1:*")).validateSignatures(false).build());
        Gateway gateway = Gateway.start(GatewayOptions.builder().host("127.0.0.1").port(0).clientQueue(total + 16)
            .maxConnections(clients + 10).build(),
            BusOptions.builder().endpoint("bench", List.of(publisher.publisherEndpoint())).validateSignatures(false))) {
      if (!gateway.awaitReady(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the gateway did not reach the publisher");
      }
      HttpClient http = HttpClient.newHttpClient();
      List<Client> all = new ArrayList<>();
      List<WebSocket> sockets = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Client c = new Client(total);
        sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws"), c)
            .get(30, TimeUnit.SECONDS));
        all.add(c);
      }
      while (gateway.clients() < clients) {
        Thread.sleep(10);
      }
      System.out.printf("%d clients connected%n", clients);

      // Phase 1: fixed rate, latency.
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      long next = System.nanoTime();
      for (int i = 0; i < rate * seconds; i++) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        publisher.publish("bench", "tick", Map.of("sent", System.nanoTime(), "pad", "x".repeat(200)));
        next += interval;
      }
      int phase1 = rate * seconds;
      awaitAll(all, phase1, 120);
      long[] lat = collect(all, 0, phase1);
      System.out.printf("phase 1: %d msg/s to %d clients = %d deliveries/s; latency p50 %.2f ms, p99 %.2f ms, "
              + "max %.2f ms%n", rate, clients, (long) rate * clients, pct(lat, 0.50), pct(lat, 0.99),
          lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6);

      // Phase 2: a burst, throughput.
      long start = System.nanoTime();
      for (int i = 0; i < burst; i++) {
        publisher.publish("bench", "tick", Map.of("sent", System.nanoTime(), "pad", "x".repeat(200)));
      }
      boolean complete = awaitAll(all, total, 300);
      double elapsed = (System.nanoTime() - start) / 1e9;
      long delivered = all.stream().mapToLong(c -> Math.min(c.received.get(), total)).sum() - (long) phase1 * clients;
      long[] lat2 = collect(all, phase1, total);
      System.out.printf("phase 2: burst of %d to %d clients: %d deliveries in %.2f s = %.0f deliveries/s "
              + "(%.0f msg/s); latency p50 %.1f ms, p99 %.1f ms; %s; dropped clients %d%n", burst, clients, delivered,
          elapsed, delivered / elapsed, delivered / elapsed / clients, pct(lat2, 0.50), pct(lat2, 0.99),
          complete ? "every client got every message" : "INCOMPLETE",
          all.stream().filter(c -> c.closed).count());
      sockets.forEach(WebSocket::abort);
    }
    // the JDK HttpClient's and Jetty's threads would keep the JVM alive
    System.exit(0);
  }

  private static boolean awaitAll(List<Client> all, long count, int timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (all.stream().allMatch(c -> c.closed || c.received.get() >= count)) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static long[] collect(List<Client> all, int from, int to) {
    long[] out = all.stream().flatMapToLong(c -> Arrays.stream(c.latencies, from, (int) Math.min(to,
        Math.max(from, c.received.get())))).toArray();
    Arrays.sort(out);
    return out;
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e6;
  }
}
