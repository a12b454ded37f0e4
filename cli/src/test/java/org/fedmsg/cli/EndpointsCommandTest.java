package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedmsg.discovery.CurveKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(30)
class EndpointsCommandTest {

  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String yaml) throws Exception {
    Path cfg = dir.resolve("fedmsg.yaml");
    Files.writeString(cfg, yaml);
    return new CommandLine(new EndpointsCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("--config", cfg.toString());
  }

  @Test
  void call_fileSource_printsEndpointsWithFingerprint() throws Exception {
    String key = CurveKeys.encode(new byte[32]);
    int code = run("endpoints:\n  bodhi.app01: tcp://bodhi:3000\n  fas.app01:\n    - url: tcp://fas:3001\n"
        + "      curve_server_key: \"" + key + "\"\n");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("source file: ok, 2 endpoint(s)", "bodhi.app01", "tcp://bodhi:3000",
        "tcp://fas:3001", CurveKeys.fingerprint(key));
  }

  @Test
  void call_malformedEntry_refusedByTheConfigLoaderNamingTheKey() throws Exception {
    // The fedmsg.d loader checks types before any resolver runs (the file resolver's own
    // handling of malformed entries is tested in the discovery module).
    int code = run("endpoints:\n  bad: 42\n  ok: tcp://h:1\n");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("endpoints").contains("bad");
  }

  @Test
  void call_dnsServerSilent_exitOneWithTimeout() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      int code = run("discovery:\n  - type: file\n  - type: dns-srv\n    domains: [example.test]\n"
          + "    nameservers: [\"127.0.0.1:" + silent.getLocalPort() + "\"]\n    timeout: 300ms\n"
          + "endpoints: {a: \"tcp://h:1\"}\n");
      assertThat(code).isEqualTo(1);
      assertThat(out.toString()).contains("source file: ok", "source dns-srv: FAILED", "! TIMEOUT");
    }
  }

  @Test
  void call_unknownType_exitTwo() throws Exception {
    assertThat(run("discovery: [{type: carrier-pigeon}]\n")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown type 'carrier-pigeon'");
  }

  @Test
  void call_missingFile_exitTwo() {
    int code = new CommandLine(new EndpointsCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("--config", dir.resolve("nope.yaml").toString());
    assertThat(code).isEqualTo(2);
  }
}
