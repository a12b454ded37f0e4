package org.fedmsg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.testing.Fixtures;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a fedmsg/1 receiver pays before the signature check: parse the wire body, then
 * re-canonicalise it without {@code signature}/{@code certificate}. The message is a real Fedora
 * mailman message (about 1 KB of signed content, 3.5 KB on the wire with its certificate).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class CanonicalJsonBenchmark {
  private static final Set<String> UNSIGNED = Set.of("signature", "certificate");

  private byte[] wire;
  private JsonNode body;
  private double timestamp;

  /** Picks the mailman message from the production fixtures and renders its wire form. */
  @Setup
  public void setUp() {
    JsonNode messages = CanonicalJson.parse(Fixtures.productionMessagesJson());
    for (JsonNode m : messages) {
      if (m.path("topic").asText().endsWith("mailman.receive")) {
        body = m;
        break;
      }
    }
    // The reference relay's layout: the harder case for the parser (spaces, unsorted input).
    wire = CanonicalJson.encodePythonDefault(body);
    timestamp = body.path("timestamp").asDouble() + 0.23539;
  }

  /** Parse only. */
  @Benchmark
  public JsonNode parse() {
    return CanonicalJson.parse(wire);
  }

  /** Canonical encoding of the signed content, from an already parsed tree. */
  @Benchmark
  public byte[] encodeSignedContent() {
    return CanonicalJson.encodeWithout(body, UNSIGNED);
  }

  /** The whole receive path: parse, then the canonical bytes to verify. */
  @Benchmark
  public byte[] parseAndEncodeSignedContent() {
    return CanonicalJson.encodeWithout(CanonicalJson.parse(wire), UNSIGNED);
  }

  /** One float, Python repr. */
  @Benchmark
  public String floatRepr() {
    return CanonicalJson.floatRepr(timestamp);
  }

  /** The JDK's own (not always shortest) rendering, for comparison. */
  @Benchmark
  public String jdkDoubleToString() {
    return Double.toString(timestamp);
  }

  /** Size of the inputs, for the report. */
  public static void main(String[] args) {
    CanonicalJsonBenchmark b = new CanonicalJsonBenchmark();
    b.setUp();
    System.out.println("wire bytes: " + b.wire.length + ", signed content bytes: "
        + new String(b.encodeSignedContent(), StandardCharsets.US_ASCII).length());
  }
}
