package org.fedmsg.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {
  @TempDir Path dir;

  private static List<byte[]> frames(String s) {
    return List.of("topic".getBytes(StandardCharsets.UTF_8), s.getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2});
  }

  @Test
  void append_survivesARestart_oldestFirst() throws Exception {
    DiskSpool spool = new DiskSpool(dir, 10);
    assertThat(spool.append(frames("a"), "signer.example.org")).isTrue();
    assertThat(spool.append(frames("b"), null)).isTrue();
    DiskSpool again = new DiskSpool(dir, 10);
    List<DiskSpool.Entry> all = again.oldest(10);
    assertThat(all).hasSize(2);
    assertThat(new String(all.get(0).frames().get(1), StandardCharsets.UTF_8)).isEqualTo("a");
    assertThat(all.get(0).signer()).isEqualTo("signer.example.org");
    assertThat(all.get(1).signer()).isNull();
    assertThat(all.get(1).frames().get(2)).containsExactly(0, 1, 2);
    // new messages after a restart come after the old ones
    assertThat(again.append(frames("c"), null)).isTrue();
    assertThat(again.oldest(10).get(2).seq()).isGreaterThan(all.get(1).seq());
  }

  @Test
  void remove_forgetsTheMessage() throws Exception {
    DiskSpool spool = new DiskSpool(dir, 10);
    spool.append(frames("a"), null);
    spool.remove(spool.oldest(1).get(0).seq());
    assertThat(spool.size()).isZero();
    assertThat(new DiskSpool(dir, 10).size()).isZero();
  }

  @Test
  void full_refusesMore() throws Exception {
    DiskSpool spool = new DiskSpool(dir, 2);
    assertThat(spool.append(frames("a"), null)).isTrue();
    assertThat(spool.append(frames("b"), null)).isTrue();
    assertThat(spool.append(frames("c"), null)).isFalse();
    assertThat(spool.size()).isEqualTo(2);
  }

  @Test
  void halfWrittenFileFromACrash_discarded() throws Exception {
    Files.writeString(dir.resolve("00000000000000000007.tmp"), "partial");
    DiskSpool spool = new DiskSpool(dir, 10);
    assertThat(spool.size()).isZero();
    assertThat(Files.exists(dir.resolve("00000000000000000007.tmp"))).isFalse();
  }
}
