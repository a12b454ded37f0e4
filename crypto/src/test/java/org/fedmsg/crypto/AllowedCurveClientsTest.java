package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fedmsg.testing.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllowedCurveClientsTest {
  @TempDir Path dir;

  private static void writePublic(Path file, String name, CurveKeyPair pair) throws Exception {
    Files.writeString(file, CurveKeyPairTest.publicZpl(name, pair.publicKeyZ85()));
  }

  @Test
  void lookup_listedKeyNamedUnlistedEmpty_andReloadsOnChange() throws Exception {
    CurveKeyPair tail = CurveKeyPair.generate("tail");
    CurveKeyPair hub = CurveKeyPair.generate("hub");
    writePublic(dir.resolve("tail01.curve"), "tail-host01", tail);
    TestClock clock = new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    AllowedCurveClients allowed = AllowedCurveClients.load(List.of(dir.toString()), clock);

    assertThat(allowed.lookup(tail.publicKey())).hasValue("tail-host01");
    assertThat(allowed.lookup(hub.publicKey())).isEmpty();

    writePublic(dir.resolve("hub.curve"), "hub", hub);
    Files.delete(dir.resolve("tail01.curve"));
    clock.advance(Duration.ofSeconds(2));
    assertThat(allowed.lookup(hub.publicKey())).hasValue("hub");
    assertThat(allowed.lookup(tail.publicKey())).isEmpty();
    assertThat(allowed.size()).isEqualTo(1);
  }

  @Test
  void lookup_malformedFileSkipped_othersStillCount() throws Exception {
    CurveKeyPair ok = CurveKeyPair.generate("ok");
    writePublic(dir.resolve("ok.curve"), "ok", ok);
    Files.writeString(dir.resolve("broken.curve"), "curve\n    public-key = \"nonsense\"\n");
    AllowedCurveClients allowed = AllowedCurveClients.load(List.of(dir.toString()), new TestClock(java.time.Instant.EPOCH));
    assertThat(allowed.size()).isEqualTo(1);
    assertThat(allowed.lookup(ok.publicKey())).hasValue("ok");
  }

  @Test
  void lookup_directoryRemoved_admitsNobody() throws Exception {
    CurveKeyPair ok = CurveKeyPair.generate("ok");
    Path sub = Files.createDirectory(dir.resolve("clients"));
    writePublic(sub.resolve("ok.curve"), "ok", ok);
    TestClock clock = new TestClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    AllowedCurveClients allowed = AllowedCurveClients.load(List.of(sub.toString()), clock);
    Files.delete(sub.resolve("ok.curve"));
    Files.delete(sub);
    clock.advance(Duration.ofSeconds(2));
    assertThat(allowed.lookup(ok.publicKey())).isEmpty();
  }

  @Test
  void load_inlineKey_namedByFingerprint_andBadSourceRefused() {
    CurveKeyPair k = CurveKeyPair.generate("k");
    AllowedCurveClients allowed = AllowedCurveClients.load(List.of(k.publicKeyZ85()), new TestClock(java.time.Instant.EPOCH));
    assertThat(allowed.lookup(k.publicKey())).hasValue(k.fingerprint());
    assertThatThrownBy(() -> AllowedCurveClients.load(List.of(dir.resolve("nope").toString()), new TestClock(java.time.Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither");
    assertThatThrownBy(() -> AllowedCurveClients.load(List.of(), new TestClock(java.time.Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
