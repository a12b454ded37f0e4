package org.fedmsg.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.loadgen.BenchReport;
import org.fedmsg.loadgen.BenchSpec;
import org.fedmsg.loadgen.LoadGenerator;
import org.fedmsg.testing.TestPki;
import org.fedmsg.testing.TestPki.KeyType;
import org.fedmsg.wire.Fedmsg2;

/**
 * The compact fedmsg/2 signature frame ({@code wire_compact}), in {@code docs/performance.md}:
 *
 * <ol>
 *   <li>bytes on a ZMTP connection for one signed message whose {@code msg} is 1 KiB of JSON, full
 *       and compact, for RSA-2048, EC P-256 and Ed25519 certificates issued by fedmsg-certs, and an
 *       Ed25519 leaf under an intermediate (the chain then holds two certificates);
 *   <li>{@code fedmsg bench pubsub} throughput (one publisher, one subscriber, 1 KiB, fedmsg/2
 *       Ed25519), compact and full, rounds interleaved so the shared machine's load moves both.
 * </ol>
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar org.fedmsg.bench.CompactWireBenchmark [rounds] [messages]
 * }</pre>
 */
public final class CompactWireBenchmark {
  private static final String TOPIC = "org.fedoraproject.prod.bench.message";
  private static final int HWM = 10_000_000;

  private CompactWireBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int messages = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    sizes();
    double[] compact = new double[rounds];
    double[] full = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      full[round] = rate(false, messages);
      compact[round] = rate(true, messages);
      System.out.printf(Locale.ROOT, "round %d: full %.0f msgs/s, compact %.0f msgs/s (%.2fx)%n", round + 1,
          full[round], compact[round], compact[round] / full[round]);
    }
    double f = median(full);
    double c = median(compact);
    System.out.printf(Locale.ROOT, "median of %d rounds: full %.0f msgs/s, compact %.0f msgs/s, compact/full %.2f%n",
        rounds, f, c, c / f);
  }

  private static double rate(boolean compact, int messages) throws InterruptedException {
    BenchReport r = LoadGenerator.pubsub(BenchSpec.builder().size(1024).messages(messages).highWaterMark(HWM)
        .format(WireFormat.FEDMSG2).compact(compact).build(), LoadGenerator.Progress.NONE);
    if (r.rejected() > 0 || r.lost() > 0) {
      System.out.printf(Locale.ROOT, "  (%s: %d rejected, %d lost)%n", compact ? "compact" : "full", r.rejected(),
          r.lost());
    }
    return r.receiveRate();
  }

  private static void sizes() throws java.io.IOException {
    System.out.println("| signer | full (B) | compact (B) | compact/full |");
    System.out.println("|---|---|---|---|");
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fedmsg-compact-bench");
    // certificates as fedmsg-certs issues them (EC P-256 CA, the extensions it writes)
    for (org.fedmsg.certs.KeyType t : List.of(org.fedmsg.certs.KeyType.RSA_2048, org.fedmsg.certs.KeyType.EC_P256,
        org.fedmsg.certs.KeyType.ED25519)) {
      org.fedmsg.certs.ThrowawayPki pki = org.fedmsg.certs.ThrowawayPki.create(dir.resolve(t.cliName().replace(':', '-')),
          "localhost", List.of("svc"), t, false);
      row(t.cliName() + " (fedmsg-certs)", Signer.load(pki.ssldir(), pki.certnames().values().iterator().next()));
    }
    TestPki.Issued root = TestPki.rootCa("bench root").keyType(KeyType.EC_P256).build();
    TestPki.Issued intermediate = root.issueCa("bench intermediate").keyType(KeyType.EC_P256).build();
    TestPki.Issued leaf = intermediate.issue("svc.ed.sub").keyType(KeyType.ED25519).build();
    row("ed25519 leaf + intermediate (test PKI)", Signer.of(leaf.privateKey(), leaf.chain()));
  }

  private static void row(String name, Signer signer) {
    byte[][] f = Fedmsg2.encode(TOPIC, body(), signer);
    int full = zmtp(f[0]) + zmtp(f[1]) + zmtp(f[2]);
    int compact = zmtp(f[0]) + zmtp(f[1]) + zmtp(Fedmsg2.compact(f[2]));
    System.out.printf(Locale.ROOT, "| %s | %d | %d | %.2f |%n", name, full, compact, (double) compact / full);
  }

  /** A frame on a ZMTP 3 connection: flags byte, 1-byte (up to 255) or 8-byte length, the bytes. */
  private static int zmtp(byte[] frame) {
    return frame.length + (frame.length <= 255 ? 2 : 9);
  }

  /** An envelope as a bus writes it, whose {@code msg} serialises to 1024 bytes. */
  private static ObjectNode body() {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("topic", TOPIC).put("timestamp", Instant.now().getEpochSecond())
        .put("msg_id", "2026-" + UUID.randomUUID()).put("i", 1).put("username", "fedmsg");
    b.putObject("msg").put("data", "x".repeat(1024 - "{\"data\":\"\"}".length()));
    return Fedmsg2.Stamper.start().stamp(b);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
