package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ReloadingPolicyTest {
  static final TopicNamespace NS = new TopicNamespace("org.fedoraproject", "prod");
  static final String CREATE = "org.fedoraproject.prod.pkgdb.package.create";
  static final String PKGDB = "pkgdb-app01.phx2.fedoraproject.org";
  static final String BODHI = "bodhi-app01.phx2.fedoraproject.org";

  static final String PKGDB_ONLY = "default: deny\nrules:\n  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow}\n";
  static final String BODHI_TOO = "default: deny\nrules:\n  - {topics: [pkgdb.*], signers: [pkgdb-*, bodhi-*], effect: allow}\n";
  static final String BROKEN = "default: deny\nrules:\n  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow\n";

  /** Records listener calls. */
  static final class Recorder implements ReloadingPolicy.Listener {
    final List<CompiledPolicy> reloaded = new CopyOnWriteArrayList<>();
    final List<PolicyException> failed = new CopyOnWriteArrayList<>();

    @Override
    public void reloaded(CompiledPolicy previous, CompiledPolicy current) {
      reloaded.add(current);
    }

    @Override
    public void reloadFailed(PolicyException error, CompiledPolicy kept) {
      failed.add(error);
    }
  }

  /** Writes via a temporary file and an atomic move, as deployment tools do. */
  static void replace(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static void await(BooleanSupplier condition, Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within " + deadline);
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  @Test
  void reload_validChange_takesEffect(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, PKGDB_ONLY);
    Recorder rec = new Recorder();
    ReloadingPolicy policy = ReloadingPolicy.manual(file, NS, rec);
    CompiledPolicy first = policy.current();
    assertThat(policy.decide(CREATE, BODHI).allowed()).isFalse();

    replace(file, BODHI_TOO);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.RELOADED);

    assertThat(policy.decide(CREATE, BODHI).allowed()).isTrue();
    assertThat(policy.current()).isNotSameAs(first);
    assertThat(rec.reloaded).containsExactly(policy.current());
    // the old object is untouched: holders of it keep a consistent view
    assertThat(first.decide(CREATE, BODHI).allowed()).isFalse();
  }

  @Test
  void reload_sameContent_isUnchanged(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, PKGDB_ONLY);
    ReloadingPolicy policy = ReloadingPolicy.manual(file, NS, new ReloadingPolicy.Listener() {});
    CompiledPolicy first = policy.current();
    Files.writeString(file, PKGDB_ONLY);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.UNCHANGED);
    assertThat(policy.current()).isSameAs(first);
  }

  @Test
  void reload_brokenFile_keepsOldPolicyAndReportsLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, PKGDB_ONLY);
    Recorder rec = new Recorder();
    ReloadingPolicy policy = ReloadingPolicy.manual(file, NS, rec);
    CompiledPolicy first = policy.current();

    Files.writeString(file, BROKEN);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.FAILED);

    assertThat(policy.current()).isSameAs(first);
    assertThat(policy.decide(CREATE, PKGDB).allowed()).isTrue();
    assertThat(policy.lastError()).get().satisfies(e -> {
      assertThat(e.source()).isEqualTo(file.toAbsolutePath().normalize().toString());
      assertThat(e.line()).isEqualTo(4);
      assertThat(e.reason()).startsWith("YAML syntax error");
    });
    assertThat(rec.failed).hasSize(1);
    // retrying the same broken content is not a new failure
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.UNCHANGED);

    Files.writeString(file, BODHI_TOO);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.RELOADED);
    assertThat(policy.lastError()).isEmpty();
    assertThat(policy.decide(CREATE, BODHI).allowed()).isTrue();
  }

  @Test
  void reload_deletedFile_keepsOldPolicy(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, PKGDB_ONLY);
    ReloadingPolicy policy = ReloadingPolicy.manual(file, NS, new ReloadingPolicy.Listener() {});
    Files.delete(file);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.FAILED);
    assertThat(policy.decide(CREATE, PKGDB).allowed()).isTrue();
    assertThat(policy.lastError()).get().extracting(PolicyException::reason).asString().contains("missing");
  }

  @Test
  void open_brokenFile_failsFast(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, BROKEN);
    assertThatThrownBy(() -> ReloadingPolicy.manual(file, NS, new ReloadingPolicy.Listener() {}))
        .isInstanceOf(PolicyException.class).hasMessageContaining(":4:");
    assertThatThrownBy(() -> ReloadingPolicy.manual(dir.resolve("absent.yaml"), NS, new ReloadingPolicy.Listener() {}))
        .isInstanceOf(PolicyException.class).hasMessageContaining("absent.yaml");
  }

  @Test
  @Timeout(30)
  void watch_fileReplaced_newPolicyInForceWithoutReloadCall(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, PKGDB_ONLY);
    Recorder rec = new Recorder();
    try (ReloadingPolicy policy = ReloadingPolicy.watch(file, NS, rec, Duration.ofMillis(500))) {
      assertThat(policy.decide(CREATE, BODHI).allowed()).isFalse();

      Files.writeString(file, BROKEN);
      await(() -> !rec.failed.isEmpty(), Duration.ofSeconds(20));
      assertThat(policy.decide(CREATE, BODHI).allowed()).isFalse();
      assertThat(policy.decide(CREATE, PKGDB).allowed()).isTrue();

      replace(file, BODHI_TOO);
      await(() -> policy.decide(CREATE, BODHI).allowed(), Duration.ofSeconds(20));
      assertThat(rec.reloaded).isNotEmpty();
      assertThat(policy.lastError()).isEmpty();
    }
  }

  /** The file as an operator's editor or a naive deploy writes it in place: two chunks, the first one parses. */
  static final String CHUNK1 = "default: allow\n";
  static final String CHUNK2 = "rules:\n  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow}\n";

  @Test
  @Timeout(60)
  void watch_fileWrittenInTwoChunks_partialContentNeverInForce(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "default: deny\n");
    Recorder rec = new Recorder();
    try (ReloadingPolicy policy = ReloadingPolicy.watch(file, NS, rec, Duration.ofMillis(100),
        Duration.ofSeconds(3))) {
      java.util.concurrent.atomic.AtomicBoolean partialSeen = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      // bodhi on pkgdb is denied by the old policy and by the whole new one; only the first chunk allows it
      Thread observer = new Thread(() -> {
        while (!stop.get()) {
          if (policy.decide(CREATE, BODHI).allowed()) {
            partialSeen.set(true);
          }
        }
      });
      observer.start();
      try (java.io.OutputStream out = Files.newOutputStream(file)) {
        out.write(CHUNK1.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.flush();
        // the writer stalls between chunks (the scenario, not a wait for a condition): the
        // watcher's event for the first chunk fires meanwhile
        TimeUnit.MILLISECONDS.sleep(500);
        out.write(CHUNK2.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      await(() -> policy.decide("org.fedoraproject.prod.bodhi.update", BODHI).allowed(), Duration.ofSeconds(30));
      stop.set(true);
      observer.join();

      assertThat(partialSeen).as("the first chunk (default: allow) was in force").isFalse();
      assertThat(policy.decide(CREATE, PKGDB).allowed()).isTrue();
      assertThat(rec.reloaded).hasSize(1);
      assertThat(rec.failed).isEmpty();
    }
  }

  @Test
  void reload_contentNotSettled_pendingUntilStableForTheSettleTime(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "default: deny\n");
    long[] now = {0};
    ReloadingPolicy policy = new ReloadingPolicy(file, NS, new ReloadingPolicy.Listener() {}, Duration.ofSeconds(5),
        Duration.ofSeconds(1), false, () -> now[0]);

    Files.writeString(file, CHUNK1);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.PENDING);
    now[0] += TimeUnit.MILLISECONDS.toNanos(900);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.PENDING);
    assertThat(policy.decide(CREATE, BODHI).allowed()).isFalse();

    Files.writeString(file, CHUNK1 + CHUNK2);
    now[0] += TimeUnit.MILLISECONDS.toNanos(200); // the first chunk would have settled by now: it changed instead
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.PENDING);
    assertThat(policy.decide(CREATE, BODHI).allowed()).isFalse();

    now[0] += TimeUnit.SECONDS.toNanos(1);
    assertThat(policy.reload()).isEqualTo(ReloadingPolicy.Outcome.RELOADED);
    assertThat(policy.decide(CREATE, PKGDB).allowed()).isTrue();
    assertThat(policy.decide(CREATE, BODHI).allowed()).isFalse();
  }

  @Test
  void watch_badPollInterval_throws(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, PKGDB_ONLY);
    assertThatThrownBy(() -> ReloadingPolicy.watch(file, NS, new ReloadingPolicy.Listener() {}, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
