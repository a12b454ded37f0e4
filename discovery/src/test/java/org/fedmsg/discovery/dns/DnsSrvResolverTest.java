package org.fedmsg.discovery.dns;

import org.fedmsg.testing.Dnsmasq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Discovery;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointChange;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DnsSrvResolverTest {

  private static final String D = "example.test";

  @TempDir
  Path dir;

  private static String key() {
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    return CurveKeys.encode(raw);
  }

  private static EndpointResolver resolver(String nameserver, String timeout, String... domains) {
    return resolver(true, nameserver, timeout, domains);
  }

  /** A resolver of a bus with CURVE on (CURVE keys are looked up) or off (they are not). */
  private static EndpointResolver resolver(boolean curve, String nameserver, String timeout, String... domains) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode cfg = m.createObjectNode().put("type", "dns-srv").put("ordering", "deterministic")
        .put("timeout", timeout);
    for (String d : domains) {
      cfg.withArray("domains").add(d);
    }
    cfg.withArray("nameservers").add(nameserver);
    ObjectNode bus = m.createObjectNode();
    bus.putObject("curve").put("enabled", curve);
    return new DnsSrvResolverProvider().create("dns-srv", cfg, ResolverContext.builder().config(bus).build());
  }

  private static EndpointResolver resolver(Dnsmasq dns, String... domains) {
    return resolver(dns.address(), "2s", domains);
  }

  private static List<Problem.Kind> kinds(Resolution r) {
    return r.problems().stream().map(Problem::kind).toList();
  }

  @Test
  void resolve_srvRecords_tcpUrlsWithoutTrailingDotAndTtl() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/", "local-ttl=42",
        "srv-host=_fedmsg._tcp." + D + ",hub1." + D + ",9940,10,0",
        "srv-host=_fedmsg._tcp." + D + ",hub2." + D + ".,9941,10,0")) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(r.problems()).isEmpty();
      assertThat(r.endpoints()).containsExactly(
          Endpoint.of(D, "tcp://hub1." + D + ":9940", "dns-srv"), Endpoint.of(D, "tcp://hub2." + D + ":9941", "dns-srv"));
      assertThat(r.ttl()).contains(Duration.ofSeconds(42));
    }
  }

  @Test
  void resolve_prioritiesAndWeights_orderedByPriorityThenWeight() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",backup." + D + ",1,20,100",
        "srv-host=_fedmsg._tcp." + D + ",light." + D + ",2,10,5",
        "srv-host=_fedmsg._tcp." + D + ",heavy." + D + ",3,10,50")) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(r.endpoints()).extracting(Endpoint::url).containsExactly(
          "tcp://heavy." + D + ":3", "tcp://light." + D + ":2", "tcp://backup." + D + ":1");
    }
  }

  @Test
  void resolve_keyLookupRefused_endpointKeptWithoutKeyAndSourceNotFailed() throws Exception {
    // The target lies outside the server's zone, so the TXT query for its key is REFUSED.
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",127.0.0.1,9940,0,0")) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(r.failed()).isFalse();
      assertThat(r.endpoints()).containsExactly(Endpoint.of(D, "tcp://127.0.0.1:9940", "dns-srv"));
      assertThat(r.problems()).singleElement().satisfies(p -> {
        assertThat(p.kind()).isEqualTo(org.fedmsg.discovery.Problem.Kind.BAD_CURVE_KEY);
        assertThat(p.detail()).contains("could not look up the CURVE key record");
      });
    }
  }

  @Test
  void curveOff_keysNotLookedUp_noKeyProblemEvenWhenTheTxtQueryWouldBeRefused() throws Exception {
    String k1 = key();
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",127.0.0.1,9940,0,0",
        "srv-host=_fedmsg._tcp." + D + ",hub1." + D + ",9941,1,0",
        "txt-record=_9941._fedmsg-curve.hub1." + D + ",\"curve=" + k1 + "\"")) {
      try (EndpointResolver off = resolver(false, dns.address(), "2s", D)) {
        Resolution r = off.resolve();
        assertThat(r.problems()).isEmpty();
        // Not even a published key is fetched: with CURVE off nothing would use it.
        assertThat(r.endpoints()).extracting(Endpoint::curveServerKey).containsOnly(Optional.empty());
        assertThat(((DnsSrvResolver) off).warningsLogged()).isZero();
      }
      try (EndpointResolver on = resolver(true, dns.address(), "2s", D)) {
        assertThat(on.resolve().endpoints()).extracting(Endpoint::curveServerKey)
            .containsExactly(Optional.empty(), Optional.of(k1));
      }
    }
  }

  @Test
  void curveOn_refusedKeyLookup_reportedEveryRefreshButWarnedOncePerInterval() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",127.0.0.1,9940,0,0");
        EndpointResolver r = resolver(dns, D)) {
      for (int i = 0; i < 3; i++) {
        assertThat(kinds(r.resolve())).containsExactly(Problem.Kind.BAD_CURVE_KEY);
      }
      assertThat(((DnsSrvResolver) r).warningsLogged()).isEqualTo(1);
    }
  }

  @Test
  void resolve_curveTxtRecord_keyAttached() throws Exception {
    String k1 = key();
    String bad = "curve=tooshort";
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",hub1." + D + ",9940,0,0",
        "srv-host=_fedmsg._tcp." + D + ",hub2." + D + ",9941,1,0",
        "srv-host=_fedmsg._tcp." + D + ",hub3." + D + ",9942,2,0",
        "srv-host=_fedmsg._tcp." + D + ",hub4." + D + ",9943,3,0",
        "txt-record=_9940._fedmsg-curve.hub1." + D + ",\"curve=" + k1 + "\"",
        "txt-record=_9941._fedmsg-curve.hub2." + D + ",\"" + bad + "\"",
        "txt-record=_9942._fedmsg-curve.hub3." + D + ",\"curve=" + key() + "\"",
        "txt-record=_9942._fedmsg-curve.hub3." + D + ",\"curve=" + key() + "\"")) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(r.endpoints()).extracting(Endpoint::curveServerKey)
          .containsExactly(Optional.of(k1), Optional.empty(), Optional.empty(), Optional.empty());
      assertThat(r.problems()).extracting(Problem::kind, Problem::subject).containsExactly(
          org.assertj.core.groups.Tuple.tuple(Problem.Kind.BAD_CURVE_KEY, "_9941._fedmsg-curve.hub2." + D + "."),
          org.assertj.core.groups.Tuple.tuple(Problem.Kind.BAD_CURVE_KEY, "_9942._fedmsg-curve.hub3." + D + "."));
      assertThat(r.failed()).isFalse();
    }
  }

  @Test
  void refresh_recordsChanged_listenerSeesAddedAndRemoved() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/", "local-ttl=0",
        "srv-host=_fedmsg._tcp." + D + ",old." + D + ",9940,0,0")) {
      List<EndpointChange> changes = new ArrayList<>();
      try (Discovery d = Discovery.builder().resolvers(List.of(resolver(dns, D))).listener(changes::add).build()) {
        assertThat(d.current().endpoints()).extracting(Endpoint::url).containsExactly("tcp://old." + D + ":9940");
        dns.restart("local=/" + D + "/", "local-ttl=0", "srv-host=_fedmsg._tcp." + D + ",new." + D + ",9950,0,0");
        d.refresh();
        assertThat(changes).hasSize(2);
        assertThat(changes.get(1).added()).extracting(Endpoint::url).containsExactly("tcp://new." + D + ":9950");
        assertThat(changes.get(1).removed()).extracting(Endpoint::url).containsExactly("tcp://old." + D + ":9940");
      }
    }
  }

  @Test
  void resolve_missingName_nxdomainNotFailure() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp.ok." + D + ",hub." + D + ",9940,0,0")) {
      Resolution r = resolver(dns, "ok." + D, "missing." + D).resolve();
      assertThat(r.endpoints()).extracting(Endpoint::service).containsExactly("ok." + D);
      assertThat(r.problems()).extracting(Problem::kind, Problem::subject).containsExactly(
          org.assertj.core.groups.Tuple.tuple(Problem.Kind.NXDOMAIN, "_fedmsg._tcp.missing." + D + "."));
      assertThat(r.failed()).isFalse();
    }
  }

  @Test
  void resolve_nameWithoutSrv_noAnswer() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/", "txt-record=_fedmsg._tcp." + D + ",\"not srv\"")) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(r.endpoints()).isEmpty();
      assertThat(kinds(r)).containsExactly(Problem.Kind.NO_ANSWER);
    }
  }

  @Test
  void resolve_srvWithoutTarget_noTargetAndNoEndpoint() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/", "srv-host=_fedmsg._tcp." + D)) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(r.endpoints()).isEmpty();
      assertThat(kinds(r)).containsExactly(Problem.Kind.NO_TARGET);
      assertThat(r.failed()).isFalse();
    }
  }

  @Test
  void resolve_validatingServerCannotValidate_servfail() throws Exception {
    // A validating dnsmasq whose (bogus) root trust anchor cannot be proven answers SERVFAIL, as a real
    // resolver does for a DNSSEC failure; it forwards to a second dnsmasq that holds the records.
    try (Dnsmasq upstream = Dnsmasq.start(dir, "local=/" + D + "/",
        "srv-host=_fedmsg._tcp." + D + ",hub." + D + ",9940,0,0");
        Dnsmasq validating = Dnsmasq.start(dir, "dnssec", "dnssec-check-unsigned",
            "trust-anchor=.,12345,8,2,0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
            "server=127.0.0.1#" + upstream.port())) {
      Resolution r = resolver(validating, D).resolve();
      assertThat(r.endpoints()).isEmpty();
      assertThat(kinds(r)).containsExactly(Problem.Kind.SERVFAIL);
      assertThat(r.failed()).isTrue();
    }
  }

  @Test
  void resolve_serverRefuses_dnsError() throws Exception {
    // No local data and no upstream for the name: dnsmasq answers REFUSED.
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/other.test/")) {
      Resolution r = resolver(dns, D).resolve();
      assertThat(kinds(r)).containsExactly(Problem.Kind.DNS_ERROR);
      assertThat(r.problems().get(0).detail()).contains("REFUSED");
      assertThat(r.failed()).isTrue();
    }
  }

  @Test
  void resolve_silentNameserver_timeout() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      Resolution r = resolver("127.0.0.1:" + silent.getLocalPort(), "300ms", D).resolve();
      assertThat(r.endpoints()).isEmpty();
      assertThat(kinds(r)).containsExactly(Problem.Kind.TIMEOUT);
      assertThat(r.failed()).isTrue();
    }
  }

  @Test
  void resolve_nothingListening_sourceDown() throws Exception {
    int closed = Dnsmasq.freePort();
    Resolution r = resolver("127.0.0.1:" + closed, "300ms", D).resolve();
    assertThat(r.endpoints()).isEmpty();
    assertThat(kinds(r)).hasSize(1).allMatch(Problem.Kind::sourceDown);
  }

  @Test
  void discovery_dnsDownAfterAnswer_keepsLastKnownGood() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, "local=/" + D + "/", "local-ttl=0",
        "srv-host=_fedmsg._tcp." + D + ",hub." + D + ",9940,0,0")) {
      EndpointResolver r = resolver(dns.address(), "300ms", D);
      try (Discovery d = Discovery.builder().resolvers(List.of(r)).build()) {
        d.refresh();
        dns.close();
        var snap = d.refresh();
        assertThat(snap.endpoints()).extracting(Endpoint::url).containsExactly("tcp://hub." + D + ":9940");
        assertThat(snap.sources().get(0).stale()).isTrue();
      }
    }
  }
}
