package org.fedmsg.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.WireFormat;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The archive on both databases: verbatim frames, derived fields, every filter, gaps, duplicates. */
@Timeout(120)
class MessageStoreTest {
  static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
  @TempDir Path tmp;

  private MessageStore open(Databases db) throws Exception {
    return MessageStore.open(StoreOptions.builder().jdbcUrl(db.freshUrl(tmp)).batchSize(7).build(),
        new SimpleMeterRegistry());
  }

  private static List<ArchivedMessage> all(MessageStore store, Query q) throws Exception {
    List<ArchivedMessage> out = new ArrayList<>();
    store.query(q, out::add);
    return out;
  }

  private static Query window() {
    return Query.between(T0.minusSeconds(3600), T0.plusSeconds(3600), 100);
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void archive_bothFormats_framesAndFieldsComeBackVerbatim(Databases db) throws Exception {
    List<byte[]> one = Signed.fedmsg1("org.fedoraproject.prod.buildsys.build.state.change", T0,
        Signed.msg("owner", "alice", "name", "kernel"));
    List<byte[]> two = Signed.fedmsg2("org.fedoraproject.prod.bodhi.update.request", T0.plusSeconds(1),
        Signed.msg("agent", "bob"), "e1", 1);
    try (MessageStore store = open(db)) {
      assertThat(store.archive(Signed.archived(one, "koji.example.org"))).isTrue();
      assertThat(store.archive(Signed.archived(two, "bodhi.example.org"))).isTrue();
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      List<ArchivedMessage> got = all(store, window());
      assertThat(got).hasSize(2);
      ArchivedMessage a = got.get(0);
      assertThat(a.frames()).hasSize(2);
      assertThat(a.frames().get(0)).isEqualTo(one.get(0));
      assertThat(a.frames().get(1)).isEqualTo(one.get(1));
      assertThat(a.format()).isEqualTo(WireFormat.FEDMSG1);
      assertThat(a.signer()).contains("koji.example.org");
      assertThat(a.certFingerprint()).contains(fingerprint(Signed.RSA_LEAF));
      assertThat(a.timestamp()).isEqualTo(T0);
      assertThat(a.category()).contains("buildsys");
      assertThat(a.users()).containsExactly("alice");
      assertThat(a.packages()).containsExactly("kernel");
      ArchivedMessage b = got.get(1);
      assertThat(b.frames()).hasSize(3);
      for (int i = 0; i < 3; i++) {
        assertThat(b.frames().get(i)).isEqualTo(two.get(i));
      }
      assertThat(b.format()).isEqualTo(WireFormat.FEDMSG2);
      assertThat(b.epoch()).contains("e1");
      assertThat(b.seq()).hasValue(1);
      assertThat(b.certFingerprint()).contains(fingerprint(Signed.EC_LEAF));
      assertThat(b.users()).containsExactly("bob");
      assertThat(store.byMsgId(b.msgId().orElseThrow()).orElseThrow().frames().get(2)).isEqualTo(two.get(2));
      assertThat(store.byMsgId("2026-nope")).isEmpty();
      assertThat(store.topics()).containsExactly("org.fedoraproject.prod.bodhi.update.request",
          "org.fedoraproject.prod.buildsys.build.state.change");
      assertThat(store.stats().stored()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void archive_unknownService_hasCategoryButNoUsersOrPackages(Databases db) throws Exception {
    try (MessageStore store = open(db)) {
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.unknownsvc.thing", T0,
          Signed.msg("owner", "alice", "name", "kernel", "user", "carol")), null));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      ArchivedMessage m = all(store, window()).get(0);
      assertThat(m.category()).contains("unknownsvc");
      assertThat(m.users()).isEmpty();
      assertThat(m.packages()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void query_everyFilter_selectsAsDatagrepperDoes(Databases db) throws Exception {
    try (MessageStore store = open(db)) {
      // 0: buildsys alice/kernel, 1: buildsys bob/glibc, 2: copr carol/kernel, 3: bodhi (no extractor fields), 4: outside the window
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0,
          Signed.msg("owner", "alice", "name", "kernel", "note", "100%_done")), null));
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.untag", T0.plusSeconds(10),
          Signed.msg("owner", "bob", "name", "glibc")), null));
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.copr.build.end", T0.plusSeconds(20),
          Signed.msg("user", "carol", "pkg", "kernel")), null));
      store.archive(Signed.archived(Signed.fedmsg2("org.fedoraproject.prod.bodhi.update.comment", T0.plusSeconds(30),
          Signed.msg("text", "hello"), "e", 1), null));
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0.plusSeconds(7200),
          Signed.msg("owner", "alice", "name", "kernel")), null));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      Query base = window();
      assertThat(topics(store, base)).containsExactly("buildsys.tag", "buildsys.untag", "copr.build.end",
          "bodhi.update.comment");
      assertThat(store.count(base)).isEqualTo(4);
      // time range: both ends inclusive
      assertThat(topics(store, Query.between(T0.plusSeconds(10), T0.plusSeconds(20), 100)))
          .containsExactly("buildsys.untag", "copr.build.end");
      assertThat(topics(store, with(base, "topics", List.of("org.fedoraproject.prod.buildsys.tag",
          "org.fedoraproject.prod.copr.build.end")))).containsExactly("buildsys.tag", "copr.build.end");
      assertThat(topics(store, with(base, "categories", List.of("buildsys")))).containsExactly("buildsys.tag",
          "buildsys.untag");
      assertThat(topics(store, with(base, "users", List.of("alice", "carol")))).containsExactly("buildsys.tag",
          "copr.build.end");
      assertThat(topics(store, with(base, "packages", List.of("kernel")))).containsExactly("buildsys.tag",
          "copr.build.end");
      // contains: a substring of the body; LIKE wildcards in it are literal
      assertThat(topics(store, with(base, "contains", List.of("100%_done")))).containsExactly("buildsys.tag");
      assertThat(topics(store, with(base, "contains", List.of("0%")))).containsExactly("buildsys.tag");
      assertThat(topics(store, with(base, "contains", List.of("%")))).containsExactly("buildsys.tag");
      assertThat(topics(store, with(base, "notTopics", List.of("org.fedoraproject.prod.buildsys.tag"))))
          .containsExactly("buildsys.untag", "copr.build.end", "bodhi.update.comment");
      assertThat(topics(store, with(base, "notCategories", List.of("buildsys")))).containsExactly("copr.build.end",
          "bodhi.update.comment");
      assertThat(topics(store, with(base, "notUsers", List.of("alice")))).containsExactly("buildsys.untag",
          "copr.build.end", "bodhi.update.comment");
      assertThat(topics(store, with(base, "notPackages", List.of("kernel")))).containsExactly("buildsys.untag",
          "bodhi.update.comment");
      // filters of different kinds are ANDed
      Query both = with(with(base, "categories", List.of("buildsys")), "packages", List.of("kernel"));
      assertThat(topics(store, both)).containsExactly("buildsys.tag");
      assertThat(store.count(both)).isEqualTo(1);
      // order and pages
      Query desc = new Query(base.start(), base.end(), List.of(), List.of(), List.of(), List.of(), List.of(),
          List.of(), List.of(), List.of(), List.of(), 2, 3, true);
      assertThat(topics(store, desc)).containsExactly("buildsys.tag");
      Query descFirst = new Query(base.start(), base.end(), List.of(), List.of(), List.of(), List.of(), List.of(),
          List.of(), List.of(), List.of(), List.of(), 1, 3, true);
      assertThat(topics(store, descFirst)).containsExactly("bodhi.update.comment", "copr.build.end", "buildsys.untag");
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void archive_sameMsgIdTwice_storedOnceCountedAsDuplicate(Databases db) throws Exception {
    List<byte[]> one = Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0, Signed.msg());
    try (MessageStore store = open(db)) {
      store.archive(Signed.archived(one, null));
      store.archive(Signed.archived(one, null));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(store.count(window())).isEqualTo(1);
      assertThat(store.stats().duplicates()).isEqualTo(1);
      assertThat(store.stats().stored()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void archive_nulInTextField_refusedAndCountedOthersStored(Databases db) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode body = Signed.envelope("org.fedoraproject.prod.buildsys.tag", T0,
        Signed.msg());
    body.put("msg_id", "2026-\u0000bad");
    List<byte[]> bad = List.of("org.fedoraproject.prod.buildsys.tag".getBytes(StandardCharsets.UTF_8),
        org.fedmsg.json.CanonicalJson.encode(body));
    try (MessageStore store = open(db)) {
      store.archive(Signed.archived(bad, null));
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0, Signed.msg()), null));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(store.stats().rejected()).isEqualTo(1);
      assertThat(store.count(window())).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void reopen_seqGapAcrossRestart_reportedAsMissed(Databases db) throws Exception {
    StoreOptions options = StoreOptions.builder().jdbcUrl(db.freshUrl(tmp)).build();
    String topic = "org.fedoraproject.prod.bodhi.update.comment";
    try (MessageStore store = MessageStore.open(options, new SimpleMeterRegistry())) {
      store.archive(Signed.archived(Signed.fedmsg2(topic, T0, Signed.msg(), "ep", 1), "bodhi.example.org"));
      store.archive(Signed.archived(Signed.fedmsg2(topic, T0, Signed.msg(), "ep", 2), "bodhi.example.org"));
      store.archive(Signed.archived(Signed.fedmsg2(topic, T0, Signed.msg(), "ep", 4), "bodhi.example.org"));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(store.stats().missed()).isEqualTo(1);
    }
    try (MessageStore store = MessageStore.open(options, new SimpleMeterRegistry())) {
      // 5 and 6 were published while the store was down
      store.archive(Signed.archived(Signed.fedmsg2(topic, T0, Signed.msg(), "ep", 7), "bodhi.example.org"));
      // another epoch starts without history: nothing to compare with
      store.archive(Signed.archived(Signed.fedmsg2(topic, T0, Signed.msg(), "ep2", 3), "bodhi.example.org"));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(store.stats().missed()).isEqualTo(2);
      assertThat(store.count(window())).isEqualTo(5);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void archive_queueFull_dropsAndCountsWithoutBlocking(Databases db) throws Exception {
    StoreOptions options = StoreOptions.builder().jdbcUrl(db.freshUrl(tmp)).queueSize(3).build();
    try (MessageStore store = MessageStore.open(options, new SimpleMeterRegistry())) {
      store.close();  // a closed store accepts nothing: every archive is a counted drop
      assertThat(store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.x.y", T0, Signed.msg()), null)))
          .isFalse();
      assertThat(store.stats().dropped()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void meters_countStoredDuplicatesBatchesAndQueue(Databases db) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<byte[]> one = Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0, Signed.msg());
    try (MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(db.freshUrl(tmp)).build(), registry)) {
      store.archive(Signed.archived(one, null));
      store.archive(Signed.archived(one, null));
      store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0, Signed.msg()), null));
      assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(registry.get("fedmsg.store.messages.stored").counter().count()).isEqualTo(2.0);
      assertThat(registry.get("fedmsg.store.messages.duplicate").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("fedmsg.store.messages.dropped").counter().count()).isZero();
      assertThat(registry.get("fedmsg.store.batch.size").summary().totalAmount()).isEqualTo(3.0);
      assertThat(registry.get("fedmsg.store.batch.latency").timer().count()).isPositive();
      assertThat(registry.get("fedmsg.store.queue.depth").gauge().value()).isZero();
      assertThat(registry.get("fedmsg.store.healthy").gauge().value()).isEqualTo(1.0);
      assertThat(registry.find("fedmsg.store.lag.seconds").gauge()).isNotNull();
    }
  }

  static String fingerprint(org.fedmsg.testing.TestPki.Issued leaf) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(leaf.certificate().getEncoded()));
  }

  private static List<String> topics(MessageStore store, Query q) throws Exception {
    List<String> out = new ArrayList<>();
    store.query(q, m -> out.add(m.topic().substring("org.fedoraproject.prod.".length())));
    return out;
  }

  static Query with(Query q, String field, List<String> values) {
    return new Query(q.start(), q.end(),
        field.equals("topics") ? values : q.topics(),
        field.equals("categories") ? values : q.categories(),
        field.equals("users") ? values : q.users(),
        field.equals("packages") ? values : q.packages(),
        field.equals("contains") ? values : q.contains(),
        field.equals("notTopics") ? values : q.notTopics(),
        field.equals("notCategories") ? values : q.notCategories(),
        field.equals("notUsers") ? values : q.notUsers(),
        field.equals("notPackages") ? values : q.notPackages(),
        q.page(), q.rowsPerPage(), q.descending());
  }
}
