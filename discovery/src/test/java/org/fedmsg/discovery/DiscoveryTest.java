package org.fedmsg.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class DiscoveryTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  private static List<String> urls(Snapshot s) {
    return s.endpoints().stream().map(Endpoint::url).toList();
  }

  @Test
  void current_twoSources_mergesKeepingSource() {
    TestResolver a = new TestResolver("a", clock);
    TestResolver b = new TestResolver("b", clock);
    a.answer("tcp://h1:1", "tcp://h2:2");
    b.answer("tcp://h2:2", "tcp://h3:3");
    try (Discovery d = Discovery.builder().resolvers(List.of(a, b)).clock(clock).build()) {
      Snapshot s = d.current();
      assertThat(urls(s)).containsExactly("tcp://h1:1", "tcp://h2:2", "tcp://h2:2", "tcp://h3:3");
      assertThat(s.endpoints()).extracting(Endpoint::source).containsExactly("a", "a", "b", "b");
    }
  }

  @Test
  void current_withinRefreshInterval_usesCache() {
    TestResolver a = new TestResolver("a", clock);
    a.answer("tcp://h1:1");
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).clock(clock)
        .refreshInterval(Duration.ofSeconds(30)).build()) {
      d.current();
      a.answer("tcp://h9:9");
      clock.advance(Duration.ofSeconds(29));
      assertThat(urls(d.current())).containsExactly("tcp://h1:1");
      clock.advance(Duration.ofSeconds(2));
      assertThat(urls(d.current())).containsExactly("tcp://h9:9");
      assertThat(a.calls).hasValue(2);
    }
  }

  @Test
  void current_sourceTtl_overridesRefreshInterval() {
    TestResolver a = new TestResolver("a", clock);
    a.answer("tcp://h1:1");
    a.ttl(Duration.ofSeconds(5));
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).clock(clock)
        .refreshInterval(Duration.ofSeconds(30)).build()) {
      d.current();
      a.answer("tcp://h2:2");
      clock.advance(Duration.ofSeconds(6));
      assertThat(urls(d.current())).containsExactly("tcp://h2:2");
    }
  }

  @Test
  void tick_ttlNotExpired_doesNotResolveAgain() {
    TestResolver a = new TestResolver("a", clock);
    a.answer("tcp://h1:1");
    a.ttl(Duration.ofSeconds(300));
    TestResolver b = new TestResolver("b", clock);
    b.answer("tcp://h2:2");
    try (Discovery d = Discovery.builder().resolvers(List.of(a, b)).clock(clock).build()) {
      d.tick();
      d.tick();
      assertThat(a.calls).hasValue(1);
      assertThat(b.calls).hasValue(2);
    }
  }

  @Test
  void refresh_changes_listenerGetsAddedAndRemoved() {
    TestResolver a = new TestResolver("a", clock);
    a.answer("tcp://h1:1", "tcp://h2:2");
    List<EndpointChange> changes = new ArrayList<>();
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).clock(clock).listener(changes::add).build()) {
      d.refresh();
      a.answer("tcp://h2:2", "tcp://h3:3");
      d.refresh();
      d.refresh();
      assertThat(changes).hasSize(2);
      assertThat(changes.get(1).added()).extracting(Endpoint::url).containsExactly("tcp://h3:3");
      assertThat(changes.get(1).removed()).extracting(Endpoint::url).containsExactly("tcp://h1:1");
    }
  }

  @Test
  void refresh_sourceFails_keepsLastKnownGood() {
    TestResolver a = new TestResolver("a", clock);
    a.answer("tcp://h1:1");
    List<EndpointChange> changes = new ArrayList<>();
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).clock(clock).listener(changes::add).build()) {
      d.refresh();
      a.fail();
      clock.advance(Duration.ofMinutes(1));
      Snapshot s = d.refresh();
      assertThat(urls(s)).containsExactly("tcp://h1:1");
      assertThat(s.allSourcesFailed()).isTrue();
      assertThat(s.sources().get(0).stale()).isTrue();
      assertThat(s.sources().get(0).attempt().problems()).extracting(Problem::kind)
          .containsExactly(Problem.Kind.TIMEOUT);
      assertThat(changes).hasSize(1);
    }
  }

  @Test
  void refresh_oneOfTwoSourcesFails_otherStillUpdates() {
    TestResolver a = new TestResolver("a", clock);
    TestResolver b = new TestResolver("b", clock);
    a.answer("tcp://h1:1");
    b.answer("tcp://h2:2");
    try (Discovery d = Discovery.builder().resolvers(List.of(a, b)).clock(clock).build()) {
      d.refresh();
      a.fail();
      b.answer("tcp://h3:3");
      Snapshot s = d.refresh();
      assertThat(urls(s)).containsExactly("tcp://h1:1", "tcp://h3:3");
      assertThat(s.allSourcesFailed()).isFalse();
    }
  }

  @Test
  void newInstance_everySourceDown_reloadsPersistedLastKnownGood(@TempDir Path state) {
    TestResolver a = new TestResolver("a", clock);
    a.answer("tcp://h1:1");
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).clock(clock).stateDirectory(state).build()) {
      d.refresh();
    }
    assertThat(state.resolve(LastKnownGoodStore.FILE_NAME)).exists();
    TestResolver again = new TestResolver("a", clock);
    again.fail();
    try (Discovery d = Discovery.builder().resolvers(List.of(again)).clock(clock).stateDirectory(state).build()) {
      assertThat(urls(d.current())).containsExactly("tcp://h1:1");
    }
  }

  @Test
  void newInstance_corruptStateFile_startsEmpty(@TempDir Path state) throws Exception {
    Files.writeString(state.resolve(LastKnownGoodStore.FILE_NAME), "{not json");
    TestResolver a = new TestResolver("a", clock);
    a.fail();
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).clock(clock).stateDirectory(state).build()) {
      assertThat(d.current().endpoints()).isEmpty();
    }
  }

  @Test
  void resolve_resolverThrows_reportedAsProblem() {
    EndpointResolver broken = new EndpointResolver() {
      @Override
      public String label() {
        return "broken";
      }

      @Override
      public Resolution resolve() {
        throw new IllegalStateException("bug");
      }
    };
    try (Discovery d = Discovery.builder().resolvers(List.of(broken)).clock(clock).build()) {
      Snapshot s = d.current();
      assertThat(s.endpoints()).isEmpty();
      assertThat(s.sources().get(0).attempt().problems()).extracting(Problem::kind)
          .containsExactly(Problem.Kind.UNREACHABLE);
    }
  }

  @Test
  @Timeout(10)
  void start_periodicRefresh_notifiesListener() throws Exception {
    TestResolver a = new TestResolver("a", java.time.Clock.systemUTC());
    a.answer("tcp://h1:1");
    BlockingQueue<EndpointChange> changes = new LinkedBlockingQueue<>();
    try (Discovery d = Discovery.builder().resolvers(List.of(a)).refreshInterval(Duration.ofMillis(50))
        .listener(changes::add).build()) {
      d.start();
      // The first refresh has answered h1 before the answer changes: wait for it, not for a guessed time.
      EndpointChange first = changes.poll(5, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(first.current().endpoints()).extracting(Endpoint::url).containsExactly("tcp://h1:1");
      a.answer("tcp://h2:2");
      EndpointChange second = changes.poll(5, TimeUnit.SECONDS);
      assertThat(second).isNotNull();
      assertThat(second.added()).extracting(Endpoint::url).containsExactly("tcp://h2:2");
      assertThat(second.removed()).extracting(Endpoint::url).containsExactly("tcp://h1:1");
      assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void builder_badOptions_rejected() {
    TestResolver a = new TestResolver("a", clock);
    assertThatThrownBy(() -> Discovery.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Discovery.builder().refreshInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Discovery.builder().resolvers(List.of(a, a)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
