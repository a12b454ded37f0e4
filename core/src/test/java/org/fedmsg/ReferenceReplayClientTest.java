package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.reliable.ReferenceQueries;
import org.fedmsg.reliable.ReferenceReplayClient;
import org.fedmsg.reliable.ReferenceReplayException;
import org.fedmsg.reliable.ReferenceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ReferenceReplayClient} against a replay socket answering from a {@link ReferenceStore}. */
@Timeout(60)
class ReferenceReplayClientTest {
  @TempDir Path dir;

  private static ObjectNode query(String json) {
    return (ObjectNode) CanonicalJson.parse(json);
  }

  @Test
  void query_framesAsStored_errorFrameRaisedWithItsText() throws Exception {
    try (ReferenceStore store = ReferenceStore.open(dir, 10, 1 << 20, Duration.ofHours(1), Clock.systemUTC());
        ReferenceReplaySocket socket = new ReferenceReplaySocket();
        ReferenceReplayClient client = new ReferenceReplayClient(Duration.ofSeconds(10))) {
      for (long seq = 1; seq <= 3; seq++) {
        store.append(seq, "t".getBytes(StandardCharsets.UTF_8),
            ("{\"msg_id\":\"id-" + seq + "\",\"seq_id\":" + seq + ",\"topic\":\"t\"}").getBytes(StandardCharsets.UTF_8));
      }
      socket.start(new ReferenceQueries(store));
      List<byte[]> frames = client.query(socket.endpoint(), query("{\"seq_ids\":[3,1]}"));
      assertThat(frames).extracting(f -> new String(f, StandardCharsets.UTF_8))
          .containsExactly("{\"msg_id\":\"id-1\",\"seq_id\":1,\"topic\":\"t\"}",
              "{\"msg_id\":\"id-3\",\"seq_id\":3,\"topic\":\"t\"}");
      assertThatThrownBy(() -> client.query(socket.endpoint(), query("{\"seq_id\":7}")))
          .isInstanceOf(ReferenceReplayException.class)
          .hasMessage("error: 'There was no match for the given query'");
      assertThatThrownBy(() -> client.query(socket.endpoint(), query("{\"nope\":7}")))
          .isInstanceOf(ReferenceReplayException.class).hasMessage("error: 'Unsupported field: \"key\"'");
    }
  }

  @Test
  void query_nobodyAnswers_timesOut() throws Exception {
    String silent;
    try (ReferenceReplaySocket bound = new ReferenceReplaySocket()) {
      silent = bound.endpoint();   // bound, never started: it takes the request and answers nothing
      try (ReferenceReplayClient client = new ReferenceReplayClient(Duration.ofMillis(300))) {
        assertThatThrownBy(() -> client.query(silent, query("{\"seq_id\":1}")))
            .isInstanceOf(ReferenceReplayException.class).hasMessageContaining("no answer");
      }
    }
    try (ReferenceReplayClient client = new ReferenceReplayClient(Duration.ofMillis(300))) {
      assertThatThrownBy(() -> client.query(silent, query("{\"seq_id\":1}")))
          .isInstanceOf(ReferenceReplayException.class).hasMessageContaining(silent);
      assertThatThrownBy(() -> client.query("nonsense://x", query("{}")))
          .isInstanceOf(ReferenceReplayException.class).hasMessageContaining("cannot connect");
    }
    assertThatThrownBy(() -> new ReferenceReplayClient(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
