package org.fedmsg.jeromq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.neilalexander.jnacl.crypto.xsalsa20poly1305;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

/**
 * {@link NaclBox} against libsodium's answers ({@code box-vectors.txt}, written by
 * {@code libsodium_vectors.py} from the libsodium that libzmq uses), NaCl's published first key,
 * and the {@code jnacl} port that stock JeroMQ uses.
 */
class NaclBoxTest {
  private static final HexFormat HEX = HexFormat.of();

  private static List<String[]> vectors(String kind) throws IOException {
    List<String[]> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        NaclBoxTest.class.getResourceAsStream("box-vectors.txt"), StandardCharsets.US_ASCII))) {
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.split(" ");
        if (f[0].equals(kind)) {
          out.add(f);
        }
      }
    }
    assertThat(out).as("vectors of kind " + kind).isNotEmpty();
    return out;
  }

  private static byte[] hex(String s) {
    return s.equals("-") ? new byte[0] : HEX.parseHex(s);
  }

  /** NaCl's calling convention: the message after 32 zero bytes. */
  private static byte[] padded(byte[] m) {
    byte[] p = new byte[32 + m.length];
    System.arraycopy(m, 0, p, 32, m.length);
    return p;
  }

  @Test
  void beforenm_rfc7748Keys_isNaclsFirstKey() {
    // tests/box.c and tests/core1.c of NaCl: HSalsa20 of Alice's and Bob's X25519 secret
    byte[] k = new byte[32];
    int rc = NaclBox.beforenm(k,
        hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
        hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    assertThat(rc).isZero();
    assertThat(HEX.formatHex(k)).isEqualTo("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  }

  @Test
  void keypairAndBeforenm_matchLibsodium() throws IOException {
    for (String[] v : vectors("keypair")) {
      byte[] pk = new byte[32];
      X25519.scalarMultBase(hex(v[1]), 0, pk, 0);
      assertThat(HEX.formatHex(pk)).isEqualTo(v[2]);
    }
    for (String[] v : vectors("beforenm")) {
      byte[] k = new byte[32];
      assertThat(NaclBox.beforenm(k, hex(v[2]), hex(v[1]))).isZero();
      assertThat(HEX.formatHex(k)).isEqualTo(v[3]);
    }
  }

  @Test
  void box_matchesLibsodium_andOpens() throws IOException {
    for (String[] v : vectors("box")) {
      byte[] sk = hex(v[1]);
      byte[] pk = hex(v[2]);
      byte[] n = hex(v[3]);
      byte[] m = padded(hex(v[4]));
      byte[] c = new byte[m.length];
      assertThat(NaclBox.box(c, m, m.length, n, pk, sk)).isZero();
      assertThat(Arrays.copyOf(c, 16)).as("leading zeros").isEqualTo(new byte[16]);
      assertThat(HEX.formatHex(c, 16, c.length)).as("box of %s bytes", m.length - 32).isEqualTo(v[5]);

      byte[] opened = new byte[c.length];
      // Bob opens with his secret key and Alice's public key: the same shared key
      byte[] bobSk = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
      byte[] alicePk = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
      assertThat(NaclBox.boxOpen(opened, c, c.length, n, alicePk, bobSk)).isZero();
      assertThat(opened).isEqualTo(m);
    }
  }

  @Test
  void secretbox_matchesLibsodium_andOpens() throws IOException {
    for (String[] v : vectors("secretbox")) {
      byte[] k = hex(v[1]);
      byte[] n = hex(v[2]);
      byte[] m = padded(hex(v[3]));
      byte[] c = new byte[m.length];
      assertThat(NaclBox.secretbox(c, m, m.length, n, k)).isZero();
      assertThat(HEX.formatHex(c, 16, c.length)).as("secretbox of %s bytes", m.length - 32).isEqualTo(v[4]);
      byte[] opened = new byte[c.length];
      assertThat(NaclBox.secretboxOpen(opened, c, c.length, n, k)).isZero();
      assertThat(opened).isEqualTo(m);
    }
  }

  @Test
  void secretboxOpen_anyByteChanged_failsAndWipesTheOutput() throws IOException {
    String[] v = vectors("secretbox").get(10);
    byte[] k = hex(v[1]);
    byte[] n = hex(v[2]);
    byte[] c = new byte[16 + hex(v[4]).length];
    System.arraycopy(hex(v[4]), 0, c, 16, c.length - 16);
    for (int i = 16; i < c.length; i++) {
      byte[] bad = c.clone();
      bad[i] ^= 0x01;
      byte[] opened = new byte[bad.length];
      Arrays.fill(opened, (byte) 0x55);
      assertThat(NaclBox.secretboxOpen(opened, bad, bad.length, n, k)).as("byte %d changed", i).isEqualTo(-1);
      assertThat(opened).isEqualTo(new byte[bad.length]);
    }
    byte[] otherNonce = n.clone();
    otherNonce[23] ^= 1;
    assertThat(NaclBox.secretboxOpen(new byte[c.length], c, c.length, otherNonce, k)).isEqualTo(-1);
  }

  @Test
  void shorterThanZeroBytes_isRefused() {
    byte[] k = new byte[32];
    byte[] n = new byte[24];
    assertThat(NaclBox.secretbox(new byte[31], new byte[31], 31, n, k)).isEqualTo(-1);
    assertThat(NaclBox.secretboxOpen(new byte[31], new byte[31], 31, n, k)).isEqualTo(-1);
  }

  @Test
  void lowOrderPublicKey_isRefused() {
    // the all-zero point: every secret key shares the all-zero secret with it
    byte[] sk = NaclBox.random(32);
    byte[] m = new byte[64];
    assertThat(NaclBox.beforenm(new byte[32], new byte[32], sk)).isEqualTo(-1);
    assertThat(NaclBox.box(new byte[64], m, 64, new byte[24], new byte[32], sk)).isEqualTo(-1);
    assertThat(NaclBox.boxOpen(new byte[64], m, 64, new byte[24], new byte[32], sk)).isEqualTo(-1);
  }

  @Property(tries = 300)
  void secretbox_agreesWithJnacl_bothWays(@ForAll @Size(32) byte[] k, @ForAll @Size(24) byte[] n,
      @ForAll @IntRange(min = 0, max = 2100) int length) {
    byte[] m = padded(NaclBox.random(length));
    byte[] ours = new byte[m.length];
    byte[] stock = new byte[m.length];
    assertThat(NaclBox.secretbox(ours, m, m.length, n, k)).isZero();
    assertThat(xsalsa20poly1305.crypto_secretbox(stock, m, m.length, n, k)).isZero();
    assertThat(ours).isEqualTo(stock);

    byte[] opened = new byte[m.length];
    assertThat(xsalsa20poly1305.crypto_secretbox_open(opened, ours, ours.length, n, k)).isZero();
    assertThat(opened).isEqualTo(m);
    Arrays.fill(opened, (byte) 0);
    assertThat(NaclBox.secretboxOpen(opened, stock, stock.length, n, k)).isZero();
    assertThat(opened).isEqualTo(m);
  }

  @Property(tries = 100)
  void inPlace_sameAsTwoArrays(@ForAll @Size(32) byte[] k, @ForAll @Size(24) byte[] n,
      @ForAll @IntRange(min = 0, max = 300) int length) {
    byte[] m = padded(NaclBox.random(length));
    byte[] c = new byte[m.length];
    NaclBox.secretbox(c, m, m.length, n, k);
    byte[] inPlace = m.clone();
    assertThat(NaclBox.secretbox(inPlace, inPlace, inPlace.length, n, k)).isZero();
    assertThat(inPlace).isEqualTo(c);
    assertThat(NaclBox.secretboxOpen(inPlace, inPlace, inPlace.length, n, k)).isZero();
    assertThat(inPlace).isEqualTo(m);
  }

  @Property(tries = 50)
  void salsa20_anyStartOffset_continuesTheSameKeystream(@ForAll @Size(32) byte[] k, @ForAll @Size(8) byte[] n,
      @ForAll @IntRange(min = 0, max = 200) int start, @ForAll @IntRange(min = 0, max = 200) int length) {
    byte[] whole = new byte[start + length];
    Salsa20.xor(whole, 0, whole, 0, whole.length, 0, n, 0, k, 0);
    byte[] part = new byte[length];
    Salsa20.xor(part, 0, part, 0, length, start, n, 0, k, 0);
    assertThat(part).isEqualTo(Arrays.copyOfRange(whole, start, whole.length));
  }
}
