package org.fedmsg.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.certs.CertificateAuthorityTest.assertReason;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBatchTest {
  @TempDir Path tmp;

  @Test
  void commit_failureOnALaterFile_leavesNoNewOrTemporaryFile() throws Exception {
    Files.writeString(tmp.resolve("kept.txt"), "old");
    // A non-empty directory where the last file should go makes its rename fail.
    Files.createDirectories(tmp.resolve("blocked/inside"));

    FileBatch batch = new FileBatch()
        .addSecret(tmp.resolve("new.key"), "secret".getBytes())
        .addPublic(tmp.resolve("new.crt"), "cert".getBytes())
        .addPublic(tmp.resolve("blocked"), "state".getBytes());
    assertReason(() -> {
      batch.commit();
      return null;
    }, CertsException.Reason.UNREADABLE);

    assertThat(CertsRun.snapshot(tmp).keySet()).containsExactlyInAnyOrder("kept.txt", "blocked");
  }

  @Test
  void commit_writesContentAndModes() throws Exception {
    new FileBatch()
        .addSecret(tmp.resolve("a.key"), "k".getBytes())
        .addPublic(tmp.resolve("a.crt"), "c".getBytes())
        .addSymlink(tmp.resolve("link.crt"), tmp.resolve("a.crt"))
        .commit();

    assertThat(CertsRun.mode(tmp.resolve("a.key"))).isEqualTo("rw-------");
    assertThat(CertsRun.mode(tmp.resolve("a.crt"))).isEqualTo("rw-r--r--");
    assertThat(Files.readString(tmp.resolve("link.crt"))).isEqualTo("c");
    assertThat(CertsRun.snapshot(tmp).keySet()).containsExactlyInAnyOrder("a.key", "a.crt", "link.crt");
  }
}
