package org.fedmsg.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code fedmsg status} warns about publishers whose heartbeat reports lost critical messages. */
class StatusReportTest {
  private static PublisherStatus status(String name, long lost) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("lost", lost);
    if (lost > 0) {
      body.putArray("lost_ranges").addObject().put("signer", "svc-pkgdb").put("epoch", "e1").put("from", 3)
          .put("to", 2 + lost).put("reason", "missing");
    }
    return new PublisherStatus(name, null, "tcp://127.0.0.1:1", "t", Instant.EPOCH, 1, body);
  }

  @Test
  void publisherReportingLosses_isAWarning_othersAreNot() {
    StatusReport report = new StatusReport(Instant.EPOCH, List.of(status("hub", 3), status("relay", 0)), List.of());
    assertThat(report.allAlive()).isTrue();
    assertThat(report.warnings()).extracting(PublisherStatus::name).containsExactly("hub");
    assertThat(report.warnings().get(0).body().path("lost_ranges").get(0).path("to").asLong()).isEqualTo(5);
  }

  @Test
  void noLosses_noWarning() {
    assertThat(new StatusReport(Instant.EPOCH, List.of(status("relay", 0)), List.of()).warnings()).isEmpty();
  }
}
