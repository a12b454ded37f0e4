package org.fedmsg.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes that share a state directory (a relay, a hub and a tail on one host, each with its own
 * configuration) keep each other's last known good answers: every one's first source is labelled
 * {@code file}, yet neither overwrites the other's.
 */
@Timeout(60)
class LastKnownGoodStoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  private static JsonNode config(String yamlLikeJson) throws Exception {
    return JSON.readTree(yamlLikeJson);
  }

  private Discovery discovery(TestResolver r, Map<String, String> keys, Path state) {
    return Discovery.builder().resolvers(List.of(r)).clock(clock).sourceKeys(keys).stateDirectory(state).build();
  }

  private static List<String> urls(Snapshot s) {
    return s.endpoints().stream().map(Endpoint::url).toList();
  }

  @Test
  void twoConfigurationsWithTheSameLabel_shareAStateDir_eachRestartsWithItsOwnAnswer(@TempDir Path state)
      throws Exception {
    Map<String, String> relayKeys = Resolvers.sourceKeys(config("{\"endpoints\": {\"relay_outbound\": \"tcp://h1:1\"}}"));
    Map<String, String> hubKeys = Resolvers.sourceKeys(config("{\"endpoints\": {\"pkgdb.app01\": \"tcp://h2:2\"}}"));
    assertThat(relayKeys.keySet()).containsExactly("file");
    assertThat(relayKeys.get("file")).isNotEqualTo(hubKeys.get("file"));

    TestResolver relaySource = new TestResolver("file", clock);
    relaySource.answer("tcp://h1:1");
    TestResolver hubSource = new TestResolver("file", clock);
    hubSource.answer("tcp://h2:2");
    try (Discovery relay = discovery(relaySource, relayKeys, state);
        Discovery hub = discovery(hubSource, hubKeys, state)) {
      relay.refresh();
      hub.refresh();  // saved after the relay: must not erase the relay's answer
    }

    TestResolver relayDown = new TestResolver("file", clock);
    relayDown.fail();
    TestResolver hubDown = new TestResolver("file", clock);
    hubDown.fail();
    try (Discovery relay = discovery(relayDown, relayKeys, state);
        Discovery hub = discovery(hubDown, hubKeys, state)) {
      assertThat(urls(relay.current())).containsExactly("tcp://h1:1");
      assertThat(urls(hub.current())).containsExactly("tcp://h2:2");
    }
  }

  @Test
  void concurrentSavesOfTwoStores_neitherLosesItsEntry(@TempDir Path state) throws Exception {
    LastKnownGoodStore one = new LastKnownGoodStore(state, Map.of("file", "file@one"));
    LastKnownGoodStore two = new LastKnownGoodStore(state, Map.of("file", "file@two"));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> a = pool.submit(() -> saveMany(one, "tcp://one:1", go));
      Future<?> b = pool.submit(() -> saveMany(two, "tcp://two:2", go));
      go.countDown();
      a.get();
      b.get();
    } finally {
      pool.shutdownNow();
    }
    assertThat(one.load(List.of("file")).get("file").endpoints()).extracting(Endpoint::url)
        .containsExactly("tcp://one:1");
    assertThat(two.load(List.of("file")).get("file").endpoints()).extracting(Endpoint::url)
        .containsExactly("tcp://two:2");
  }

  private Void saveMany(LastKnownGoodStore store, String url, CountDownLatch go) throws InterruptedException {
    go.await();
    for (int i = 0; i < 100; i++) {
      Resolution r = new Resolution("file", List.of(new Endpoint("svc", url, Optional.empty(), "file")), List.of(),
          clock.instant(), Optional.empty());
      store.save(Map.of("file", r));
    }
    return null;
  }
}
