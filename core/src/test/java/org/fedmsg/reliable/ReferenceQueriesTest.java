package org.fedmsg.reliable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.json.CanonicalJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference replay protocol's queries, answered from a {@link ReferenceStore}. */
class ReferenceQueriesTest {
  @TempDir Path dir;
  ReferenceStore store;
  ReferenceQueries queries;

  @BeforeEach
  void fill() {
    store = open(100);
    for (int i = 1; i <= 6; i++) {
      add(store, "2024-id-" + i, 1_700_000_000L + 10 * i);
    }
    queries = new ReferenceQueries(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private ReferenceStore open(int maxMessages) {
    return ReferenceStore.open(dir.resolve("store"), maxMessages, 1 << 20, Duration.ofDays(1), Clock.systemUTC());
  }

  /** A body as a publisher would keep it: canonical JSON with its seq_id. */
  private static byte[] add(ReferenceStore s, String msgId, long timestamp) {
    long seq = s.nextSeqId();
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("topic", "org.example.dev.t").put("msg_id", msgId)
        .put("timestamp", timestamp).put("seq_id", seq);
    byte[] bytes = CanonicalJson.encode(body);
    s.append(seq, "org.example.dev.t".getBytes(StandardCharsets.UTF_8), bytes);
    return bytes;
  }

  private List<Long> seqIds(String query) {
    List<Long> out = new ArrayList<>();
    for (byte[] frame : queries.answer(query.getBytes(StandardCharsets.UTF_8))) {
      JsonNode n = CanonicalJson.parse(frame);
      out.add(n.get("seq_id").longValue());
    }
    return out;
  }

  private String text(String query) {
    List<byte[]> frames = queries.answer(query.getBytes(StandardCharsets.UTF_8));
    assertThat(frames).hasSize(1);
    return new String(frames.get(0), StandardCharsets.UTF_8);
  }

  /* --------------- keys --------------- */

  @Test
  void eachKey_selectsItsMessages() {
    assertThat(seqIds("{\"seq_ids\":[5,2,9]}")).containsExactly(2L, 5L);
    assertThat(seqIds("{\"seq_id\":3}")).containsExactly(3L);
    assertThat(seqIds("{\"seq_id_range\":[2,4]}")).containsExactly(2L, 3L, 4L);   // inclusive, unlike the reference's
    assertThat(seqIds("{\"msg_ids\":[\"2024-id-6\",\"2024-id-1\",\"nope\"]}")).containsExactly(1L, 6L);
    assertThat(seqIds("{\"msg_id\":\"2024-id-4\"}")).containsExactly(4L);
    assertThat(seqIds("{\"time\":[1700000020,1700000040]}")).containsExactly(2L, 3L, 4L);
    assertThat(seqIds("{\"time\":[1700000019.5,1700000020.5]}")).containsExactly(2L);
  }

  @Test
  void severalKeys_orEd_inSeqIdOrder_eachOnce() {
    assertThat(seqIds("{\"msg_id\":\"2024-id-6\",\"seq_id_range\":[1,2],\"seq_ids\":[2,3]}"))
        .containsExactly(1L, 2L, 3L, 6L);
  }

  @Test
  void framesAreTheStoredBodies_verbatim() {
    byte[] kept = add(store, "2024-id-7", 1_700_000_070L);
    List<byte[]> frames = queries.answer("{\"seq_id\":7}".getBytes(StandardCharsets.UTF_8));
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0)).isEqualTo(kept);
  }

  /* --------------- errors, with the reference's texts --------------- */

  @Test
  void unknownKey_referenceText() {
    assertThat(text("{\"seq_idz\":1}")).isEqualTo("error: 'Unsupported field: \"key\"'");
    // the reference stops at the first key it cannot use, in the query's order
    assertThat(text("{\"seq_id\":1,\"topic\":\"x\"}")).isEqualTo("error: 'Unsupported field: \"key\"'");
  }

  @Test
  void noMatch_referenceText() {
    assertThat(text("{\"seq_id\":99}")).isEqualTo("error: 'There was no match for the given query'");
    assertThat(text("{\"seq_id_range\":[4,2]}")).isEqualTo("error: 'There was no match for the given query'");
    // an empty query matches nothing (the reference's returned its whole store)
    assertThat(text("{}")).isEqualTo("error: 'There was no match for the given query'");
  }

  @Test
  void badValues_referenceTexts() {
    assertThat(text("{\"time\":[1]}")).isEqualTo("error: 'Ill-format \"time\" field'");
    assertThat(text("{\"time\":5}")).isEqualTo("error: 'Ill-format \"time\" field'");
    assertThat(text("{\"seq_id_range\":[1,2,3]}")).isEqualTo("error: 'Ill-format \"seq_id_range\" field'");
    assertThat(text("{\"time\":[\"a\",2]}"))
        .isEqualTo("error: 'Something went wrong when processing the field \"time\"'");
    assertThat(text("{\"seq_ids\":5}"))
        .isEqualTo("error: 'Something went wrong when processing the field \"seq_ids\"'");
    assertThat(text("{\"seq_ids\":[1.5]}"))
        .isEqualTo("error: 'Something went wrong when processing the field \"seq_ids\"'");
    assertThat(text("{\"seq_id\":\"1\"}"))
        .isEqualTo("error: 'Something went wrong when processing the field \"seq_id\"'");
    assertThat(text("{\"msg_id\":1}"))
        .isEqualTo("error: 'Something went wrong when processing the field \"msg_id\"'");
    assertThat(text("{\"msg_ids\":[1]}"))
        .isEqualTo("error: 'Something went wrong when processing the field \"msg_ids\"'");
  }

  @Test
  void notAJsonObject_errorFrame_notACrash() {
    for (String q : List.of("", "not json", "[1,2]", "\"seq_id\"", "{\"seq_id\":1", "{\"seq_id\":1,\"seq_id\":2}")) {
      assertThat(text(q)).as(q).isEqualTo("error: 'The query is not a JSON object'");
    }
    assertThat(text("\u00ff\u00fe")).isEqualTo("error: 'The query is not a JSON object'");
  }

  /* --------------- caps and bounds --------------- */

  @Test
  void reply_cappedByCount_lowestSeqIdsFirst() {
    ReferenceQueries two = new ReferenceQueries(store, 2, 1 << 20);
    assertThat(two.answer("{\"seq_id_range\":[1,6]}".getBytes(StandardCharsets.UTF_8))).hasSize(2);
    ReferenceQueries small = new ReferenceQueries(store, 100, 1);
    // one message always fits, however small the byte cap
    assertThat(small.answer("{\"seq_id_range\":[3,6]}".getBytes(StandardCharsets.UTF_8))).hasSize(1);
    assertThatThrownBy(() -> new ReferenceQueries(store, 0, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void store_bounded_andContinuesItsSequenceAfterReopen() {
    store.close();
    try (ReferenceStore reopened = open(3)) {
      // the bound applies on opening: the oldest go first
      assertThat(reopened.size()).isEqualTo(3);
      assertThat(reopened.nextSeqId()).isEqualTo(7);
      add(reopened, "2024-id-7", 1_700_000_070L);
      ReferenceQueries q = new ReferenceQueries(reopened);
      List<Long> ids = new ArrayList<>();
      q.answer("{\"seq_id_range\":[1,10]}".getBytes(StandardCharsets.UTF_8))
          .forEach(f -> ids.add(CanonicalJson.parse(f).get("seq_id").longValue()));
      assertThat(ids).containsExactly(5L, 6L, 7L);
      assertThat(q.answer("{\"msg_id\":\"2024-id-1\"}".getBytes(StandardCharsets.UTF_8)).get(0))
          .asString(StandardCharsets.UTF_8).startsWith("error: ");
      assertThatThrownBy(() -> reopened.append(9, new byte[0], new byte[0]))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("next is 8");
    }
    store = open(100);   // for @AfterEach
  }

  @Test
  void secondProcess_refused() {
    assertThatThrownBy(this::openSecond).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
  }

  private void openSecond() {
    open(100).close();
  }
}
