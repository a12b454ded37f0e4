package org.fedmsg.discovery.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.fedmsg.discovery.Snapshot;
import org.fedmsg.discovery.SourceState;
import org.junit.jupiter.api.Test;

/** {@code replay_endpoints} in the file source: listed apart, with the publisher's CURVE key. */
class FileReplayEndpointsTest {
  private static final String KEY = CurveKeys.encode(new byte[32]);

  private static Resolution resolve(String config) throws Exception {
    ObjectMapper m = new ObjectMapper();
    JsonNode cfg = m.readTree(config.replace('\'', '"'));
    return new FileResolverProvider().create("file", m.readTree("{\"type\":\"file\"}"),
        ResolverContext.builder().config(cfg).build()).resolve();
  }

  @Test
  void replayEndpoints_listedAsReplay_withTheServicesKey_andLeftOutOfEndpoints() throws Exception {
    Resolution r = resolve("{'endpoints': {'pkgdb': [{'url': 'tcp://h1:3000', 'curve_server_key': '" + KEY + "'}],"
        + " 'bodhi': 'tcp://h2:3000'}, 'replay_endpoints': {'pkgdb': 'tcp://h1:3001', 'bodhi': 'tcp://h2:3001'}}");
    assertThat(r.problems()).isEmpty();
    Endpoint pkgdb = Endpoint.replay("pkgdb", "tcp://h1:3001", Optional.of(KEY), "file");
    Endpoint bodhi = Endpoint.replay("bodhi", "tcp://h2:3001", Optional.empty(), "file");
    assertThat(r.endpoints()).contains(pkgdb, bodhi);
    assertThat(pkgdb.service()).isEqualTo("pkgdb#replay");
    assertThat(pkgdb.isReplay()).isTrue();
    assertThat(pkgdb.publisherService()).isEqualTo("pkgdb");

    Snapshot snap = new Snapshot(List.of(new SourceState(r, Optional.empty())), Instant.now());
    assertThat(snap.endpoints()).extracting(Endpoint::url).containsExactly("tcp://h1:3000", "tcp://h2:3000");
    assertThat(snap.replayEndpoints()).containsExactly(pkgdb, bodhi);
  }

  @Test
  void malformedReplayEntries_skippedWithAProblem() throws Exception {
    Resolution r = resolve("{'replay_endpoints': {'a': ['tcp://h:1'], 'b': 'http://h:2', 'c': 'tcp://h:3'}}");
    assertThat(r.problems()).extracting(Problem::kind).containsOnly(Problem.Kind.MALFORMED_ENTRY).hasSize(2);
    assertThat(r.endpoints()).containsExactly(Endpoint.replay("c", "tcp://h:3", Optional.empty(), "file"));
  }
}
