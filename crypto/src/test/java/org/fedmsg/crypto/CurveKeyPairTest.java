package org.fedmsg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveKeyPairTest {
  /** libzmq's test client key pair (tests/testutil_security.cpp). */
  static final String LIBZMQ_PUBLIC = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
  static final String LIBZMQ_SECRET = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

  @TempDir Path dir;

  static String publicZpl(String name, String pub) {
    return "#   ZeroMQ CURVE Public Certificate\n\nmetadata\n    name = \"" + name + "\"\ncurve\n    public-key = \""
        + pub + "\"\n";
  }

  static String secretZpl(String name, String pub, String secret) {
    return "#   ZeroMQ CURVE **Secret** Certificate\n\nmetadata\n    name = \"" + name + "\"\ncurve\n"
        + "    secret-key = \"" + secret + "\"\n    public-key = \"" + pub + "\"\n";
  }

  @Test
  void load_libzmqVector_publicKeyMatchesAndNameRead() throws Exception {
    Path pub = Files.writeString(dir.resolve("bodhi.curve"), publicZpl("bodhi-app01", LIBZMQ_PUBLIC));
    Path sec = Files.writeString(dir.resolve("bodhi.curve_secret"), secretZpl("bodhi-app01", LIBZMQ_PUBLIC, LIBZMQ_SECRET));
    CurveKeyPair pair = CurveKeyPair.load(pub, sec);
    assertThat(pair.publicKeyZ85()).isEqualTo(LIBZMQ_PUBLIC);
    assertThat(Z85.encodeKey(pair.secretKey())).isEqualTo(LIBZMQ_SECRET);
    assertThat(pair.name()).isEqualTo("bodhi-app01");
    assertThat(pair.toString()).doesNotContain(LIBZMQ_SECRET).contains(pair.fingerprint());
  }

  @Test
  void load_secretNotMatchingItsPublicKey_refusedWithoutKeyMaterialInMessage() throws Exception {
    String other = CurveKeyPair.generate("x").publicKeyZ85();
    Path sec = Files.writeString(dir.resolve("a.curve_secret"), secretZpl("a", other, LIBZMQ_SECRET));
    assertThatThrownBy(() -> CurveKeyPair.load(null, sec)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match").hasMessageNotContaining(LIBZMQ_SECRET);
  }

  @Test
  void load_publicFileOfAnotherPair_refused() throws Exception {
    Path pub = Files.writeString(dir.resolve("a.curve"), publicZpl("a", CurveKeyPair.generate("x").publicKeyZ85()));
    Path sec = Files.writeString(dir.resolve("a.curve_secret"), secretZpl("a", LIBZMQ_PUBLIC, LIBZMQ_SECRET));
    assertThatThrownBy(() -> CurveKeyPair.load(pub, sec)).hasMessageContaining("is not the one of");
  }

  @Test
  void load_malformedOrMissing_refused() throws Exception {
    Path noKey = Files.writeString(dir.resolve("n.curve_secret"), "metadata\n    name = \"n\"\n");
    assertThatThrownBy(() -> CurveKeyPair.load(null, noKey)).hasMessageContaining("no curve/secret-key");
    Path badZ85 = Files.writeString(dir.resolve("b.curve_secret"), secretZpl("b", LIBZMQ_PUBLIC, "short"));
    assertThatThrownBy(() -> CurveKeyPair.load(null, badZ85)).hasMessageContaining("not 40 characters");
    Path badIndent = Files.writeString(dir.resolve("i.curve_secret"), "curve\n  secret-key = \"x\"\n");
    assertThatThrownBy(() -> CurveKeyPair.load(null, badIndent)).hasMessageContaining("indentation");
    assertThatThrownBy(() -> CurveKeyPair.load(null, dir.resolve("missing"))).hasMessageContaining("cannot read");
  }

  @Test
  void generate_secretProducesPublic_andComparisonIsByValue() {
    CurveKeyPair a = CurveKeyPair.generate("a");
    assertThat(a.hasPublicKey(a.publicKey())).isTrue();
    assertThat(a.hasPublicKey(CurveKeyPair.generate("b").publicKey())).isFalse();
    assertThat(Z85.decodeKey(a.publicKeyZ85())).hasValueSatisfying(k -> assertThat(k).isEqualTo(a.publicKey()));
  }

  @Test
  void z85_invalidText_rejected() {
    assertThat(Z85.decodeKey("too short")).isEmpty();
    assertThat(Z85.decodeKey("~".repeat(40))).isEmpty();
    assertThat(Z85.decodeKey("#".repeat(40))).isEmpty(); // above 2^32 per block
    assertThatThrownBy(() -> Z85.encodeKey(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }
}
