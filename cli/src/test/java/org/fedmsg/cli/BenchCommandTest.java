package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.fedmsg.loadgen.BenchReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(120)
class BenchCommandTest {
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int bench(String... args) {
    CommandLine cli = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    List<String> all = new java.util.ArrayList<>(List.of("bench"));
    all.addAll(List.of(args));
    return cli.execute(all.toArray(String[]::new));
  }

  @Test
  void pubsub_csvWithHeader_twoLinesOfEqualWidth() {
    int code = bench("pubsub", "--msgs", "30", "--pub", "2", "--csv", "--csv-header", "--no-progress");

    assertThat(code).as(err.toString()).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).isEqualTo(BenchReport.CSV_HEADER);
    String[] header = lines.get(0).split(",");
    String[] row = lines.get(1).split(",", -1);
    assertThat(row).hasSameSizeAs(header);
    assertThat(row[List.of(header).indexOf("sent")]).isEqualTo("60");
    assertThat(row[List.of(header).indexOf("received")]).isEqualTo("60");
    assertThat(row[List.of(header).indexOf("publishers")]).isEqualTo("2");
  }

  @Test
  void pubsub_report_perClientAndTotals() {
    int code = bench("pubsub", "--msgs", "20", "--sub", "2", "--size", "512", "--no-progress");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("Pub stats:", " [1] pub-1 ", "Sub stats:", " [1] sub-1 ", " [2] sub-2 ",
        "(20 msgs)", "All subscribers: latency p50", "Rejected 0, lost 0");
  }

  @Test
  void pubsub_throughARelay_compactByDefaultAndWithNoCompact_nothingRejectedOrLost() {
    int code = bench("pubsub", "--msgs", "40", "--relay", "--no-progress");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("Rejected 0, lost 0").doesNotContain("(full chains)");

    out.getBuffer().setLength(0);
    code = bench("pubsub", "--msgs", "40", "--relay", "--no-compact", "--no-progress");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("ed25519 (full chains)", "Rejected 0, lost 0");
  }

  @Test
  void pubsub_fedmsg1WithEd25519_usageErrorExit2() {
    int code = bench("pubsub", "--format", "fedmsg1", "--key", "ed25519", "--msgs", "1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines().toList()).singleElement().asString().contains("RSA only");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void durationConverter_unitsAndErrors() {
    BenchCommand.DurationConverter c = new BenchCommand.DurationConverter();
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.convert("45")).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.convert("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(c.convert("PT1M")).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("not a duration");
    assertThatThrownBy(() -> c.convert("")).isInstanceOf(CommandLine.TypeConversionException.class);
  }
}
