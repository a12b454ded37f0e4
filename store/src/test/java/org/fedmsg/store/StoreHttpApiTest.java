package org.fedmsg.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The HTTP API over both databases, queried by a real HTTP client; every returned message verifies. */
@Timeout(120)
class StoreHttpApiTest {
  static final Instant T0 = MessageStoreTest.T0;
  static final long S = T0.getEpochSecond();
  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  record Fixture(MessageStore store, StoreHttpApi api) implements AutoCloseable {
    @Override
    public void close() {
      api.close();
      store.close();
    }
  }

  private Fixture start(Databases db) throws Exception {
    MessageStore store = MessageStore.open(StoreOptions.builder().jdbcUrl(db.freshUrl(tmp))
        .maxQuerySpan(Duration.ofDays(2)).maxOffset(1000).build(), new SimpleMeterRegistry());
    store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.tag", T0,
        Signed.msg("owner", "alice", "name", "kernel")), "koji.example.org"));
    store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.buildsys.untag", T0.plusSeconds(10),
        Signed.msg("owner", "bob", "name", "glibc")), "koji.example.org"));
    store.archive(Signed.archived(Signed.fedmsg1("org.fedoraproject.prod.copr.build.end", T0.plusSeconds(20),
        Signed.msg("user", "carol", "pkg", "kernel", "what", "needle")), "koji.example.org"));
    store.archive(Signed.archived(Signed.fedmsg2("org.fedoraproject.prod.bodhi.update.comment", T0.plusSeconds(30),
        Signed.msg("agent", "dave"), "ep", 1), "bodhi.example.org"));
    assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
    Clock clock = Clock.fixed(T0.plusSeconds(300), ZoneOffset.UTC);
    return new Fixture(store, StoreHttpApi.start(store, "127.0.0.1", 0, clock));
  }

  private HttpResponse<String> get(Fixture f, String pathAndQuery) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.api().port() + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode ok(Fixture f, String pathAndQuery) throws Exception {
    HttpResponse<String> r = get(f, pathAndQuery);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return StoreHttpApi.JSON.readTree(r.body());
  }

  private List<String> topics(Fixture f, String query) throws Exception {
    JsonNode page = ok(f, "/raw?start=" + (S - 60) + "&end=" + (S + 60) + "&order=asc" + query);
    List<String> out = new ArrayList<>();
    page.get("raw_messages").forEach(m -> out.add(m.get("topic").textValue().substring("org.fedoraproject.prod.".length())));
    assertThat(page.get("count").intValue()).isEqualTo(out.size());
    return out;
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void raw_everyParameter_filtersLikeDatagrepper(Databases db) throws Exception {
    try (Fixture f = start(db)) {
      assertThat(topics(f, "")).containsExactly("buildsys.tag", "buildsys.untag", "copr.build.end",
          "bodhi.update.comment");
      assertThat(topics(f, "&topic=org.fedoraproject.prod.buildsys.tag&topic=org.fedoraproject.prod.copr.build.end"))
          .containsExactly("buildsys.tag", "copr.build.end");
      assertThat(topics(f, "&category=buildsys")).containsExactly("buildsys.tag", "buildsys.untag");
      assertThat(topics(f, "&user=alice&user=dave")).containsExactly("buildsys.tag", "bodhi.update.comment");
      assertThat(topics(f, "&package=kernel")).containsExactly("buildsys.tag", "copr.build.end");
      assertThat(topics(f, "&contains=needle")).containsExactly("copr.build.end");
      assertThat(topics(f, "&not_topic=org.fedoraproject.prod.buildsys.tag")).containsExactly("buildsys.untag",
          "copr.build.end", "bodhi.update.comment");
      assertThat(topics(f, "&not_category=buildsys")).containsExactly("copr.build.end", "bodhi.update.comment");
      assertThat(topics(f, "&not_user=alice")).containsExactly("buildsys.untag", "copr.build.end",
          "bodhi.update.comment");
      assertThat(topics(f, "&not_package=kernel")).containsExactly("buildsys.untag", "bodhi.update.comment");
      assertThat(topics(f, "&category=buildsys&package=kernel")).containsExactly("buildsys.tag");
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void raw_timeRangePagingOrderMeta_shapedAsDatagrepper(Databases db) throws Exception {
    try (Fixture f = start(db)) {
      // delta forward from start
      JsonNode page = ok(f, "/raw?start=" + S + "&delta=15&order=asc");
      assertThat(page.get("total").intValue()).isEqualTo(2);
      assertThat(page.get("arguments").get("end").doubleValue()).isEqualTo(S + 15.0);
      // delta back from end
      page = ok(f, "/raw?end=" + (S + 20) + "&delta=10&order=asc");
      assertThat(page.get("raw_messages").get(0).get("topic").textValue()).endsWith("buildsys.untag");
      assertThat(page.get("count").intValue()).isEqualTo(2);
      // no time at all: the ten minutes before now (the fixed clock is T0 + 300 s)
      page = ok(f, "/raw");
      assertThat(page.get("total").intValue()).isEqualTo(4);
      assertThat(page.get("arguments").get("delta").doubleValue()).isEqualTo(600.0);
      // pages, newest first by default
      page = ok(f, "/raw?start=" + S + "&end=" + (S + 60) + "&rows_per_page=3&page=1");
      assertThat(page.get("count").intValue()).isEqualTo(3);
      assertThat(page.get("pages").intValue()).isEqualTo(2);
      assertThat(page.get("total").intValue()).isEqualTo(4);
      assertThat(page.get("raw_messages").get(0).get("topic").textValue()).endsWith("bodhi.update.comment");
      page = ok(f, "/raw?start=" + S + "&end=" + (S + 60) + "&rows_per_page=3&page=2");
      assertThat(page.get("count").intValue()).isEqualTo(1);
      assertThat(page.get("raw_messages").get(0).get("topic").textValue()).endsWith("buildsys.tag");
      JsonNode args = page.get("arguments");
      for (String k : List.of("start", "end", "delta", "users", "packages", "categories", "topics", "contains",
          "not_users", "not_packages", "not_categories", "not_topics", "page", "rows_per_page", "order", "meta")) {
        assertThat(args.has(k)).as(k).isTrue();
      }
      assertThat(args.get("order").textValue()).isEqualTo("desc");
      page = ok(f, "/raw/?start=" + S + "&end=" + (S + 1) + "&meta=usernames&meta=packages");
      JsonNode meta = page.get("raw_messages").get(0).get("meta");
      assertThat(meta.get("usernames").get(0).textValue()).isEqualTo("alice");
      assertThat(meta.get("packages").get(0).textValue()).isEqualTo("kernel");
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void raw_everyReturnedMessage_verifiesFromItsFrames(Databases db) throws Exception {
    Path ca = Signed.writeCa(tmp);
    try (Fixture f = start(db); TrustStore trust = TrustStore.create(TrustOptions.builder().ca(ca)
        .backgroundRefresh(false).build())) {
      JsonNode page = ok(f, "/raw?start=" + (S - 60) + "&end=" + (S + 60));
      assertThat(page.get("raw_messages")).hasSize(4);
      MessageVerifier verifier = MessageVerifier.builder().trust(trust).asOf(Instant.now()).build();
      for (JsonNode m : page.get("raw_messages")) {
        List<byte[]> frames = new ArrayList<>();
        m.get("frames").forEach(b -> frames.add(Base64.getDecoder().decode(b.textValue())));
        VerificationResult r = verifier.verify(frames);
        assertThat(r.isValid()).as(m.get("topic") + ": " + r).isTrue();
      }
      verifier.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void raw_badOrOverBroadRequests_refusedWithAClearError(Databases db) throws Exception {
    try (Fixture f = start(db)) {
      assertError(f, "/raw?rows_per_page=101", 400, "rows_per_page must be <= 100");
      assertError(f, "/raw?rows_per_page=0", 400, "rows_per_page must be > 0");
      assertError(f, "/raw?page=0", 400, "page must be > 0");
      assertError(f, "/raw?order=up", 400, "order must be either");
      assertError(f, "/raw?delta=864000", 400, "store.max_query_span");
      assertError(f, "/raw?start=abc", 400, "start must be a number");
      assertError(f, "/raw?start=10&end=5", 400, "end must not be before start");
      assertError(f, "/raw?page=2000", 400, "deepest this store serves");
      assertError(f, "/raw?meta=title", 400, "meta must be in");
      assertError(f, "/nowhere", 404, "not_found");
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.api().port()
          + "/raw")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  @ParameterizedTest
  @EnumSource(Databases.class)
  void idTopicsHealthz_answer(Databases db) throws Exception {
    try (Fixture f = start(db)) {
      JsonNode first = ok(f, "/raw?start=" + S + "&end=" + (S + 1)).get("raw_messages").get(0);
      JsonNode byId = ok(f, "/id?id=" + first.get("msg_id").textValue());
      assertThat(byId).isEqualTo(first);
      assertError(f, "/id?id=2026-unknown", 404, "not_found");
      HttpResponse<String> missing = get(f, "/id");
      assertThat(missing.statusCode()).isEqualTo(400);
      assertThat(missing.body()).contains("missing_argument");
      assertThat(ok(f, "/topics")).hasSize(4);
      JsonNode health = ok(f, "/healthz");
      assertThat(health.get("status").textValue()).isEqualTo("ok");
      assertThat(health.get("stored").intValue()).isEqualTo(4);
    }
  }

  private void assertError(Fixture f, String q, int status, String text) throws Exception {
    HttpResponse<String> r = get(f, q);
    assertThat(r.statusCode()).as(q + " -> " + r.body()).isEqualTo(status);
    assertThat(StoreHttpApi.JSON.readTree(r.body()).get("error").textValue()).contains(text);
  }
}
