package org.fedmsg.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.testing.Dnsmasq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code _fedmsg-replay._tcp} SRV records against a real dnsmasq on loopback. */
@Timeout(60)
class DnsSrvReplayTest {
  private static final String D = "example.test";
  @TempDir Path dir;

  private static Resolution resolve(Dnsmasq dns) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode cfg = m.createObjectNode().put("type", "dns-srv").put("ordering", "deterministic").put("timeout", "2s");
    cfg.withArray("domains").add(D);
    cfg.withArray("nameservers").add(dns.address());
    ObjectNode bus = m.createObjectNode();
    bus.putObject("curve").put("enabled", true);
    return new DnsSrvResolverProvider().create("dns-srv", cfg, ResolverContext.builder().config(bus).build()).resolve();
  }

  @Test
  void replaySrvRecords_areReplayEndpoints_withTheirCurveKey() throws Exception {
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String key = CurveKeys.encode(raw);
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",hub1." + D + ",9940,0,0",
        "srv-host=_fedmsg-replay._tcp." + D + ",hub1." + D + ",9941,0,0",
        "txt-record=_9941._fedmsg-curve.hub1." + D + ",\"curve=" + key + "\"")) {
      Resolution r = resolve(dns);
      assertThat(r.problems()).isEmpty();
      assertThat(r.endpoints()).containsExactly(Endpoint.of(D, "tcp://hub1." + D + ":9940", "dns-srv"),
          Endpoint.replay(D, "tcp://hub1." + D + ":9941", Optional.of(key), "dns-srv"));
    }
  }

  @Test
  void noReplayRecords_isNormal_noProblem() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",hub1." + D + ",9940,0,0")) {
      Resolution r = resolve(dns);
      assertThat(r.problems()).isEmpty();
      assertThat(r.failed()).isFalse();
      assertThat(r.endpoints()).containsExactly(Endpoint.of(D, "tcp://hub1." + D + ":9940", "dns-srv"));
    }
  }
}
