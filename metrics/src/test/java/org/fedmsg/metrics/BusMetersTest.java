package org.fedmsg.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.metrics.MetricsServerTest.value;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.fedmsg.BusStats;
import org.junit.jupiter.api.Test;

/** The bus counters as scraped: names and labels of docs/operations.md. */
class BusMetersTest {

  @Test
  void bind_handshakeNudgesAndCompactFrames_exportedWithTheirLabels() {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    BusStats stats = new BusStats(0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, 0, 0, 0, 0, 7, 2, 18, 15, 3, 1);
    BusMeters.bind(registry, "relay", () -> stats);
    String body = registry.scrape();
    assertThat(value(body, "fedmsg_handshake_nudges_total", "component=\"relay\"")).isEqualTo(7.0);
    assertThat(value(body, "fedmsg_signature_frames_sent_total", "form=\"full\"")).isEqualTo(2.0);
    assertThat(value(body, "fedmsg_signature_frames_sent_total", "form=\"compact\"")).isEqualTo(18.0);
    assertThat(value(body, "fedmsg_compact_frames_received_total", "chain=\"known\"")).isEqualTo(15.0);
    assertThat(value(body, "fedmsg_compact_frames_received_total", "chain=\"waited\"")).isEqualTo(3.0);
    assertThat(value(body, "fedmsg_compact_frames_received_total", "chain=\"unknown\"")).isEqualTo(1.0);
  }
}
