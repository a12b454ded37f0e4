package org.fedmsg.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PythonFloatTest {

  @Test
  void repr_cpythonTable_matchesEveryEntry() throws IOException {
    List<String> errors = new ArrayList<>();
    int n = 0;
    try (InputStream in = getClass().getResourceAsStream("float_repr.txt")) {
      assertThat(in).isNotNull();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] parts = line.split(" ");
        double v = Double.longBitsToDouble(Long.parseUnsignedLong(parts[0], 16));
        n++;
        String actual = PythonFloat.repr(v);
        if (!actual.equals(parts[1])) {
          errors.add(parts[0] + ": expected " + parts[1] + " got " + actual);
        }
      }
    }
    assertThat(n).isGreaterThan(10_000);
    assertThat(errors).isEmpty();
  }

  @Test
  void flog_magicMultipliers_exactOverWholeRange() {
    List<String> errors = new ArrayList<>();
    for (int q = -1200; q <= 1200; q++) {
      BigDecimal p2 = pow2(q);
      if (PythonFloat.flog10pow2(q) != floorLog10(p2)) {
        errors.add("flog10pow2 " + q);
      }
      if (PythonFloat.flog10threeQuartersPow2(q) != floorLog10(p2.multiply(new BigDecimal("0.75")))) {
        errors.add("flog10threeQuartersPow2 " + q);
      }
    }
    for (int e = -400; e <= 400; e++) {
      BigDecimal p10 = BigDecimal.ONE.scaleByPowerOfTen(e);
      int expected = e >= 0 ? BigInteger.TEN.pow(e).bitLength() - 1 : -(BigInteger.TEN.pow(-e).bitLength());
      if (PythonFloat.flog2pow10(e) != expected) {
        errors.add("flog2pow10 " + e + " " + p10);
      }
    }
    assertThat(errors).isEmpty();
  }

  private static BigDecimal pow2(int q) {
    return q >= 0 ? new BigDecimal(BigInteger.TWO.pow(q)) : BigDecimal.ONE.divide(new BigDecimal(BigInteger.TWO.pow(-q)));
  }

  private static int floorLog10(BigDecimal x) {
    return x.precision() - x.scale() - 1;
  }

  /* --------------- against an independent oracle --------------- */

  @Property(tries = 20_000)
  void repr_anyDouble_matchesBigDecimalOracle(@ForAll("anyDouble") double v) {
    assertThat(PythonFloat.repr(v)).isEqualTo(ReprOracle.repr(v));
  }

  @Property(tries = 3_000)
  void repr_anyDouble_readsBackAsSameDouble(@ForAll("anyDouble") double v) {
    String r = PythonFloat.repr(v);
    double back = Double.parseDouble(r.replace("Infinity", "Infinity"));
    assertThat(Double.doubleToLongBits(back)).isEqualTo(Double.doubleToLongBits(v));
  }

  @Provide
  Arbitrary<Double> anyDouble() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite),
        Arbitraries.longs().between(1, (1L << 52) - 1).map(Double::longBitsToDouble),
        Arbitraries.integers().between(-1074, 1023).map(e -> Math.scalb(1.0, e)),
        Arbitraries.integers().between(-20, 20).flatMap(e ->
            Arbitraries.integers().between(0, 999_999).map(m -> m * Math.pow(10, e))),
        Arbitraries.doubles().between(0, 2e9));
  }

  /**
   * Shortest round-trip digits by brute force: for each length, the decimals just below and above
   * v at that length are the only candidates; Double.parseDouble decides whether they read back.
   * Layout per Python's float_repr_style 'short', written independently of PythonFloat.format.
   */
  static final class ReprOracle {
    static String repr(double v) {
      if (Double.isNaN(v)) {
        return "NaN";
      }
      if (Double.isInfinite(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
      }
      if (v == 0) {
        return (1 / v < 0) ? "-0.0" : "0.0";
      }
      String sign = v < 0 ? "-" : "";
      double a = Math.abs(v);
      BigDecimal exact = new BigDecimal(a);
      for (int len = 1; len <= 17; len++) {
        BigDecimal lo = exact.round(new MathContext(len, RoundingMode.FLOOR));
        BigDecimal hi = exact.round(new MathContext(len, RoundingMode.CEILING));
        boolean loOk = Double.parseDouble(lo.toString()) == a;
        boolean hiOk = Double.parseDouble(hi.toString()) == a;
        BigDecimal pick = null;
        if (loOk && hiOk) {
          int cmp = exact.subtract(lo).compareTo(hi.subtract(exact));
          if (cmp < 0) {
            pick = lo;
          } else if (cmp > 0) {
            pick = hi;
          } else {
            pick = lo.unscaledValue().testBit(0) ? hi : lo;
          }
        } else if (loOk) {
          pick = lo;
        } else if (hiOk) {
          pick = hi;
        }
        if (pick != null) {
          return sign + layout(pick.stripTrailingZeros());
        }
      }
      throw new AssertionError("no representation for " + v);
    }

    private static String layout(BigDecimal d) {
      String digits = d.unscaledValue().toString();
      int exp = d.precision() - d.scale() - 1;
      if (exp < -4 || exp >= 16) {
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
      }
      String plain = d.toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
  }
}
